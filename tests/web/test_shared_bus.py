"""Two server processes on one database: a write taken by one reaches viewers of the other."""

from __future__ import annotations

import json
import threading

import httpx

from tests.web.test_event_stream import EVENT_TIMEOUT, messages


def test_note_posted_on_one_process_reaches_a_stream_on_another_through_redis(
    server_factory, redis_url, tmp_path, migrated_sqlite_template
):
    import shutil

    shared = tmp_path / "shared.db"
    shutil.copy(migrated_sqlite_template, shared)
    # Polling is slowed to a minute, so only the bus can deliver within the deadline below.
    env = {"FUSEN_BUS_URL": redis_url, "FUSEN_SSE_POLL_SECONDS": "60"}
    writer = server_factory(database_url=f"sqlite:///{shared}", env=env)
    viewer = server_factory(database_url=f"sqlite:///{shared}", env=env)
    assert_note_crosses_processes(writer, viewer)


def assert_note_crosses_processes(writer, viewer) -> None:
    staff = writer.staff_token()
    headers = {"Authorization": f"Bearer {staff}"}
    created = httpx.post(
        f"{writer.url}/api/v1/workshops",
        json={"title": "二台構成", "format": "kpt", "groups": ["1G"]},
        headers=headers,
    ).json()
    httpx.put(
        f"{writer.url}/api/v1/workshops/{created['id']}/current-stage",
        json={"stage": "keep"},
        headers=headers,
    ).raise_for_status()

    received: list[dict] = []
    connected = threading.Event()

    def listen() -> None:
        url = f"{viewer.url}/api/v1/workshops/{created['id']}/events"
        with httpx.stream("GET", url, params={"token": staff}, timeout=EVENT_TIMEOUT) as response:
            for message in messages(response, on_open=connected.set):
                if message is not None and message.event == "note.created":
                    received.append(json.loads(message.data))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(5)
    note = httpx.post(
        f"{writer.url}/api/v1/workshops/{created['id']}/notes",
        json={"stage": "keep", "text": "別プロセスから", "group": "1G"},
        headers=headers,
    ).json()
    listener.join(timeout=4)
    assert received, "the viewer process did not hear of the note within 4 s"
    assert received[0]["note"]["id"] == note["id"]


def test_note_posted_on_one_process_reaches_a_stream_on_another_through_postgres(
    server_factory, postgres_database
):
    env = {"FUSEN_BUS_URL": postgres_database, "FUSEN_SSE_POLL_SECONDS": "60"}
    writer = server_factory(database_url=postgres_database, env=env)
    viewer = server_factory(database_url=postgres_database, env=env)
    assert_note_crosses_processes(writer, viewer)
