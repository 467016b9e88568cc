"""Real-browser fixtures: Debian's Chromium driven by Playwright against the live server.

Every page opened in a context made here is watched: an uncaught JavaScript error or a
Content-Security-Policy violation fails the test, because either means a phone in the venue
would silently stop updating.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, IN_CI, LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "ja-JP",
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "ja-JP"}
CSP_MARKER = re.compile(r"content[- ]security[- ]policy", re.IGNORECASE)

# Chromium reports CSP violations on the console, but only as text; this listener makes
# every violation explicit, whichever directive it broke.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content-Security-Policy violation: " + e.violatedDirective + " blocked " +
    (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@dataclass
class PageProblems:
    """What the browser complained about, kept per test so the test can fail on it."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    @property
    def csp_violations(self) -> list[str]:
        return [line for line in self.console if CSP_MARKER.search(line)]

    def failures(self) -> list[str]:
        return [f"uncaught JS error: {e}" for e in self.errors] + [
            f"CSP violation: {line}" for line in self.csp_violations
        ]


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    # Package scope: Playwright's sync API keeps an event loop running in the main thread
    # while it is open, and later tests that start their own loop (asyncio.run) must not see it.
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page_problems() -> Iterator[PageProblems]:
    problems = PageProblems()
    yield problems
    failures = problems.failures()
    if failures:
        pytest.fail("the browser reported problems:\n" + "\n".join(failures))


@pytest.fixture
def new_context(browser: Any, page_problems: PageProblems) -> Iterator[Callable[..., Any]]:
    """Open browser contexts whose every page is watched; all are closed after the test."""
    opened: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(5000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("page", page_problems.watch)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def phone(new_context: Callable[..., Any]) -> Any:
    """A Japanese phone: small screen, touch, ja-JP."""
    return new_context(**PHONE)


@pytest.fixture
def facilitator(new_context: Callable[..., Any], live_server: LiveServer) -> Any:
    """A desktop browser signed in as staff through the sign-in page, CSRF token and all."""
    context = new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("form.stack button.primary")
    page.wait_for_url(f"{live_server.url}/admin")
    page.close()
    return context


@dataclass
class Api:
    """The JSON API as a staff member sees it, to set up a workshop and check what was stored."""

    url: str
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def create_workshop(self, **overrides: Any) -> dict[str, Any]:
        body = {"title": "地域福祉ワークショップ", "format": "open-meeting", "groups": ["1G", "2G"]}
        body.update(overrides)
        response = httpx.post(f"{self.url}/api/v1/workshops", json=body, headers=self._headers())
        assert response.status_code == 201, response.text
        return response.json()

    def open_stage(self, workshop_id: int, stage: str) -> None:
        response = httpx.put(
            f"{self.url}/api/v1/workshops/{workshop_id}/current-stage",
            json={"stage": stage},
            headers=self._headers(),
        )
        assert response.status_code == 200, response.text

    def snapshot(self, workshop_id: int) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/api/v1/workshops/{workshop_id}", headers=self._headers())
        assert response.status_code == 200, response.text
        return response.json()

    def join(self, code: str, group: str = "1G") -> dict[str, Any]:
        response = httpx.post(f"{self.url}/api/v1/join", json={"code": code, "group": group})
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(live_server: LiveServer) -> Api:
    return Api(url=live_server.url, token=live_server.staff_token())


@pytest.fixture
def workshop(api: Api) -> dict[str, Any]:
    """A live workshop with groups 1G and 2G and its first stage open for posting."""
    created = api.create_workshop()
    api.open_stage(created["id"], "strengths")
    return created
