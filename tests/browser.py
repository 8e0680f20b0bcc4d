"""Our HTML pages opened in a real browser: Debian's Chromium (`.ci/run` installs it), headless, driven
over the DevTools protocol by Playwright — which never downloads a browser of its own here.

Every request the page makes is recorded (also those its Content-Security-Policy blocks: Chromium
reports them as requests and as console errors) and every request but the page's own is aborted;
every console error and uncaught page error is kept; a screenshot of the whole page goes to
reports/screenshots/, which the pull-request workflow uploads with reports/.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "reports" / "screenshots"
# Debian's and Ubuntu's names, and Google Chrome where a runner has it instead
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
NO_BROWSER = ("no Chromium to open the page in: `apt-get install chromium` (.ci/run installs it), or "
              "PIPELINE_HARNESS_CHROMIUM=/path/to/chrome")
# on one worker: a browser per worker would cost each its launch and its memory
on_one_worker = pytest.mark.xdist_group("chromium")


def executable() -> str | None:
    """The browser to drive: PIPELINE_HARNESS_CHROMIUM, else the first of CANDIDATES on PATH."""
    given = os.environ.get("PIPELINE_HARNESS_CHROMIUM")
    return given or next((found for name in CANDIDATES if (found := shutil.which(name))), None)


@contextmanager
def launched() -> Iterator[Any]:
    """A headless Chromium with a fresh profile, or a skip saying what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the test extra's playwright is not installed")
    path = executable()
    if path is None:
        pytest.skip(NO_BROWSER)
    with sync_api.sync_playwright() as driver, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=path, headless=True, args=list(FLAGS),
            viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@dataclass
class Opened:
    """A page as the browser rendered it, with what it asked for and what it complained of."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def requests_elsewhere(self) -> list[str]:
        return [url for url in self.requests if url != self.url]


def open_page(context: Any, path: Path, screenshot: str | None = None) -> Opened:
    """`path` opened as a teacher opens it (a file:// URL), settled, and photographed."""
    page = context.new_page()
    opened = Opened(page, path.resolve().as_uri())
    page.on("request", lambda request: opened.requests.append(request.url))
    page.on("console", lambda message: opened.console_errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: opened.console_errors.append(f"uncaught: {error}"))
    page.route("**/*", lambda route: route.continue_() if route.request.url == opened.url else route.abort())
    page.goto(opened.url, wait_until="load")
    page.wait_for_load_state("networkidle")
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)
    return opened


def without_csp(path: Path, into: Path) -> Path:
    """A copy of the page without its Content-Security-Policy: what the page itself asks for."""
    text = path.read_text(encoding="utf-8")
    start = text.index('<meta http-equiv="Content-Security-Policy"')
    copy = into / f"no-csp-{path.name}"
    copy.write_text(text[:start] + text[text.index(">", start) + 1:], encoding="utf-8")
    return copy
