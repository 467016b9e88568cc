"""The live path in a real browser: a phone posts, the projected board and the phone follow."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.conftest import Api

pytestmark = pytest.mark.browser

LIVE = 5000  # ms: what "appears live" means on a projector


def join_from_phone(context: Any, live_server: LiveServer, code: str, group: str = "1G") -> Any:
    """Join through the join page as a participant would after scanning the room QR."""
    page = context.new_page()
    page.goto(f"{live_server.url}/j/{code}")
    page.locator("label.chip", has_text=group).click()
    with page.expect_navigation():
        page.locator("form.stack button[type=submit]").click()
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=LIVE)
    return page


def group_id(api: Api, workshop_id: int, name: str) -> int:
    groups = api.snapshot(workshop_id)["groups"]
    return next(g["id"] for g in groups if g["name"] == name)


def stored_texts(api: Api, workshop_id: int) -> list[str]:
    return [note["text"] for note in api.snapshot(workshop_id)["notes"]]


def test_note_typed_on_a_phone_appears_on_the_board_without_reload(
    live_server, api, workshop, phone, facilitator
):
    board = facilitator.new_page()
    board.goto(f"{live_server.url}/w/{workshop['id']}/board")
    expect(board.locator("#conn")).to_have_attribute("data-state", "live", timeout=LIVE)
    board.evaluate("window.__sameDocument = true")
    one_g = board.locator(f"#col-{group_id(api, workshop['id'], '1G')}")
    expect(one_g.locator(".card")).to_have_count(0)

    page = phone.new_page()
    page.goto(live_server.url + "/")
    code = workshop["join_code"]
    page.fill("#code", f"{code[:4].lower()}-{code[4:].lower()}")
    with page.expect_navigation():
        page.locator("form.stack button[type=submit]").click()
    assert page.url.endswith(f"/j/{code}")
    page.locator("label.chip", has_text="1G").click()
    with page.expect_navigation():
        page.locator("form.stack button[type=submit]").click()
    expect(page.locator(".group-badge")).to_have_text("1G")

    text = "子ども食堂の運営ノウハウ <b>共有</b>"
    page.fill("#note-text", text)
    page.click("#post-submit")
    expect(page.locator("#phone-notes .note-text")).to_have_text([text], timeout=LIVE)
    expect(page.locator("#note-text")).to_have_value("")

    expect(one_g.locator(".card-text")).to_have_text([text], timeout=LIVE)
    expect(board.locator(".card-text")).to_have_count(1)
    assert board.evaluate("window.__sameDocument") is True, "the board reloaded"

    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, f"the phone page scrolls sideways: {width}px wide at 360px"
