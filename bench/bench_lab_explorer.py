"""The explorer in a real JupyterLab on the shipped corpus (294 articles, 12,160 sentences; pickers of 1,109
speakers and 4,288 actors): headless Chromium over the DevTools protocol runs notebook 05 (figures into a
temporary folder), types an actor's name key by key into its picker and a word into the search box, and times
each until the panel's count changes. Needs the shipped corpus's store (``make figures`` builds it) and
Chromium (``make browser``). Results: bench/results/lab-explorer.json, screenshot build/browser/lab-shipped.png.
"""
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))
from browser import DevTools, chromium  # noqa: E402
from lab import notebook_with, open_and_run, screenshot, start_lab, type_into, wait_for  # noqa: E402

from analysis import paths  # noqa: E402


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="lab-explorer-"))
    notebook_with(paths.NOTEBOOKS / "05-explore.ipynb", root / "05-explore.ipynb", figures_dir=str(root / "figures"))
    lab = start_lab(root, {**os.environ, "PYTHONPATH": str(paths.ROOT)})
    times: dict = {}
    explorer = "document.querySelector('.framing-explorer')"
    count = f"{explorer}.querySelector('.widget-html-content').innerText"

    async def steps(call, js):
        times["run_all_s"] = await open_and_run(call, js, lab, "05-explore.ipynb", navigate=True)
        times["datalist_sizes"] = await js(f"[...{explorer}.querySelectorAll('datalist')].map(d => d.options.length)")
        shown = [await js(count)]
        for description, text, typing, update in (("actor", "Donald Trump", "actor_typing_s", "actor_pick_to_update_s"),
                                                  ("search", "wall", None, "search_to_update_s")):
            t = time.monotonic()
            typed = await type_into(call, js, explorer, description, text, key_by_key=True)
            if typing:
                times[typing] = typed
            shown.append(await wait_for(
                js, f"(() => {{ const t = {count}; return t !== {json.dumps(shown[-1])} && t; }})()", 60,
                f"the {description} filtering", poll=0.1))
            times[update] = time.monotonic() - t
        times["counts"] = shown
        await screenshot(call, js, explorer, paths.BUILD / "browser" / "lab-shipped.png")

    dt = DevTools(chromium(), root, window="1400,1000")
    try:
        dt.run(steps)
    finally:
        dt.close()
        lab.stop()
        shutil.rmtree(root, ignore_errors=True)
    times = {k: round(v, 2) if isinstance(v, float) else v for k, v in times.items()}
    times["command"] = "python bench/bench_lab_explorer.py"
    (paths.BENCH_RESULTS / "lab-explorer.json").write_text(json.dumps(times, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(times, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
