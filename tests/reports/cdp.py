"""A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe`.

No websocket and no browser download: Debian's `chromium` reads commands on
fd 3 and writes replies and events on fd 4, each a JSON object ending in NUL.
`Browser.open_page(path)` loads a file, records every request, failed load,
console message and exception, and can measure the page and take screenshots.
All network resolution is mapped to nowhere, so a reference to any address
would show up as a failed request instead of reaching the network.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class CDPError(RuntimeError):
    pass


class Browser:
    def __init__(self, executable: str, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="rnd-ledger-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # fds >= 10 so bash's 3<& and 4>& cannot overwrite one another (dash knows only 0-9)
        child_in, child_out = high(to_chrome_r), high(from_chrome_w)
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)
        script = f'exec "$0" "$@" 3<&{child_in} 4>&{child_out} {child_in}<&- {child_out}>&-'
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", script, executable, *FLAGS, f"--user-data-dir={self.profile}"],
            pass_fds=(child_in, child_out),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(child_in)
        os.close(child_out)
        self.writer = os.fdopen(to_chrome_w, "wb", buffering=0)
        self.reader = os.fdopen(from_chrome_r, "rb", buffering=0)
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self.reader.read(65536)
            if not chunk:
                self.messages.put(None)
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                self.messages.put(json.loads(raw))

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read().decode("utf-8", "replace")

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and wait for its reply; events seen meanwhile are kept."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.writer.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._next(deadline, method)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, deadline_seconds: float | None = None) -> dict:
        deadline = time.monotonic() + (deadline_seconds or self.timeout)
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        while True:
            message = self._next(deadline, event)
            self.events.append(message)
            if message.get("method") == event:
                return message

    def _next(self, deadline: float, waiting_for: str) -> dict:
        try:
            message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise CDPError(f"timed out waiting for {waiting_for}") from None
        if message is None:
            raise CDPError(f"chromium closed the pipe while waiting for {waiting_for}")
        return message

    def open_page(self, path: Path, width: int = 1280, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        for domain in ("Page", "Network", "Runtime", "Log", "DOM", "CSS"):
            page.send(f"{domain}.enable")
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.events.clear()
        page.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (CDPError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def events(self, method: str) -> list[dict]:
        return [
            e["params"]
            for e in self.browser.events
            if e.get("method") == method and e.get("sessionId") == self.session
        ]

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise CDPError(f"evaluate failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def requested_urls(self) -> list[str]:
        return [e["request"]["url"] for e in self.events("Network.requestWillBeSent")]

    def problems(self) -> list[str]:
        """Failed loads, console messages, uncaught exceptions and error log entries."""
        found = [f"failed load: {e.get('errorText')}" for e in self.events("Network.loadingFailed")]
        found += [
            f"console.{e['type']}: {e.get('args')}" for e in self.events("Runtime.consoleAPICalled")
        ]
        found += [
            f"exception: {e['exceptionDetails']}" for e in self.events("Runtime.exceptionThrown")
        ]
        found += [
            f"log {e['entry']['level']}: {e['entry'].get('text')}"
            for e in self.events("Log.entryAdded")
            if e["entry"]["level"] in ("error", "warning")
        ]
        return found

    def fonts_of(self, selector: str) -> list[str]:
        """The platform fonts Chromium actually used to draw the first node matching selector."""
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = self.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        return [f["familyName"] for f in fonts]

    def screenshot(
        self, path: Path, *, top: float = 0, height: float | None = None, scale: float = 1.0
    ) -> Path:
        """A PNG of the whole page (or `height` CSS pixels from `top`), scaled by `scale`."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {
            "x": 0,
            "y": top,
            "width": size["width"],
            "height": min(size["height"] - top, height or size["height"]),
            "scale": scale,
        }
        data = self.send(
            "Page.captureScreenshot",
            {"format": "png", "clip": clip, "captureBeyondViewport": True},
        )["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


def high(fd: int) -> int:
    """A duplicate of fd numbered 10 or more, inheritable by a child."""
    duplicate = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.set_inheritable(duplicate, True)
    return duplicate
