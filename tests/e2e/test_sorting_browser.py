"""The facilitator sorts on the real board in Chromium; a phone follows without reloading."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _api(server, token, method, path, **kwargs):
    response = httpx.request(
        method, f"{server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.mark.browser
def test_facilitator_drags_into_a_new_cluster_titles_it_and_a_phone_follows(live_server, browser):
    staff = live_server.staff_token()
    created = _api(
        live_server,
        staff,
        "POST",
        "/workshops",
        json={"title": "ブラウザ", "format": "open-meeting", "groups": ["1G", "2G"]},
    )
    wid = created["id"]
    _api(
        live_server,
        staff,
        "PUT",
        f"/workshops/{wid}/current-stage",
        json={"stage": "shared_issues"},
    )
    member = _api(
        live_server,
        None,
        "POST",
        "/join",
        json={"code": created["join_code"], "group": "1G", "name": "佐藤"},
    )
    first, second = (
        _api(
            live_server,
            member["token"],
            "POST",
            f"/workshops/{wid}/notes",
            json={"stage": "shared_issues", "text": text},
        )
        for text in ("行政と社協の建物が近いとよい。", "担当者以外の共通理解")
    )

    board_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    board = board_context.new_page()
    board.goto(f"{live_server.url}/login")
    board.fill("input[name=username]", "admin")
    board.fill("input[name=password]", ADMIN_PASSWORD)
    board.press("input[name=password]", "Enter")
    board.wait_for_url(lambda url: "/login" not in url)
    errors: list[str] = []
    board.on("pageerror", lambda error: errors.append(str(error)))
    board.goto(f"{live_server.url}/w/{wid}/board")
    board.wait_for_selector("#conn[data-state=live]")

    phone_context = browser.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}, has_touch=True
    )
    phone_context.add_cookies(
        [{"name": f"fusen_p{wid}", "value": member["token"], "url": live_server.url}]
    )
    phone = phone_context.new_page()
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(f"{live_server.url}/w/{wid}/p")
    phone.wait_for_selector("#conn[data-state=live]")

    # Drag the first note into the new-cluster zone of its column.
    column = board.locator(f"#col-{1}")
    card = board.locator(f"#card-{first['id']}")
    zone = column.locator(".drop-new")
    source, target = card.bounding_box(), zone.bounding_box()
    board.mouse.move(source["x"] + 20, source["y"] + 15)
    board.mouse.down()
    for step in range(1, 16):
        board.mouse.move(
            source["x"] + 20 + (target["x"] + 30 - source["x"] - 20) * step / 15,
            source["y"] + 15 + (target["y"] + target["height"] / 2 - source["y"] - 15) * step / 15,
        )
        board.wait_for_timeout(30)
    board.mouse.up()
    title_input = column.locator(".cluster .title-input")
    title_input.wait_for(timeout=10_000)
    assert column.locator(f".cluster #card-{first['id']}").count() == 1

    title_input.fill("場所と建物")
    title_input.press("Enter")
    # The phone shows the titled cluster from the event stream, without a reload.
    phone.wait_for_selector("#phone-notes .cluster-title:text-is('場所と建物')", timeout=10_000)
    snapshot = _api(live_server, staff, "GET", f"/workshops/{wid}")
    assert [c["title"] for c in snapshot["clusters"]] == ["場所と建物"]

    # Keyboard only: open the second note's sort menu (the page's one dialog, filled when
    # opened), choose the cluster, press Move.
    assert board.locator("#col-1 select").count() == 0, "no per-card menus in the page"
    menu = board.locator(f"#card-{second['id']} a.card-menu")
    menu.focus()
    board.keyboard.press("Enter")
    board.wait_for_selector("#note-dialog[open] select[name=cluster]")
    focused = board.evaluate("document.activeElement.name")  # the "Move to" select
    assert focused == "cluster"
    board.keyboard.press("ArrowDown")  # "No cluster" → the cluster
    board.keyboard.press("Tab")
    board.keyboard.press("Enter")
    board.wait_for_selector(f"#col-1 .cluster #card-{second['id']}", timeout=10_000)
    assert board.evaluate("document.getElementById('note-dialog').open") is False
    phone.wait_for_selector(f"#phone-notes .cluster #note-{second['id']}", timeout=10_000)
    assert phone.locator("#phone-notes .cluster .card-text").all_text_contents() == [
        "行政と社協の建物が近いとよい。",
        "担当者以外の共通理解",
    ]
    assert errors == []
    board_context.close()
    phone_context.close()
