"""The explorer in a real JupyterLab on the shipped corpus (294 articles, 12,160 sentences; pickers of 1,109
speakers and 4,288 actors): headless Chromium over the DevTools protocol runs notebook 05 (figures into a
temporary folder), types an actor's name key by key into its picker and a word into the search box, and times
each until the panel's count changes. Needs the shipped corpus's store (``make figures`` builds it) and
Chromium (``make browser``). Results: bench/results/lab-explorer.json, screenshot build/browser/lab-shipped.png.
"""
import asyncio
import base64
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))
import test_lab as T  # noqa: E402
from browser import DevTools, chromium  # noqa: E402

from analysis import paths  # noqa: E402

root = Path(tempfile.mkdtemp(prefix="lab-explorer-"))
nb = json.loads((paths.NOTEBOOKS / "05-explore.ipynb").read_text())
params = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
params["source"] = [re.sub(r"^figures_dir: str = None", f"figures_dir: str = {str(root / 'figures')!r}", line) for line in params["source"]]
(root / "05-explore.ipynb").write_text(json.dumps(nb))
settings = root / "lab-settings" / "@jupyterlab" / "apputils-extension"
settings.mkdir(parents=True)  # no news toast over the screenshot
(settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}', encoding="utf-8")
env = {**os.environ, "PYTHONPATH": str(paths.ROOT), "JUPYTERLAB_SETTINGS_DIR": str(root / "lab-settings")}
port, tok = T._free_port(), secrets.token_hex(8)
lab = T._start_lab(root, env, port, tok)
NB = T.NOTEBOOK
times = {}
async def steps(call, js):
    async def wait_for(expr, s, what):
        d = time.monotonic() + s
        while time.monotonic() < d:
            v = await js(expr)
            if v: return v
            await asyncio.sleep(0.1)
        raise AssertionError(what)
    await call("Page.enable")
    await call("Page.navigate", url=f"http://127.0.0.1:{port}/lab/tree/05-explore.ipynb?token={tok}")
    await wait_for("!!(window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell'))", 120, "open")
    kernel = f"(() => {{ const w = {NB}; const k = w && w.sessionContext.session && w.sessionContext.session.kernel; return k && k.connectionStatus === 'connected' && k.status; }})()"
    await wait_for(f"{kernel} === 'idle'", 120, "kernel")
    t = time.monotonic()
    await js(f"(() => {{ const w = {NB}; window.jupyterapp.shell.activateById(w.id); return window.jupyterapp.commands.execute('notebook:run-all-cells'); }})()")
    await wait_for(f"{kernel} === 'busy'", 60, "busy")
    await wait_for(f"{kernel} === 'idle' && {NB}.content.widgets.every(c => c.model.type !== 'code' || c.model.executionCount)", 600, "done")
    times["run_all_s"] = time.monotonic() - t
    ex = "document.querySelector('.framing-explorer')"
    count = f"{ex}.querySelector('.widget-html-content').innerText"
    n_opts = await js(f"[...{ex}.querySelectorAll('datalist')].map(d => d.options.length)")
    times["datalist_sizes"] = n_opts
    async def typ(desc, text):
        box = json.loads(await js(f"(() => {{ const l = [...{ex}.querySelectorAll('.widget-inline-hbox')].find(b => b.querySelector('label') && b.querySelector('label').innerText.trim() === '{desc}'); const i = l.querySelector('input'); i.scrollIntoView({{block: 'center'}}); i.focus(); const r = i.getBoundingClientRect(); return JSON.stringify([r.x + 10, r.y + r.height / 2]); }})()"))
        await call("Input.dispatchMouseEvent", type="mousePressed", x=box[0], y=box[1], button="left", clickCount=1)
        await call("Input.dispatchMouseEvent", type="mouseReleased", x=box[0], y=box[1], button="left", clickCount=1)
        t = time.monotonic()
        for ch in text:
            await call("Input.insertText", text=ch)
        typed = time.monotonic() - t
        await call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r")
        await call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
        await js("document.activeElement && document.activeElement.blur()")
        return typed
    before = await js(count)
    t = time.monotonic(); times["actor_typing_s"] = await typ("actor", "Donald Trump")
    after = await wait_for(f"(() => {{ const t = {count}; return t !== {json.dumps(before)} && t; }})()", 60, "actor")
    times["actor_pick_to_update_s"] = time.monotonic() - t
    t = time.monotonic(); await typ("search", "wall")
    after2 = await wait_for(f"(() => {{ const t = {count}; return t !== {json.dumps(after)} && t; }})()", 60, "search")
    times["search_to_update_s"] = time.monotonic() - t
    times["counts"] = [before, after, after2]
    await js(f"{ex}.scrollIntoView({{block: 'start'}})"); await asyncio.sleep(0.5)
    shot = await call("Page.captureScreenshot", format="png")
    (paths.BUILD / "browser").mkdir(parents=True, exist_ok=True)
    (paths.BUILD / "browser" / "lab-shipped.png").write_bytes(base64.b64decode(shot["data"]))


dt = DevTools(chromium(), root, window="1400,1000")
try:
    dt.run(steps)
finally:
    dt.close()
    lab.terminate()
    lab.wait(timeout=30)
    shutil.rmtree(root, ignore_errors=True)
times = {k: round(v, 2) if isinstance(v, float) else v for k, v in times.items()}
times["command"] = "python bench/bench_lab_explorer.py"
(paths.BENCH_RESULTS / "lab-explorer.json").write_text(json.dumps(times, indent=1) + "\n", encoding="utf-8")
print(json.dumps(times, indent=1))
