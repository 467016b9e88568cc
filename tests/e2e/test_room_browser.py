"""In the room, in Chromium: QR codes that show and scan, links phones reach, a usable board.

The server runs on loopback like a facilitator's laptop, with its LAN address fixed by
``FUSEN_LAN_ADDRESS`` so the expected links are known exactly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.conftest import Api

pytestmark = pytest.mark.browser

LAN = "192.0.2.77"
LONG = "定期的に情報を共有していること"


@pytest.fixture
def live_server(server_factory: Callable[..., LiveServer]) -> LiveServer:
    return server_factory(env={"FUSEN_LAN_ADDRESS": LAN})


def _decode(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, f"{len(found)} codes found in the screenshot"
    return found[0].text


def _shown_and_scanned(image: Any) -> str:
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    image.page.wait_for_function("img => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") > 0, "the QR image did not render"
    return _decode(image.screenshot())


def test_every_qr_code_on_the_cards_and_the_board_scans_to_its_join_link(
    live_server: LiveServer, api: Api, facilitator: Any
):
    created = api.create_workshop(groups=["1G", "2G", "3G"])
    wid, code = created["id"], created["join_code"]
    groups = api.snapshot(wid)["groups"]
    base = f"http://{LAN}:{urlsplit(live_server.url).port}"
    room = f"{base}/j/{code}"
    expected = [room] + [f"{room}?g={group['id']}" for group in groups]

    page = facilitator.new_page()
    page.goto(f"{live_server.url}/w/{wid}/qr")
    images = page.locator("img.qr-image")
    expect(images).to_have_count(len(expected))
    assert [_shown_and_scanned(images.nth(i)) for i in range(len(expected))] == expected
    expect(page.get_by_test_id("phones-join-at")).to_contain_text(base)

    page.goto(f"{live_server.url}/w/{wid}/board")
    expect(page.locator("#conn[data-state=live]")).to_have_count(1)
    # The board opened at 127.0.0.1 says where phones join, without opening anything.
    expect(page.get_by_test_id("phones-join-at")).to_contain_text(base)
    page.locator(".join-card summary").click()
    assert _shown_and_scanned(page.locator("img.join-qr")) == room
    expect(page.locator(".join-url")).to_have_text(room)


def test_the_board_menu_opens_on_screen_and_the_paper_form_is_one_click_away(
    live_server: LiveServer, api: Api, facilitator: Any
):
    # The sample's room: five tables on a 1920×1080 projector, long notes.
    workshop = api.create_workshop(groups=["1G", "2G", "3G", "4G", "5G"])
    wid = workshop["id"]
    api.open_stage(wid, "strengths")
    member = api.join(workshop["join_code"], "1G")
    for n in range(30):
        response = httpx.post(
            f"{live_server.url}/api/v1/workshops/{wid}/notes",
            json={
                "stage": "strengths",
                "text": f"{n}: 地域の見守り活動で民生委員と社協の担当者が{LONG}",
            },
            headers={"Authorization": f"Bearer {member['token']}"},
        )
        assert response.status_code == 201, response.text
    page = facilitator.new_page()
    page.set_viewport_size({"width": 1920, "height": 1080})
    # A note's sort menu is the page's one dialog, opened from the card: it opens inside the
    # screen in the all-groups view and in one group's view, whatever the column width.
    group = api.snapshot(wid)["groups"][0]["id"]
    for view in (f"/w/{wid}/board?group={group}", f"/w/{wid}/board"):
        page.goto(live_server.url + view)
        expect(page.locator("#conn[data-state=live]")).to_have_count(1)
        page.locator(".column .cards.loose .card a.card-menu").first.click()
        page.wait_for_selector("#note-dialog[open] select[name=cluster]")
        box = page.locator("#note-dialog").bounding_box()
        assert box is not None
        assert 0 <= box["x"] and box["x"] + box["width"] <= 1920, f"the menu leaves {view}"
        assert 0 <= box["y"] and box["y"] + box["height"] <= 1080, f"the menu leaves {view}"
        page.keyboard.press("Escape")

    # The drop zone that stacks a note onto another is as tall as a finger.
    onto = page.locator(".onto").first.bounding_box()
    assert onto["height"] >= 44

    # With many notes the paper-notes form is one click from the top, not screens below.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("a.paper-link").click()
    note_field = page.locator("#paper-form textarea[name=text]")
    expect(note_field).to_be_visible()
    expect(page.locator("#paper-form select[name=group]")).to_be_focused()
    box = note_field.bounding_box()
    assert 0 <= box["y"] < 1080
