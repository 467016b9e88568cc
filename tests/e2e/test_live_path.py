"""The live path in a real browser: a phone posts, the projected board and the phone follow.

Data is set up and checked through the JSON API; everything a person does happens in Chromium.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from app.web.deps import participant_cookie
from tests.conftest import LiveServer
from tests.e2e.conftest import Api

pytestmark = pytest.mark.browser

LIVE_MS = 5000
"""How soon a change must show on another screen to count as live on a projector."""

NOTES_POST = "/p/notes"


@pytest.fixture(scope="module")
def live_server(module_live_server: LiveServer) -> LiveServer:
    """One server for the module: each test makes its own workshop and none stops it."""
    return module_live_server


def open_phone(context: Any, live_server: LiveServer, api: Api, workshop: dict, group: str) -> Any:
    """A phone already joined to ``group``, on its page with the event stream connected.

    Joining goes through the API so that these tests fail only for what they test; the join
    pages themselves are driven by the first test.
    """
    joined = api.join(workshop["join_code"], group)
    context.add_cookies(
        [
            {
                "name": participant_cookie(workshop["id"]),
                "value": joined["token"],
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/w/{workshop['id']}/p")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=LIVE_MS)
    mark_document(page)
    return page


def open_board(context: Any, live_server: LiveServer, workshop: dict) -> Any:
    page = context.new_page()
    page.goto(f"{live_server.url}/w/{workshop['id']}/board")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=LIVE_MS)
    mark_document(page)
    return page


def mark_document(page: Any) -> None:
    """Tag the loaded document; the tag is gone if anything reloads the page."""
    page.evaluate("window.__fusenSameDocument = true")


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("window.__fusenSameDocument === true"), "the page was reloaded"


def count_note_posts(page: Any) -> list[str]:
    """Record the body of every note post the page sends, in order."""
    bodies: list[str] = []
    page.on(
        "request",
        lambda request: (
            bodies.append(request.post_data or "")
            if request.method == "POST" and request.url.endswith(NOTES_POST)
            else None
        ),
    )
    return bodies


def group_id(api: Api, workshop_id: int, name: str) -> int:
    return next(g["id"] for g in api.snapshot(workshop_id)["groups"] if g["name"] == name)


def stored_notes(api: Api, workshop_id: int) -> list[dict[str, Any]]:
    return api.snapshot(workshop_id)["notes"]


def test_note_posted_from_a_phone_appears_in_its_group_column_on_the_board_without_reload(
    live_server, api, workshop, phone, facilitator
):
    board = open_board(facilitator, live_server, workshop)
    column_1g = board.locator(f"#col-{group_id(api, workshop['id'], '1G')}")
    column_2g = board.locator(f"#col-{group_id(api, workshop['id'], '2G')}")
    expect(column_1g.locator(".card")).to_have_count(0)

    page = phone.new_page()
    page.goto(f"{live_server.url}/")
    code = workshop["join_code"]
    page.fill("#code", f"{code[:4].lower()}-{code[4:].lower()}")
    with page.expect_navigation():
        page.locator("form[action$='/join'] button[type=submit]").click()
    assert page.url.endswith(f"/j/{code}"), page.url
    page.locator("label.chip", has_text="1G").click()
    with page.expect_navigation():
        page.locator("form.stack button[type=submit]").click()
    expect(page.locator(".group-badge")).to_have_text("1G")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=LIVE_MS)

    text = "子ども食堂の運営ノウハウ <b>共有</b>"
    page.fill("#note-text", text)
    page.click("#post-submit")
    expect(page.locator("#phone-notes .note-text")).to_have_text([text], timeout=LIVE_MS)
    expect(page.locator("#note-text")).to_have_value("")

    expect(column_1g.locator(".card-text")).to_have_text([text], timeout=LIVE_MS)
    expect(column_1g.locator(".count")).to_have_text("1")
    expect(column_2g.locator(".card")).to_have_count(0)
    assert column_1g.locator(".card-text b").count() == 0, "note text was not escaped"
    assert_not_reloaded(board)

    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, f"the phone page scrolls sideways: {width}px wide on a 360px screen"


def test_enter_while_the_ime_is_composing_does_not_post_and_a_plain_enter_posts_once(
    live_server, api, workshop, phone
):
    page = open_phone(phone, live_server, api, workshop, "1G")
    posts = count_note_posts(page)
    page.evaluate(
        """() => {
          window.__fusenKeys = [];
          document.addEventListener("keydown", (e) => window.__fusenKeys.push(
            {key: e.key, isComposing: e.isComposing, keyCode: e.keyCode}), true);
        }"""
    )
    page.focus("#note-text")
    cdp = phone.new_cdp_session(page)

    # Typing ふくし and pressing Enter to pick 福祉 from the IME's candidates: the Enter is the
    # IME's, not the form's. Chromium marks a keydown during a live composition isComposing.
    cdp.send("Input.imeSetComposition", {"text": "ふくし", "selectionStart": 3, "selectionEnd": 3})
    expect(page.locator("#note-text")).to_have_value("ふくし")
    enter = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
    cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **enter})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **enter})
    cdp.send("Input.insertText", {"text": "福祉"})
    cdp.send("Input.insertText", {"text": "のまちづくり"})

    keys = page.evaluate("window.__fusenKeys")
    assert keys[:1] == [{"key": "Enter", "isComposing": True, "keyCode": 13}], keys
    page.wait_for_timeout(300)  # a post, if wrongly sent, has reached the server by now
    expect(page.locator("#note-text")).to_have_value("福祉のまちづくり")
    assert posts == []
    assert stored_notes(api, workshop["id"]) == []

    page.keyboard.press("Enter")
    expect(page.locator("#phone-notes .note-text")).to_have_text(["福祉のまちづくり"])
    expect(page.locator("#note-text")).to_have_value("")
    page.wait_for_timeout(300)
    assert len(posts) == 1
    assert [n["text"] for n in stored_notes(api, workshop["id"])] == ["福祉のまちづくり"]


def test_note_posted_while_offline_is_kept_retried_and_stored_once_when_back_online(
    live_server, api, workshop, phone
):
    page = open_phone(phone, live_server, api, workshop, "1G")
    posts = count_note_posts(page)
    phone.set_offline(True)

    text = "電波が弱い会場でも消えない付箋"
    page.fill("#note-text", text)
    page.click("#post-submit")
    send_state = page.locator("#send-state")
    expect(send_state).to_have_text(re.compile(r"\d"))  # says when it retries
    expect(send_state).to_be_visible()
    assert not re.search(r"\{s\}|%\(", send_state.inner_text()), send_state.inner_text()
    expect(page.locator("#note-text")).to_have_value(text)
    expect(page.locator("#phone-notes .note")).to_have_count(0)
    assert stored_notes(api, workshop["id"]) == []

    phone.set_offline(False)
    expect(page.locator("#phone-notes .note-text")).to_have_text([text], timeout=LIVE_MS)
    expect(page.locator("#send-state")).to_have_text("")
    expect(page.locator("#note-text")).to_have_value("")
    assert len(posts) >= 2, "the post was never retried"
    assert [n["text"] for n in stored_notes(api, workshop["id"])] == [text]


def test_retry_after_a_lost_answer_reuses_the_note_id_and_stores_the_note_once(
    live_server, api, workshop, phone
):
    page = open_phone(phone, live_server, api, workshop, "1G")
    posts = count_note_posts(page)
    lost = []

    def lose_first_answer(route: Any) -> None:
        if lost:
            route.continue_()
            return
        lost.append(route.fetch().ok)  # the server stores the note...
        route.abort("internetdisconnected")  # ...and the phone never hears back

    page.route(f"**{NOTES_POST}", lose_first_answer)
    text = "返事が届かなくても二重にならない"
    page.fill("#note-text", text)
    page.click("#post-submit")
    expect(page.locator("#send-state")).not_to_have_text("")
    # The list may already show the note from the event stream; the form is only cleared once
    # the retry got its answer.
    expect(page.locator("#note-text")).to_have_value("", timeout=LIVE_MS)
    expect(page.locator("#send-state")).to_have_text("")

    assert lost == [True]
    assert len(posts) == 2
    first_id, retried_id = ([p for p in body.split("&") if p.startswith("id=")] for body in posts)
    assert first_id == retried_id and first_id != ["id="], posts
    assert [n["text"] for n in stored_notes(api, workshop["id"])] == [text]
    expect(page.locator("#phone-notes .note")).to_have_count(1)


def test_stage_opened_on_the_board_changes_the_phone_heading_and_keeps_the_draft(
    live_server, api, workshop, phone, facilitator
):
    stages = {s["key"]: s for s in api.snapshot(workshop["id"])["stages"]}
    page = open_phone(phone, live_server, api, workshop, "1G")
    expect(page.locator("#phone-stage .stage-label")).to_have_text(stages["strengths"]["label"])
    draft = "書きかけの意見（まだ送らない）"
    page.fill("#note-text", draft)

    board = open_board(facilitator, live_server, workshop)
    board.locator(".stage-pill button", has_text=stages["shared_issues"]["label"]).click()
    expect(board.locator(".stage-pill.current button")).to_have_text(
        stages["shared_issues"]["label"], timeout=LIVE_MS
    )

    expect(page.locator("#phone-stage .stage-label")).to_have_text(
        stages["shared_issues"]["label"], timeout=LIVE_MS
    )
    expect(page.locator("#post-stage")).to_have_value("shared_issues")
    expect(page.locator("#note-text")).to_have_value(draft)
    assert_not_reloaded(page)
    assert_not_reloaded(board)

    page.click("#post-submit")
    expect(page.locator("#phone-notes .note-text")).to_have_text([draft], timeout=LIVE_MS)
    assert [(n["stage"], n["text"]) for n in stored_notes(api, workshop["id"])] == [
        ("shared_issues", draft)
    ]
