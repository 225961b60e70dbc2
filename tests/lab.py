"""JupyterLab for the browser tests and the Lab benchmark: a server on 127.0.0.1 with its own token and settings,
notebooks copied with their parameters set, and the steps a researcher takes in Lab (open, run all, type into a
widget, take a screenshot), driven over the DevTools protocol (:class:`browser.DevTools`). Every wait has a limit.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook_with(source: Path, dest: Path, **values) -> Path:
    """Copy notebook ``source`` to ``dest`` with parameters ``name: type = None`` of its parameters cell set to
    ``values`` (written as Python literals); ValueError for a parameter the cell does not declare."""
    nb = json.loads(Path(source).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    for name, value in values.items():
        pattern = re.compile(rf"^({re.escape(name)}: \w+ = )None")
        if not any(pattern.match(line) for line in cell["source"]):
            raise ValueError(f"{source.name} declares no parameter {name!r} = None")
        cell["source"] = [pattern.sub(lambda m: m.group(1) + repr(value), line) for line in cell["source"]]
    Path(dest).write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return Path(dest)


@dataclass
class LabServer:
    proc: subprocess.Popen
    port: int
    token: str

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/lab/tree/{path}?token={self.token}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_lab(root: Path, env: dict[str, str], *, seconds: float = 90) -> LabServer:
    """JupyterLab serving ``root`` on 127.0.0.1 (a free port, a fresh token, the app exposed to scripts as
    ``window.jupyterapp``, no news or update checks), its log in ``root/lab.log``; fails the test when it does not
    answer within ``seconds``. ``env``: the server's (and its kernels') environment, to which the user settings
    folder ``root/lab-settings`` is added."""
    settings = root / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)  # no "get notified about Jupyter news?" toast over a screenshot
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}', encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--ServerApp.port_retries=0",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    env = {**env, "JUPYTERLAB_SETTINGS_DIR": str(root / "lab-settings")}
    with open(root / "lab.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited: {(root / 'lab.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5):
                return LabServer(proc, port, token)
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail(f"JupyterLab did not answer on 127.0.0.1 within {seconds:.0f} s")


def panel(path: str) -> str:
    """JS: the notebook panel of ``path`` in Lab's main area (the shell's currentWidget follows focus, which a
    headless window lacks)."""
    return f"[...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === {json.dumps(path)})"


def kernel_status(path: str) -> str:
    """JS: the status of the notebook's kernel once connected ('idle', 'busy', ...), else a falsy value."""
    return (f"(() => {{ const w = {panel(path)}; const k = w && w.sessionContext.session && "
            "w.sessionContext.session.kernel; return k && k.connectionStatus === 'connected' && k.status; })()")


async def wait_for(js, expr: str, seconds: float, what: str, *, poll: float = 0.5):
    """The first truthy value of JS ``expr``, polled every ``poll`` s; AssertionError naming ``what`` after
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = await js(expr)
        if got:
            return got
        await asyncio.sleep(poll)
    raise AssertionError(f"{what}: not seen within {seconds:.0f} s")


async def open_and_run(call, js, lab: LabServer, path: str, *, navigate: bool, seconds: float = 540) -> float:
    """Open notebook ``path`` (``navigate``: load Lab at it; else open it in the running Lab), wait for its kernel,
    run all cells and wait until every code cell has run and the kernel is idle; returns the run's seconds."""
    if navigate:
        await call("Page.enable")
        await call("Page.navigate", url=lab.url(path))
        await wait_for(js, "!!(window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell'))", 120,
                       f"{path} open in JupyterLab")
    else:
        await js(f"window.jupyterapp.commands.execute('docmanager:open', {{path: {json.dumps(path)}}})")
    status = kernel_status(path)
    await wait_for(js, f"{status} === 'idle'", 120, f"{path}: the kernel ready")
    t = time.monotonic()
    await js(f"(() => {{ const w = {panel(path)}; window.jupyterapp.shell.activateById(w.id); "
             "return window.jupyterapp.commands.execute('notebook:run-all-cells'); })()")
    await wait_for(js, f"{status} === 'busy'", 60, f"{path} running")
    await wait_for(js, f"{status} === 'idle' && {panel(path)}.content.widgets.every(c => c.model.type !== 'code' "
                       "|| c.model.executionCount)", seconds, f"{path} finished")
    return time.monotonic() - t


async def type_into(call, js, container: str, description: str, text: str, *, key_by_key: bool = False) -> float:
    """Click the text box labelled ``description`` inside JS element ``container``, type ``text`` (at once, or one
    key at a time), press Enter and leave the box (a widget text box sends its value on change); returns the
    typing's seconds."""
    box = json.loads(await js(
        f"(() => {{ const l = [...{container}.querySelectorAll('.widget-inline-hbox')].find(b => "
        f"b.querySelector('label') && b.querySelector('label').innerText.trim() === {json.dumps(description)}); "
        "const i = l.querySelector('input'); i.scrollIntoView({block: 'center'}); i.focus(); "
        "const r = i.getBoundingClientRect(); return JSON.stringify([r.x + 10, r.y + r.height / 2]); })()"))
    await call("Input.dispatchMouseEvent", type="mousePressed", x=box[0], y=box[1], button="left", clickCount=1)
    await call("Input.dispatchMouseEvent", type="mouseReleased", x=box[0], y=box[1], button="left", clickCount=1)
    t = time.monotonic()
    for piece in (text if key_by_key else [text]):
        await call("Input.insertText", text=piece)
    typed = time.monotonic() - t
    await call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r")
    await call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    await js("document.activeElement && document.activeElement.blur()")
    return typed


async def screenshot(call, js, expr: str, path: Path) -> None:
    """Scroll JS element ``expr`` to the top of the window and save a PNG screenshot to ``path``."""
    await js(f"{expr}.scrollIntoView({{block: 'start'}})")
    await asyncio.sleep(0.5)
    shot = await call("Page.captureScreenshot", format="png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
