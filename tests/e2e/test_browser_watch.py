"""The browser watch itself: a test passes only if it would catch what it promises to catch."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ORIGIN = "http://fusen.test"
PAGE = """<!doctype html><html><head>
<script>window.inlineRan = true;</script>
<script src="/boom.js"></script>
</head><body><p>watched</p></body></html>"""


def test_watch_reports_csp_violations_and_uncaught_errors(new_context, page_problems):
    def serve(route):
        if route.request.url.endswith("/boom.js"):
            route.fulfill(
                body="throw new Error('boom from a script');",
                content_type="text/javascript",
            )
        else:
            route.fulfill(
                body=PAGE,
                content_type="text/html",
                headers={"Content-Security-Policy": "script-src 'self'"},
            )

    page = new_context().new_page()
    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("document.readyState === 'complete'")

    assert page.evaluate("window.inlineRan === undefined")
    failures = page_problems.failures()
    assert any("boom from a script" in f for f in failures), failures
    assert any(f.startswith("CSP violation") and "script-src" in f for f in failures), failures
    # The problems were provoked on purpose; the watch must not fail this test for them.
    page_problems.console.clear()
    page_problems.errors.clear()
