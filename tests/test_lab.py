"""Notebook 05 in a real JupyterLab, driven by headless Chromium over the DevTools protocol: the notebook runs,
the explorer's picker and search filter the sentences, the Fightin' Words chart draws offline; then notebook 02
shows its figures in the notebook. Screenshots are kept in build/browser/ (lab-explorer.png,
lab-fightin-words.png, lab-figures.png) with the timings in lab-explorer.json."""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest

from analysis import paths
from browser import DevTools, chromium

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


# the notebook's panel in Lab's main area (the shell's currentWidget follows focus, which a headless window lacks)
NOTEBOOK = "[...window.jupyterapp.shell.widgets('main')].find(w => w.sessionContext && w.content && w.content.widgets)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_lab(root, env, port: int, token: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--ServerApp.port_retries=0",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    with open(root / "lab.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited: {(root / 'lab.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("JupyterLab did not answer on 127.0.0.1 within 90 s")


def test_explorer_in_jupyterlab(tmp_path):
    import asyncio

    exe = chromium()
    root = tmp_path / "lab"
    root.mkdir()
    src = root / "mine.csv"
    pd.DataFrame(ROWS, columns=["title", "content", "source", "publish_date"]).to_csv(src, index=False)
    nb = json.loads((paths.NOTEBOOKS / "05-explore.ipynb").read_text(encoding="utf-8"))
    params = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    params["source"] = [re.sub(r"^corpus_path: str = None", f"corpus_path: str = {str(src)!r}", line)
                        for line in params["source"]]
    assert any(str(src) in line for line in params["source"])
    (root / "05-explore.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    nb2 = json.loads((paths.NOTEBOOKS / "02-voices.ipynb").read_text(encoding="utf-8"))  # figures inline
    params = next(c for c in nb2["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    params["source"] = [re.sub(r"^corpus_path: str = None", f"corpus_path: str = {str(src)!r}", line)
                        for line in params["source"]]
    (root / "02-voices.ipynb").write_text(json.dumps(nb2, indent=1), encoding="utf-8")
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no "get notified about Jupyter news?" toast over the screenshot
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}', encoding="utf-8")
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"), "PYTHONPATH": str(paths.ROOT), "FRAMING_INTERIM": str(tmp_path / "interim"),
           "FRAMING_FIGURES": str(tmp_path / "figures"), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    port, token = _free_port(), secrets.token_hex(16)
    times: dict[str, float] = {}
    t0 = time.monotonic()
    lab = _start_lab(root, env, port, token)
    times["lab_started_s"] = time.monotonic() - t0

    async def wait_for(js, expr: str, seconds: float, what: str):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = await js(expr)
            if got:
                return got
            await asyncio.sleep(0.5)
        raise AssertionError(f"{what}: not seen within {seconds:.0f} s")

    async def steps(call, js):
        await call("Page.enable")
        await call("Page.navigate", url=f"http://127.0.0.1:{port}/lab/tree/05-explore.ipynb?token={token}")
        await wait_for(js, "!!(window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell'))", 120,
                       "the notebook open in JupyterLab")
        kernel = (f"(() => {{ const w = {NOTEBOOK}; const k = w && w.sessionContext.session && "
                  "w.sessionContext.session.kernel; return k && k.connectionStatus === 'connected' && k.status; })()")
        await wait_for(js, f"{kernel} === 'idle'", 120, "the kernel ready")
        t = time.monotonic()
        await js(f"(() => {{ const w = {NOTEBOOK}; window.jupyterapp.shell.activateById(w.id); "
                 "return window.jupyterapp.commands.execute('notebook:run-all-cells'); })()")
        await wait_for(js, f"{kernel} === 'busy'", 60, "the notebook running")
        explorer = "document.querySelector('.framing-explorer')"
        await wait_for(js, f"!!{explorer} && !!document.querySelector('.jp-OutputArea .vega-embed svg, "
                           ".jp-OutputArea .vega-embed canvas')", 420, "the explorer and the Fightin' Words chart")
        await wait_for(js, f"{kernel} === 'idle' && {NOTEBOOK}.content.widgets.every(c => c.model.type !== 'code' "
                           "|| c.model.executionCount)", 120, "the notebook finished")
        times["run_all_s"] = time.monotonic() - t
        errors = await js("[...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="
                          "\"application/vnd.jupyter.stderr\"]')].map(e => e.innerText).filter(t => /Error|Traceback/"
                          ".test(t)).join('\\n')")
        assert not errors, errors
        count = f"{explorer}.querySelector('.widget-html-content').innerText"
        before = await js(count)

        async def type_into(description: str, text: str):
            box = json.loads(await js(
                f"(() => {{ const l = [...{explorer}.querySelectorAll('.widget-inline-hbox')].find(b => "
                f"b.querySelector('label') && b.querySelector('label').innerText.trim() === '{description}'); "
                "const i = l.querySelector('input'); i.scrollIntoView({block: 'center'}); i.focus(); "
                "const r = i.getBoundingClientRect(); return JSON.stringify([r.x + 10, r.y + r.height / 2]); })()"))
            await call("Input.dispatchMouseEvent", type="mousePressed", x=box[0], y=box[1], button="left", clickCount=1)
            await call("Input.dispatchMouseEvent", type="mouseReleased", x=box[0], y=box[1], button="left", clickCount=1)
            await call("Input.insertText", text=text)
            await call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13,
                       text="\r")
            await call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
            await js("document.activeElement && document.activeElement.blur()")  # a text box sends its value on change

        t = time.monotonic()
        await type_into("speaker", "Mike Henry")
        picked = await wait_for(js, f"(() => {{ const t = {count}; return t !== {json.dumps(before)} && t; }})()", 60,
                                "the speaker picker filtering")
        times["picker_s"] = time.monotonic() - t
        listed = await js(f"[...{explorer}.querySelectorAll('.framing-rows option')].map(o => o.textContent.replace(/\\u00a0/g, ' '))")
        t = time.monotonic()
        await type_into("search", "weak")
        searched = await wait_for(js, f"(() => {{ const t = {count}; return t !== {json.dumps(picked)} && t; }})()", 60,
                                  "the search filtering")
        times["search_s"] = time.monotonic() - t
        shown = await js(f"[...{explorer}.querySelectorAll('.framing-rows option')].map(o => o.textContent.replace(/\\u00a0/g, ' '))")
        detail = await wait_for(js, f"(() => {{ const m = {explorer}.querySelector('mark'); return m && "
                                    "m.closest('div').parentElement.innerHTML; })()", 30, "the chosen sentence in context")
        await js(f"{explorer}.scrollIntoView({{block: 'start'}})")
        await asyncio.sleep(0.5)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = await call("Page.captureScreenshot", format="png")
        import base64

        (SHOTS / "lab-explorer.png").write_bytes(base64.b64decode(shot["data"]))
        await js("document.querySelector('.jp-OutputArea .vega-embed').scrollIntoView({block: 'start'})")
        await asyncio.sleep(0.5)
        shot = await call("Page.captureScreenshot", format="png")
        (SHOTS / "lab-fightin-words.png").write_bytes(base64.b64decode(shot["data"]))
        # a notebook of figures: each shown in its cell (PNG), as a researcher sees them in Lab
        t = time.monotonic()
        await js("window.jupyterapp.commands.execute('docmanager:open', {path: '02-voices.ipynb'})")
        other = "[...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === '02-voices.ipynb')"
        k2 = (f"(() => {{ const w = {other}; const k = w && w.sessionContext.session && w.sessionContext.session.kernel; "
              "return k && k.connectionStatus === 'connected' && k.status; })()")
        await wait_for(js, f"{k2} === 'idle'", 120, "the second notebook's kernel ready")
        await js(f"(() => {{ const w = {other}; window.jupyterapp.shell.activateById(w.id); "
                 "return window.jupyterapp.commands.execute('notebook:run-all-cells'); })()")
        await wait_for(js, f"{k2} === 'busy'", 60, "the second notebook running")
        await wait_for(js, f"{k2} === 'idle' && {other}.content.widgets.every(c => c.model.type !== 'code' "
                           "|| c.model.executionCount)", 300, "the second notebook finished")
        times["figures_notebook_s"] = time.monotonic() - t
        images = await js(f"[...{other}.node.querySelectorAll('.jp-OutputArea-output img')].map(i => i.naturalWidth)")
        await js(f"{other}.node.querySelector('.jp-OutputArea-output img').scrollIntoView({{block: 'start'}})")
        await asyncio.sleep(0.5)
        shot = await call("Page.captureScreenshot", format="png")
        (SHOTS / "lab-figures.png").write_bytes(base64.b64decode(shot["data"]))
        return before, picked, listed, searched, shown, detail, images

    dt = DevTools(exe, tmp_path, window="1400,1000")
    try:
        before, picked, listed, searched, shown, detail, images = dt.run(steps)
    finally:
        dt.close()
        lab.terminate()
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lab.kill()
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
