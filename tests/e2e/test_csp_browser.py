"""The pages work in a real browser under the Content-Security-Policy, with CSRF on.

Staff sign in, create a workshop and open a stage from the board (an htmx post carrying the
token header); a phone joins and posts a note with Enter; the board shows it live. Any CSP
violation or console error on the way fails the test.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ADMIN_PASSWORD

WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def _watch(page, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.add_init_script(WATCH_CSP)
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("window.__csp || []")


@pytest.mark.browser
def test_staff_and_phone_pages_work_under_csp_with_csrf(live_server, browser):
    problems: list[str] = []
    staff = browser.new_context(locale="en-US")
    page = staff.new_page()
    _watch(page, problems)
    page.goto(f"{live_server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/admin$"))
    assert _violations(page) == []

    page.goto(f"{live_server.url}/admin/workshops/new")
    page.fill("#title", "CSP check")
    page.fill("#groups", "2")
    page.click("form.stack button.primary")
    page.wait_for_url(re.compile(r".*/admin/workshops/\d+$"))
    workshop_id = page.url.rsplit("/", 1)[1]
    assert _violations(page) == []

    page.goto(f"{live_server.url}/w/{workshop_id}/board")
    page.wait_for_selector("#conn[data-state='live']")
    page.click(".stage-pill button >> nth=0")
    page.wait_for_selector(".stage-pill.current.status-open")
    join_link = (page.locator(".join-url").text_content() or "").strip()

    phone_context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 800})
    phone = phone_context.new_page()
    _watch(phone, problems)
    phone.goto(join_link)
    phone.click("label.chip >> nth=0")
    phone.click("form.stack button.primary")
    phone.wait_for_selector("#conn[data-state='live']")
    phone.fill("#note-text", "<b>bold?</b> 見守り")
    phone.press("#note-text", "Enter")
    phone.wait_for_selector("#phone-notes .note-text:has-text('見守り')")
    page.wait_for_selector(".card-text:has-text('見守り')")
    assert page.locator(".card-text b").count() == 0

    page.goto(f"{live_server.url}/admin/users")
    page.fill("#username", "browser-user")
    page.click("form.stack button.primary")
    page.wait_for_selector(".notice")
    assert _violations(page) == [] and _violations(phone) == []
    staff.close()
    phone_context.close()
    assert problems == []
