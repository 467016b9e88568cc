"""Join links and QR codes phones can reach, and that no request can point elsewhere."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from app import access_log, network
from app.main import create_app
from app.settings import Settings
from tests.factories import bearer, login, make_workshop, staff_token

LAN = "192.168.10.5"


def _client(settings: Settings, base_url: str, **overrides: str) -> TestClient:
    app = create_app(settings.model_copy(update=overrides))
    return TestClient(app, base_url=base_url, headers={"Accept-Language": "en"})


@pytest.fixture
def laptop(settings: Settings) -> Iterator[TestClient]:
    """The facilitator's laptop: the board opened at http://127.0.0.1:8765, on Wi-Fi at LAN."""
    with _client(settings, "http://127.0.0.1:8765", lan_address=LAN) as client:
        yield client


class _Marked(HTMLParser):
    """The text inside each element carrying ``data-testid``, by that id."""

    VOID = frozenset({"img", "input", "br", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.found: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        marker = dict(attrs).get("data-testid")
        if marker:
            self.found.setdefault(marker, []).append("")
        self.open.append((tag, marker))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _tag, marker in self.open:
            if marker:
                self.found[marker][-1] += data


def marked(html: str) -> dict[str, list[str]]:
    parser = _Marked()
    parser.feed(html)
    return parser.found


def _decode_png(content: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(content)))
    assert len(found) == 1
    return found[0].text


def test_a_board_opened_on_loopback_sends_phones_to_the_lan_address(laptop: TestClient):
    created = make_workshop(laptop, staff_token(laptop))
    assert created["join_url"] == f"http://{LAN}:8765/j/{created['join_code']}"
    assert created["board_url"].startswith(f"http://{LAN}:8765/w/")
    login(laptop)
    board = marked(laptop.get(f"/w/{created['id']}/board").text)
    assert len(board["phones-join-at"]) == 1
    assert f"http://{LAN}:8765" in board["phones-join-at"][0]
    assert "unreachable" not in board
    png = laptop.get(f"/w/{created['id']}/qr.png")
    assert _decode_png(png.content) == created["join_url"]


def test_a_foreign_host_header_never_reaches_a_link_or_a_qr_code(laptop: TestClient):
    token = staff_token(laptop)
    evil = {"Host": "evil.example:6666"}
    response = laptop.post(
        "/api/v1/workshops",
        json={"title": "t", "format": "kpt", "groups": ["1G"]},
        headers={**bearer(token), **evil},
    )
    assert response.status_code == 201
    created = response.json()
    assert "evil" not in created["join_url"] and "evil" not in created["board_url"]
    assert created["join_url"].startswith(f"http://{LAN}:8765/")
    group = laptop.get(f"/api/v1/workshops/{created['id']}", headers=bearer(token)).json()
    group_id = group["groups"][0]["id"]
    login(laptop)
    for path in (f"/w/{created['id']}/qr", f"/w/{created['id']}/board"):
        assert "evil" not in laptop.get(path, headers=evil).text
    png = laptop.get(f"/w/{created['id']}/qr.png?g={group_id}", headers=evil)
    assert _decode_png(png.content) == f"{created['join_url']}?g={group_id}"


def test_hosts_on_the_allow_list_are_used_as_named(settings: Settings):
    with _client(
        settings,
        "https://fusen.example.org:8443",
        lan_address=LAN,
        allowed_hosts="fusen.example.org, other.example",
    ) as client:
        created = make_workshop(client, staff_token(client))
    assert created["join_url"] == f"https://fusen.example.org:8443/j/{created['join_code']}"


def test_the_public_url_wins_over_everything(settings: Settings):
    with _client(
        settings, "http://127.0.0.1:8765", lan_address=LAN, public_url="https://ws.example.jp/"
    ) as client:
        created = make_workshop(client, staff_token(client))
    assert created["join_url"] == f"https://ws.example.jp/j/{created['join_code']}"


def test_no_known_network_address_is_said_plainly_on_the_board(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(network, "lan_address", lambda: None)
    with _client(settings, "http://localhost:8765") as client:
        created = make_workshop(client, staff_token(client))
        login(client)
        board = marked(client.get(f"/w/{created['id']}/board").text)
        cards = marked(client.get(f"/w/{created['id']}/qr").text)
        settings_page = marked(client.get(f"/admin/workshops/{created['id']}").text)
    assert created["join_url"].startswith("http://localhost:8765/j/")
    for page in (board, cards, settings_page):
        assert len(page["unreachable"]) == 1 and "FUSEN_PUBLIC_URL" in page["unreachable"][0]
        assert "phones-join-at" not in page


def test_qr_images_are_private_and_both_formats_scan(laptop: TestClient):
    created = make_workshop(laptop, staff_token(laptop))
    login(laptop)
    for ext, media in (("svg", "image/svg+xml"), ("png", "image/png")):
        response = laptop.get(f"/w/{created['id']}/qr.{ext}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert "private" in response.headers["cache-control"]
        assert "public" not in response.headers["cache-control"]
    png = laptop.get(f"/w/{created['id']}/qr.png")
    assert png.content.startswith(b"\x89PNG")


def test_tokens_are_redacted_from_access_log_lines():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/api/v1/workshops/1/events?after=3&token=s3cret.value", "1.1", 200),
        None,
    )
    assert access_log.RedactTokens().filter(record)
    line = record.getMessage()
    assert "s3cret" not in line
    assert "/api/v1/workshops/1/events?after=3&token=[redacted]" in line


def test_the_running_server_writes_no_token_into_its_log(live_server):
    secret = "participant-token-that-must-not-be-logged"
    httpx.get(f"{live_server.url}/api/v1/workshops/1/events?token={secret}", timeout=5)
    httpx.get(f"{live_server.url}/healthz?access_token={secret}", timeout=5)
    log = live_server.log.read_text()
    assert "/api/v1/workshops/1/events?token=[redacted]" in log  # the line is still there
    assert secret not in log
