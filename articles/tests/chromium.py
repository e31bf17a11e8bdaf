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


# Added to every page and frame of a watched context before the page's own scripts run.
# An init script is the browser's, not the page's: the page's policy does not apply to it.
_CSP_LISTENER = r"""
document.addEventListener("securitypolicyviolation", (event) => {
  const where = event.target instanceof Element
    ? event.target.outerHTML.replace(/\s+/g, " ").slice(0, 160)
    : "";
  window.__newsroomCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "?"} ` +
    `on ${event.documentURI} (${event.sourceFile || "the page"}:${event.lineNumber}) ${where}`
  );
}, true);
"""


class CspWatchedBrowser:
    """A Chromium whose every context records what the Content-Security-Policy blocked.

    Each violation is recorded twice over: by a ``securitypolicyviolation`` listener
    (which names the directive, the page, the script and the element) and by Chromium's
    console message. ``violations`` lists them all; a test reads it when it is done.
    """

    def __init__(self, browser):
        self._browser = browser
        self._contexts = []
        self.violations: list[str] = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.expose_binding(
            "__newsroomCspViolation", lambda source, text: self.violations.append(text)
        )
        context.add_init_script(_CSP_LISTENER)
        context.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and self.violations.append(f"console: {message.text}")
            ),
        )
        self._contexts.append(context)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def close(self) -> list[str]:
        """Close every context this test opened and return the violations recorded."""
        for context in self._contexts:
            context.close()
        self._contexts.clear()
        return self.violations

    def __getattr__(self, name):
        return getattr(self._browser, name)
