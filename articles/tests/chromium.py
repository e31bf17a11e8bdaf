"""Debian's Chromium under Playwright, for the browser tests; no browser is downloaded."""

import contextlib
import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def launched(*extra_args: str):
    """Yield a Chromium browser, or skip the test where there is none to launch."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's Chromium is not installed (make test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # The live server runs in a thread of this process; Playwright's sync API keeps an
    # event loop running, which Django would otherwise mistake for async code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
