"""The SSE stream against a real server: live delivery, exact replay after a reconnect, reset."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import LiveServer

EVENT_TIMEOUT = httpx.Timeout(10.0, read=5.0)


@pytest.fixture(scope="module")
def live_server(module_live_server: LiveServer) -> LiveServer:
    """One server for the module: each test makes its own workshop and none stops it."""
    return module_live_server


@dataclass
class Message:
    id: int | None
    event: str
    data: str


def messages(
    response: httpx.Response, on_open: Callable[[], object] | None = None
) -> Iterator[Message | None]:
    """Parse SSE; a comment line (heartbeat) yields None so tests can tell "nothing more came".

    ``on_open`` runs at the server's first line (its retry hint), sent once the stream is
    subscribed: from then on no event can slip past this viewer.
    """
    fields: dict[str, list[str]] = {}
    for line in response.iter_lines():
        if line.startswith("retry:") and on_open is not None:
            on_open()
            continue
        if line.startswith(":"):
            yield None
            continue
        if line == "":
            if "event" in fields or "data" in fields:
                raw_id = fields.get("id", [None])[0]
                yield Message(
                    id=int(raw_id) if raw_id is not None else None,
                    event=fields.get("event", ["message"])[0],
                    data="\n".join(fields.get("data", [])),
                )
            fields = {}
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)


def read_until_quiet(response: httpx.Response, limit: int = 100) -> list[Message]:
    """Collect events until the first heartbeat after them: the stream has nothing more to say."""
    got: list[Message] = []
    for message in messages(response):
        if message is None:
            return got
        got.append(message)
        if len(got) >= limit:
            return got
    return got


@pytest.fixture
def workshop(live_server):
    staff = live_server.staff_token()
    headers = {"Authorization": f"Bearer {staff}"}
    created = httpx.post(
        f"{live_server.url}/api/v1/workshops",
        json={"title": "SSE", "format": "kpt", "groups": ["1G", "2G"]},
        headers=headers,
    ).json()
    httpx.put(
        f"{live_server.url}/api/v1/workshops/{created['id']}/current-stage",
        json={"stage": "keep"},
        headers=headers,
    ).raise_for_status()
    joined = httpx.post(
        f"{live_server.url}/api/v1/join", json={"code": created["join_code"], "group": "1G"}
    ).json()
    return {"id": created["id"], "staff": staff, "participant": joined["token"]}


def post(live_server, workshop, text: str) -> dict:
    response = httpx.post(
        f"{live_server.url}/api/v1/workshops/{workshop['id']}/notes",
        json={"stage": "keep", "text": text},
        headers={"Authorization": f"Bearer {workshop['participant']}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def stream(live_server, workshop, **kwargs):
    return httpx.stream(
        "GET",
        f"{live_server.url}/api/v1/workshops/{workshop['id']}/events",
        timeout=EVENT_TIMEOUT,
        **kwargs,
    )


def test_reconnect_with_last_event_id_replays_exactly_the_missed_events_in_order(
    live_server, workshop
):
    headers = {"Authorization": f"Bearer {workshop['participant']}"}
    with stream(live_server, workshop, headers=headers, params={"after": 0}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        before = read_until_quiet(response)
    assert [m.event for m in before] == ["stage.changed", "participant.joined"]
    assert [m.id for m in before] == [1, 2]
    last_seen = before[-1].id

    posted = [post(live_server, workshop, f"付箋{n}") for n in range(3)]

    with stream(
        live_server, workshop, headers={**headers, "Last-Event-ID": str(last_seen)}
    ) as response:
        missed = read_until_quiet(response)
    assert [m.id for m in missed] == [3, 4, 5]
    assert [m.event for m in missed] == ["note.created"] * 3
    assert [json.loads(m.data)["note"]["id"] for m in missed] == [n["id"] for n in posted]


def test_connected_viewer_receives_a_new_note_live(live_server, workshop):
    received: list[Message] = []
    ready = threading.Event()

    def listen() -> None:
        with stream(live_server, workshop, params={"token": workshop["staff"]}) as response:
            for message in messages(response, on_open=ready.set):
                if message is not None and message.event == "note.created":
                    received.append(message)
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(5)
    note = post(live_server, workshop, "<script>alert(1)</script>")
    listener.join(timeout=5)
    assert received, "no note.created event arrived within 5 s"
    assert json.loads(received[0].data)["note"]["id"] == note["id"]
    assert received[0].id == 3


def test_a_client_ahead_of_the_log_is_told_to_reset(live_server, workshop):
    headers = {"Authorization": f"Bearer {workshop['staff']}", "Last-Event-ID": "999"}
    with stream(live_server, workshop, headers=headers) as response:
        got = read_until_quiet(response)
    assert [m.event for m in got] == ["reset"]
    assert got[0].id == 2


def test_stream_refuses_missing_token_and_bad_last_event_id(live_server, workshop):
    url = f"{live_server.url}/api/v1/workshops/{workshop['id']}/events"
    assert httpx.get(url).status_code == 401
    bad = httpx.get(url, params={"token": workshop["staff"], "after": "abc"})
    assert bad.status_code == 422
    assert "Last-Event-ID" in bad.json()["detail"]
