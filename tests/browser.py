"""Headless Chromium for the browser tests: found (or the test skips, or fails under FRAMING_REQUIRE_BROWSER=1),
run once with flags, or driven over the DevTools protocol."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("FRAMING_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (FRAMING_REQUIRE_BROWSER=1); `make browser` installs it")
        pytest.skip("chromium not installed (`make browser` installs Debian's chromium)")
    return exe


def run_chromium(exe: str, *args: str, tmp_path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)


class DevTools:
    """Headless Chromium driven over the DevTools protocol (tornado's websocket client): real pointer hover."""

    def __init__(self, exe: str, tmp_path, *, window: str = "1100,1600"):
        import json
        import time
        import urllib.request

        profile = tmp_path / "cdp-profile"
        self.proc = subprocess.Popen([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                      "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                      f"--user-data-dir={profile}", "--remote-debugging-port=0", f"--window-size={window}",
                                      "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                pytest.fail("headless chromium did not open its DevTools port within 60 s")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            self.ws_url = next(t["webSocketDebuggerUrl"] for t in json.load(r) if t["type"] == "page")
        self.n = 0

    def run(self, steps):
        import asyncio

        from tornado.websocket import websocket_connect

        async def go():
            conn = await asyncio.wait_for(websocket_connect(self.ws_url, max_message_size=64 << 20), 30)

            async def call(method, **params):
                import json

                self.n += 1
                await conn.write_message(json.dumps({"id": self.n, "method": method, "params": params}))
                while True:
                    msg = json.loads(await asyncio.wait_for(conn.read_message(), 30))
                    if msg.get("id") == self.n:
                        assert "error" not in msg, msg
                        return msg["result"]

            async def js(expr):
                res = await call("Runtime.evaluate", expression=expr, returnByValue=True)
                return res["result"].get("value")

            try:
                return await steps(call, js)
            finally:
                conn.close()

        return asyncio.run(go())

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=30)
