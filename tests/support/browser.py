"""Headless Chromium (Debian's `chromium` and `chromium-driver`), driven through WebDriver over plain HTTP.

The machine's network is closed: the browser starts with every background connection off and a new, empty
profile. Missing packages fail the test under CI=true and skip it elsewhere (see `tests.services.unavailable`).
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import free_port
from tests.support.receivers import wait_until
from tests.support.services import unavailable

INSTALL = (
    "apt-get install chromium chromium-driver (ou sudo ./scripts/test, que instala a lista de scripts/test-packages)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1700",
]
ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"  # screenshots and pages the browser tests leave for a person to look at


def require_chromium() -> tuple[str, str]:
    """The paths of chromium and chromedriver, or the test fails (CI) or skips naming the install command."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver is None:
        unavailable(f"Chromium ausente ({'chromium' if browser is None else 'chromedriver'}): {INSTALL}")
    assert browser is not None and driver is not None
    return browser, driver


class Browser:
    """One Chromium session: open a URL, read its text and DOM, take a screenshot."""

    def __init__(self) -> None:
        binary, driver = require_chromium()
        self.profile = tempfile.mkdtemp(prefix="hoteleitos-chromium-")
        self.port = free_port()
        self.driver = subprocess.Popen(
            [driver, f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)
        if not wait_until(self._driver_ready, timeout=20):
            self.close()
            raise RuntimeError("chromedriver não respondeu")
        options = {"binary": binary, "args": [*FLAGS, f"--user-data-dir={self.profile}"]}
        answer = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}})
        self.session = f"/session/{answer['sessionId']}"

    def _driver_ready(self) -> bool:
        try:
            return bool(self.http.get("/status").json()["value"]["ready"])
        except (httpx.TransportError, ValueError, KeyError):
            return False

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, path, json=body)
        value = response.json()["value"]
        if response.status_code != 200:
            raise RuntimeError(f"WebDriver {path}: {value}")
        return value

    def open(self, url: str) -> None:
        self._call("POST", f"{self.session}/url", {"url": url})

    def run(self, script: str) -> Any:
        """Run JavaScript in the page (WebDriver's own channel, outside the page's policy) and return its value."""
        return self._call("POST", f"{self.session}/execute/sync", {"script": script, "args": []})

    def text(self) -> str:
        """The page's text as the browser lays it out (what a person reads)."""
        return str(self.run("return document.body.innerText"))

    def html(self) -> str:
        return str(self.run("return document.documentElement.outerHTML"))

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._call("GET", f"{self.session}/screenshot")))
        return path

    def close(self) -> None:
        if hasattr(self, "session"):
            with contextlib.suppress(httpx.TransportError, RuntimeError):
                self._call("DELETE", self.session)
        self.http.close()
        self.driver.terminate()
        try:
            self.driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
            self.driver.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
