"""Bytes on the wire: compressed pages and JSON, untouched event streams, cached static files,
and the sorting scripts only on pages that organise notes."""

from __future__ import annotations

import asyncio
import gzip
import threading
from html.parser import HTMLParser

import brotli
import httpx
import pytest

from app.templating import static_url
from app.web.compression import CompressionMiddleware, choose_encoding
from tests.factories import bearer, join, login, post_note, staff_token
from tests.sorting_factories import make_recorder, running_workshop

SORTING_SCRIPTS = ("vendor/sortable-", "js/sorting.js")


def _raw_get(client, url: str, encoding: str | None, **kwargs) -> httpx.Response:
    """GET without decoding, so the test sees the bytes the server sent."""
    headers = {"Accept-Encoding": encoding or "identity", **kwargs.pop("headers", {})}
    with client.stream("GET", url, headers=headers, **kwargs) as response:
        response.raw_body = b"".join(response.iter_raw())
    return response


@pytest.fixture
def workshop(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G", name="山田")
    for n in range(10):
        post_note(client, member["token"], ws["id"], "shared_issues", f"駐車場が足りない {n}")
    ws["member"] = member
    return ws


# ---- Compression ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
        ("*", "br"),
        ("deflate", None),
    ],
)
def test_the_best_accepted_encoding_is_chosen(accept, chosen):
    assert choose_encoding(accept) == chosen


@pytest.mark.parametrize(
    ("encoding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_board_page_is_compressed_when_the_browser_accepts_it(client, workshop, encoding, decode):
    login(client)
    url = f"/w/{workshop['id']}/board"
    plain = _raw_get(client, url, None)
    packed = _raw_get(client, url, encoding)
    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["vary"]
    assert int(packed.headers["content-length"]) == len(packed.raw_body)
    html = decode(packed.raw_body).decode()
    assert "駐車場が足りない 9" in html
    assert len(packed.raw_body) * 4 < len(plain.raw_body)


def test_json_snapshot_is_compressed(client, workshop):
    url = f"/api/v1/workshops/{workshop['id']}"
    headers = bearer(workshop["staff"])
    plain = _raw_get(client, url, None, headers=headers)
    packed = _raw_get(client, url, "gzip", headers=headers)
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["content-type"].startswith("application/json")
    assert gzip.decompress(packed.raw_body) == plain.raw_body


def test_small_answers_and_refusals_stay_plain(client):
    health = _raw_get(client, "/healthz", "gzip")
    assert "content-encoding" not in health.headers
    missing = _raw_get(
        client, "/api/v1/workshops/999999", "gzip", headers=bearer(staff_token(client))
    )
    assert missing.status_code == 404
    assert "content-encoding" not in missing.headers


def test_event_stream_passes_through_message_by_message():
    """The middleware must hand each SSE message on at once, unencoded, with no buffering."""
    chunks = [b"retry: 3000\n\n", b"id: 1\nevent: patch\ndata: " + b"x" * 4000 + b"\n\n"]
    seen: list[dict] = []
    release = asyncio.Event()

    async def app(scope, receive, send):
        start = {"type": "http.response.start", "status": 200}
        start["headers"] = [(b"content-type", b"text/event-stream; charset=utf-8")]
        await send(start)
        await send({"type": "http.response.body", "body": chunks[0], "more_body": True})
        # The first message must be out before the app produces the second.
        assert [m.get("body") for m in seen[1:]] == [chunks[0]]
        await release.wait()
        await send({"type": "http.response.body", "body": chunks[1], "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def send(message):
        seen.append(message)
        if message.get("body") == chunks[0]:
            release.set()

    async def receive():
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/w/1/board/stream",
        "headers": [(b"accept-encoding", b"gzip, br")],
    }
    asyncio.run(CompressionMiddleware(app)(scope, receive, send))
    headers = dict(seen[0]["headers"])
    assert b"content-encoding" not in headers
    assert [m.get("body") for m in seen[1:]] == [*chunks, b""]


def test_a_streamed_page_is_compressed_as_it_streams():
    chunks = [("<p>" + "付箋" * 400 + "</p>").encode()] * 3
    seen: list[dict] = []

    async def app(scope, receive, send):
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def send(message):
        seen.append(message)

    async def receive():
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", b"gzip")],
    }
    asyncio.run(CompressionMiddleware(app)(scope, receive, send))
    assert dict(seen[0]["headers"])[b"content-encoding"] == b"gzip"
    body = b"".join(m.get("body", b"") for m in seen[1:])
    assert gzip.decompress(body) == b"".join(chunks)
    assert seen[-1]["more_body"] is False


def test_live_event_stream_is_not_compressed_and_delivers_each_note(live_server):
    staff = live_server.staff_token()
    auth = bearer(staff)
    with httpx.Client(base_url=live_server.url, timeout=10) as api:
        created = api.post(
            "/api/v1/workshops",
            headers=auth,
            json={"title": "wire", "format": "open-meeting", "groups": ["1G"]},
        ).json()
        api.put(
            f"/api/v1/workshops/{created['id']}/current-stage",
            headers=auth,
            json={"stage": "shared_issues"},
        )
        opened = threading.Event()
        received: list[str] = []

        def watch() -> None:
            with httpx.stream(
                "GET",
                f"{live_server.url}/api/v1/workshops/{created['id']}/events",
                headers={**auth, "Accept-Encoding": "gzip, br"},
                timeout=10,
            ) as response:
                assert "content-encoding" not in response.headers
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if line.startswith("retry:"):
                        opened.set()
                    if line.startswith("data:") and "note" in line:
                        received.append(line)
                        if len(received) == 2:
                            return

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        assert opened.wait(10)
        for text in ("一枚目", "二枚目"):
            api.post(
                f"/api/v1/workshops/{created['id']}/notes",
                headers=auth,
                json={"stage": "shared_issues", "text": text, "group": "1G"},
            )
        thread.join(10)
    assert [("一枚目" in received[0]), ("二枚目" in received[1])] == [True, True]


# ---- Static files --------------------------------------------------------------------------


def test_versioned_static_files_are_cached_for_a_year(client):
    versioned = client.get(static_url("js/app.js"))
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    unversioned = client.get("/static/js/app.js")
    assert unversioned.headers["cache-control"] == "no-cache"
    stale = client.get("/static/js/app.js?v=0123456789")
    assert stale.headers["cache-control"] == "no-cache"


def test_static_files_are_compressed_once_and_served_again_identically(client):
    url = static_url("vendor/htmx-2.0.11.min.js")
    first = _raw_get(client, url, "br")
    second = _raw_get(client, url, "br")
    assert first.headers["content-encoding"] == "br"
    assert first.raw_body == second.raw_body
    assert len(first.raw_body) < 20_000  # 52 KB of minified JavaScript
    original = _raw_get(client, url, None).raw_body
    assert brotli.decompress(first.raw_body) == original
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_images_and_ranges_are_not_recompressed(client):
    ranged = _raw_get(client, static_url("css/app.css"), "gzip", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert "content-encoding" not in ranged.headers
    assert len(ranged.raw_body) == 100


# ---- Sorting scripts only where notes are organised ----------------------------------------


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.on_demand: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.sources.append(values["src"] or "")
            if values.get("data-scripts"):
                self.on_demand.extend((values["data-scripts"] or "").split())


def _scripts(html: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(html)
    return parser


def _has_sorting(sources: list[str]) -> list[bool]:
    return [any(name in src for src in sources) for name in SORTING_SCRIPTS]


def test_member_phone_and_join_page_carry_no_sorting_scripts(client, workshop):
    join_page = client.get(f"/j/{workshop['code']}")
    assert join_page.status_code == 200
    assert _has_sorting(_scripts(join_page.text).sources) == [False, False]

    client.cookies.set(f"fusen_p{workshop['id']}", workshop["member"]["token"])
    phone = client.get(f"/w/{workshop['id']}/p")
    assert phone.status_code == 200
    found = _scripts(phone.text)
    assert _has_sorting(found.sources) == [False, False]
    assert any("js/countdown.js" in src for src in found.sources)
    # Made a recorder later, the phone loads them itself, by their versioned URLs.
    assert _has_sorting(found.on_demand) == [True, True]
    for src in found.on_demand:
        assert client.get(src).status_code == 200


def test_recorder_phone_and_board_carry_the_sorting_scripts(client, workshop):
    recorder = make_recorder(client, workshop, "1G", name="記録係")
    client.cookies.set(f"fusen_p{workshop['id']}", recorder)
    phone = client.get(f"/w/{workshop['id']}/p")
    assert _has_sorting(_scripts(phone.text).sources) == [True, True]

    client.cookies.clear()
    login(client)
    board = client.get(f"/w/{workshop['id']}/board")
    assert _has_sorting(_scripts(board.text).sources) == [True, True]
