"""One harness for the tests that drive Debian's Chromium through Playwright.

Never a downloaded browser: the `chromium` binary on PATH, or the tests skip saying why.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
NEEDS_CHROMIUM = [pytest.mark.browser,
                  pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` binary on PATH: "
                                     "browser tests need Debian's chromium package "
                                     "(`apt-get install chromium`)")]


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """``app`` served by werkzeug in a thread; yields its base URL."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join(5)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(base: str, *, permissions: tuple[str, ...] = ()) -> Iterator[Any]:
    """A page at ``base`` that records what a test must see stay empty: dialogs (an injected
    ``alert``) in ``page.dialogs``, script errors and console errors or warnings in
    ``page.problems``."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        if permissions:
            context.grant_permissions(list(permissions), origin=base)
        page = context.new_page()
        page.dialogs, page.problems = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
        page.on("console", lambda m: page.problems.append(m.text)
                if m.type in ("error", "warning") else None)
        page.base = base
        yield page
