"""Stages behave as a facilitator expects, in Chromium: sorting goes on after posting is locked,
a countdown's zero flips every screen, and a question from a phone reaches the projector."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

LIVE = "#conn[data-state=live]"


@pytest.fixture(scope="module")
def live_server(module_live_server: LiveServer) -> LiveServer:
    """One server for the module: each test makes its own workshop and none stops it."""
    return module_live_server


def _join(live_server: Any, code: str, **extra: Any) -> dict[str, Any]:
    body = {"code": code, "group": "1G", **extra}
    response = httpx.post(f"{live_server.url}/api/v1/join", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _post(live_server: Any, token: str, workshop_id: int, stage: str, text: str) -> dict:
    response = httpx.post(
        f"{live_server.url}/api/v1/workshops/{workshop_id}/notes",
        json={"stage": stage, "text": text},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _phone_page(phone: Any, live_server: Any, workshop_id: int, token: str) -> Any:
    phone.add_cookies([{"name": f"fusen_p{workshop_id}", "value": token, "url": live_server.url}])
    page = phone.new_page()
    page.goto(f"{live_server.url}/w/{workshop_id}/p")
    page.wait_for_selector(LIVE)
    return page


def _board(facilitator: Any, live_server: Any, workshop_id: int) -> Any:
    page = facilitator.new_page()
    page.goto(f"{live_server.url}/w/{workshop_id}/board")
    page.wait_for_selector(LIVE)
    return page


def test_facilitator_clusters_a_note_after_posting_is_locked(live_server, api, facilitator, phone):
    created = api.create_workshop()
    wid = created["id"]
    api.open_stage(wid, "shared_issues")
    member = _join(live_server, created["join_code"], name="佐藤")
    note = _post(live_server, member["token"], wid, "shared_issues", "担当者以外の共通理解")
    board = _board(facilitator, live_server, wid)
    phone_page = _phone_page(phone, live_server, wid, member["token"])

    board.click(".lock-form button.lock")
    board.wait_for_selector(".stage-heading .stage-status.status-locked")
    phone_page.wait_for_selector("#phone-stage .stage-status.status-locked")
    assert board.locator("[data-testid=sorting-status]").text_content() == "整理できます"

    # The keyboard path of sorting: the note's menu (the page's one dialog), "New cluster", Move.
    board.click(f"#card-{note['id']} a.card-menu")
    board.wait_for_selector("#note-dialog[open] select[name=cluster]")
    board.select_option("#note-dialog select[name=cluster]", "new")
    board.click("#note-dialog .move-form button")
    board.wait_for_selector(f"#col-1 .cluster #card-{note['id']}", timeout=10_000)
    phone_page.wait_for_selector(f"#phone-notes .cluster #note-{note['id']}", timeout=10_000)
    assert board.locator(".flash.error, .toast.error").count() == 0

    # "Sorting done" freezes it: the sorting controls disappear from the board.
    board.click("[data-testid=sorting-toggle]")
    board.wait_for_selector("[data-testid=sorting-status].sorting-done")
    # The facilitator's menu still offers hiding a note, but no longer moving it.
    board.click(f"#card-{note['id']} a.card-menu")
    board.wait_for_selector("#note-dialog[open] .moderate")
    assert board.locator("#note-dialog .move-form").count() == 0
    board.keyboard.press("Escape")
    assert board.locator("[data-testid=sorting-toggle]").text_content() == "整理を再開する"

    # In ③ the board offers picks; a member's phone shows none (only organisers pick).
    api.open_stage(wid, "hard_problems")
    board.wait_for_selector(".pick-button", timeout=10_000)
    assert board.locator(".pick-button").first.is_visible()
    phone_page.wait_for_selector("#phone-notes .cluster", timeout=10_000)
    assert phone_page.locator(".pick-button").count() >= 1  # shared group patch…
    assert not phone_page.locator(".pick-button").first.is_visible()  # …but not for members


def test_timer_zero_closes_posting_on_the_board_and_the_phone(live_server, api, facilitator, phone):
    created = api.create_workshop()
    wid = created["id"]
    api.open_stage(wid, "strengths")
    member = _join(live_server, created["join_code"])
    board = _board(facilitator, live_server, wid)
    phone_page = _phone_page(phone, live_server, wid, member["token"])
    assert phone_page.locator("#phone-stage .stage-status").get_attribute("class") == (
        "stage-status status-open"
    )

    board.fill(".timer-form input[name=minutes]", "0.05")  # three seconds
    board.check(".timer-form input[name=lock]")
    board.click(".timer-form button[type=submit]")

    # Nobody clicks or reloads: the server closes posting at zero and every screen follows.
    board.wait_for_selector(".stage-heading .stage-status.status-locked", timeout=15_000)
    phone_page.wait_for_selector("#phone-stage .stage-status.status-locked", timeout=15_000)
    assert board.locator(".lock-form button").text_content() == "投稿を再開する"
    assert phone_page.locator("#phone-stage .stage-status").text_content() == (
        board.locator(".stage-heading .stage-status").text_content()
    )
    assert phone_page.locator(".status-open").count() == 0
    assert phone_page.locator("#post-submit").is_disabled()
    snapshot = api.snapshot(wid)
    assert {s["key"]: s["status"] for s in snapshot["stages"]}["strengths"] == "locked"

    # Reopening is the facilitator's call, and it stays open.
    board.click(".lock-form button.unlock")
    phone_page.wait_for_selector("#phone-stage .stage-status.status-open")
    board.wait_for_timeout(1500)
    assert board.locator(".stage-heading .stage-status.status-open").count() == 1
    assert not phone_page.locator("#post-submit").is_disabled()


def test_question_from_a_phone_appears_on_the_board_and_the_phone_confirms(
    live_server, api, facilitator, phone
):
    created = api.create_workshop(format="open-meeting-full")
    wid = created["id"]
    api.open_stage(wid, "qa")
    member = _join(live_server, created["join_code"], name="中村", organization="牛久市社協")
    board = _board(facilitator, live_server, wid)
    assert board.locator("#board-questions").is_visible()
    assert board.locator(".drop-new").count() == 0
    phone_page = _phone_page(phone, live_server, wid, member["token"])
    assert phone_page.locator("#post-form").is_hidden()
    assert phone_page.locator("#phone-notes .empty").count() == 0
    assert phone_page.input_value("#question-org") == "牛久市社協"

    phone_page.fill("#question-text", "行政との連携のコツは？")
    phone_page.click("#phone-records button[type=submit]")
    confirmation = phone_page.locator("[data-testid=sent-confirmation]")
    confirmation.wait_for(timeout=10_000)
    assert "送信しました" in confirmation.text_content()
    assert confirmation.locator("blockquote").text_content() == "行政との連携のコツは？"
    assert phone_page.input_value("#question-text") == ""

    board.wait_for_selector(
        "#board-questions .question-text:text-is('行政との連携のコツは？')", timeout=10_000
    )
    assert board.locator("#board-questions .card-meta").text_content() == "牛久市社協"


def test_format_editor_adds_and_removes_stage_rows_in_place(live_server, facilitator):
    page = facilitator.new_page()
    page.goto(f"{live_server.url}/admin/formats/new")
    page.evaluate("window.fusenSamePage = true")
    rows = page.locator("tbody tr[data-row]")
    assert rows.count() == 3
    page.fill("#key", "in-place")
    page.fill("#name", "その場で編集")
    for index, key in enumerate(("a", "b", "c")):
        rows.nth(index).locator("input[name=stage_key]").fill(key)
        rows.nth(index).locator("input[name=stage_label]").fill(f"段階{key}")
    page.click("[data-add-row]")
    assert rows.count() == 4
    assert page.evaluate("document.activeElement.name") == "stage_key"  # the new row's key
    page.keyboard.type("qa")
    rows.nth(3).locator("input[name=stage_label]").fill("質疑応答")
    rows.nth(3).locator("select[name=stage_kind]").select_option("qa")
    rows.nth(1).locator("[data-remove-row]").click()
    assert rows.count() == 3
    assert page.evaluate("window.fusenSamePage") is True  # no reload: done in place
    page.click("button.primary[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/formats")
    formats = httpx.get(f"{live_server.url}/api/v1/formats").json()
    saved = next(f for f in formats if f["key"] == "in-place")
    assert [(s["key"], s["kind"]) for s in saved["stages"]] == [
        ("a", "post"),
        ("c", "post"),
        ("qa", "qa"),
    ]
