"""A page is downloaded once: the stream starts right after the seq the page was drawn at, and
live changes (a note posted, a drag into a cluster) arrive as patches, never as a second download
of the live region. The pages are watched, so a CSP violation during the drag fails the test."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import Api

LIVE_REGIONS = ("/board/live", "/p/live", "/p/mine")


def _requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def _drag(page: Any, source: Any, target: Any) -> None:
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 12)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(
            start["x"] + 20 + (end["x"] + 30 - start["x"] - 20) * step / 15,
            start["y"] + 12 + (end["y"] + end["height"] / 2 - start["y"] - 12) * step / 15,
        )
        page.wait_for_timeout(30)
    page.mouse.up()


def test_board_and_phone_download_their_live_region_once_and_patch_it_after(
    live_server, api: Api, facilitator, phone
):
    created = api.create_workshop()
    wid = created["id"]
    api.open_stage(wid, "strengths")
    member = api.join(created["join_code"], "1G")
    headers = {"Authorization": f"Bearer {member['token']}"}
    first = httpx.post(
        f"{api.url}/api/v1/workshops/{wid}/notes",
        json={"stage": "strengths", "text": "見守りの輪が広い"},
        headers=headers,
    ).json()
    seq = api.snapshot(wid)["last_seq"]

    board = facilitator.new_page()
    board_requests = _requests(board)
    board.goto(f"{live_server.url}/w/{wid}/board")
    board.wait_for_selector("#conn[data-state=live]")

    phone.add_cookies([{"name": f"fusen_p{wid}", "value": member["token"], "url": live_server.url}])
    mobile = phone.new_page()
    phone_requests = _requests(mobile)
    mobile.goto(f"{live_server.url}/w/{wid}/p")
    mobile.wait_for_selector("#conn[data-state=live]")

    # A note posted from the phone reaches the board as one card.
    mobile.fill("#note-text", "若い人が少ない")
    mobile.press("#note-text", "Enter")
    board.wait_for_selector("#col-1 .card-text:text-is('若い人が少ない')", timeout=10_000)
    assert board.locator("#board-count-1").inner_text() == "2"

    # A drag into a new cluster: the board and the phone follow from the stream.
    _drag(board, board.locator(f"#card-{first['id']}"), board.locator("#col-1 .drop-new"))
    board.wait_for_selector(f"#col-1 .cluster #card-{first['id']}", timeout=10_000)
    mobile.wait_for_selector(f"#phone-notes .cluster #note-{first['id']}", timeout=10_000)

    for requests, page_path, stream in (
        (board_requests, f"/w/{wid}/board", f"/w/{wid}/board/stream?after={seq}"),
        (phone_requests, f"/w/{wid}/p", f"/w/{wid}/p/stream?after={seq}"),
    ):
        paths = [url.removeprefix(live_server.url) for url in requests]
        assert paths.count(page_path) == 1, paths
        assert [p for p in paths if "/stream" in p] == [stream], paths
        assert not [p for p in paths if p.split("?")[0].endswith(LIVE_REGIONS)], paths
