"""Notebook 05 in a real JupyterLab, driven by headless Chromium over the DevTools protocol: the notebook runs,
the explorer's picker and search filter the sentences, the Fightin' Words chart draws offline; then notebook 02
shows its figures in the notebook. Screenshots are kept in build/browser/ (lab-explorer.png,
lab-fightin-words.png, lab-figures.png) with the timings in lab-explorer.json."""
from __future__ import annotations

import json
import os
import re
import time

import pandas as pd
import pytest

from analysis import paths
from browser import DevTools, chromium
from lab import notebook_with, open_and_run, panel, screenshot, start_lab, type_into, wait_for

pytestmark = pytest.mark.slow
SHOTS = paths.ROOT / "build" / "browser"
ROWS = [  # a researcher's own three articles (title, content, source, publish_date)
    ("Rio Tinto expands mine", 'Rio Tinto said on Monday it would expand its Pilbara mine. "This is a major investment," '
     "chief executive Jakob Stausholm told reporters. Environmental groups criticised the plan, saying it threatens "
     "sacred sites.", "Mining Weekly", "2024-03-04"),
    ("BHP profit falls", 'BHP reported a fall in profit. "Prices were weak this year," Mike Henry said. Analysts said '
     "Rio Tinto fared better. Henry added that demand would recover.", "The Courier", "2024-03-18"),
    ("Union strikes at Rio Tinto site", 'Workers walked off the job at a Rio Tinto site. "We want fair pay," union '
     "official Sarah Smith said. Rio Tinto said it was disappointed. Mike Henry of BHP declined to comment.",
     "The Courier", "2024-03-21"),
]


def test_explorer_in_jupyterlab(tmp_path):
    exe = chromium()
    root = tmp_path / "lab"
    root.mkdir()
    src = root / "mine.csv"
    pd.DataFrame(ROWS, columns=["title", "content", "source", "publish_date"]).to_csv(src, index=False)
    notebook_with(paths.NOTEBOOKS / "05-explore.ipynb", root / "05-explore.ipynb", corpus_path=str(src))
    notebook_with(paths.NOTEBOOKS / "02-voices.ipynb", root / "02-voices.ipynb", corpus_path=str(src))  # figures
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT), "FRAMING_INTERIM": str(tmp_path / "interim"),
           "FRAMING_FIGURES": str(tmp_path / "figures"), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    times: dict[str, float] = {}
    t0 = time.monotonic()
    lab = start_lab(root, env)
    times["lab_started_s"] = time.monotonic() - t0
    explorer = "document.querySelector('.framing-explorer')"
    count = f"{explorer}.querySelector('.widget-html-content').innerText"
    rows = (f"[...{explorer}.querySelectorAll('.framing-rows option')]"
            ".map(o => o.textContent.replace(/\\u00a0/g, ' '))")

    async def steps(call, js):
        times["run_all_s"] = await open_and_run(call, js, lab, "05-explore.ipynb", navigate=True)
        await wait_for(js, f"!!{explorer} && !!document.querySelector('.jp-OutputArea .vega-embed svg, "
                           ".jp-OutputArea .vega-embed canvas')", 30, "the explorer and the Fightin' Words chart")
        errors = await js("[...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="
                          "\"application/vnd.jupyter.stderr\"]')].map(e => e.innerText).filter(t => /Error|Traceback/"
                          ".test(t)).join('\\n')")
        assert not errors, errors

        async def filter_by(description: str, text: str, previous: str, timing: str):
            """Type into one control; the panel's new count line and listed rows once the count changes."""
            t = time.monotonic()
            await type_into(call, js, explorer, description, text)
            now = await wait_for(js, f"(() => {{ const t = {count}; return t !== {json.dumps(previous)} && t; }})()",
                                 60, f"the {description} filtering")
            times[timing] = time.monotonic() - t
            return now, await js(rows)

        before = await js(count)
        picked, listed = await filter_by("speaker", "Mike Henry", before, "picker_s")
        searched, shown = await filter_by("search", "weak", picked, "search_s")
        detail = await wait_for(js, f"(() => {{ const m = {explorer}.querySelector('mark'); return m && "
                                    "m.closest('div').parentElement.innerHTML; })()", 30, "the chosen sentence in context")
        await screenshot(call, js, explorer, SHOTS / "lab-explorer.png")
        await screenshot(call, js, "document.querySelector('.jp-OutputArea .vega-embed')", SHOTS / "lab-fightin-words.png")
        # a notebook of figures: each shown in its cell (PNG), as a researcher sees them in Lab
        times["figures_notebook_s"] = await open_and_run(call, js, lab, "02-voices.ipynb", navigate=False, seconds=300)
        other = panel("02-voices.ipynb")
        images = await js(f"[...{other}.node.querySelectorAll('.jp-OutputArea-output img')].map(i => i.naturalWidth)")
        await screenshot(call, js, f"{other}.node.querySelector('.jp-OutputArea-output img')", SHOTS / "lab-figures.png")
        return before, picked, listed, searched, shown, detail, images

    dt = DevTools(exe, tmp_path, window="1400,1000")
    try:
        before, picked, listed, searched, shown, detail, images = dt.run(steps)
    finally:
        dt.close()
        lab.stop()
    times["total_s"] = time.monotonic() - t0
    (SHOTS / "lab-explorer.json").write_text(json.dumps({k: round(v, 1) for k, v in times.items()}, indent=1) + "\n")
    n = lambda text: int(re.search(r"([\d,]+) sentences?", text).group(1).replace(",", ""))  # noqa: E731
    # Mike Henry is quoted twice in one article (in the third he is only mentioned)
    assert n(before) > n(picked) == 2 and "in 1 article " in picked
    assert listed and all("Mike Henry" in o for o in listed)
    assert n(searched) == 1 and len(shown) == 1 and "Prices were weak" in shown[0]
    assert "Prices were weak" in detail and "open in the annotated article" in detail
    assert "BHP reported a fall in profit." in detail  # the sentence before, for context
    assert (SHOTS / "lab-explorer.png").stat().st_size > 20_000
    assert len(images) >= 3 and min(images) > 300, images  # 02's figures drawn in the notebook, not only saved
