"""The hub renders each event once per audience, however many viewers share that audience."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.db import Database
from app.domain import formats, workshops
from app.live import events
from app.live.hub import Audience, Hub, encode


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


def test_fifty_viewers_of_one_audience_cost_one_render_per_event(db):
    calls: list[tuple[tuple[int, ...], tuple[Audience, ...]]] = []

    def render(session, batch, audiences):
        calls.append((tuple(e.seq for e in batch), tuple(sorted(audiences, key=str))))
        return {
            a: [(e.seq, encode(seq=e.seq, event=e.type, data=a.kind)) for e in batch]
            for a in audiences
        }

    with db.write_session() as session:
        workshop = workshops.create_workshop(
            session=session,
            title="fan-out",
            stages=list(formats.get_format("kpt").stages),
            groups=["1G"],
        )
        session.commit()
    workshop_id = workshop.id

    async def scenario() -> list[list[bytes]]:
        hub = Hub(db=db, render=render, poll_seconds=30, max_replay=100)
        replay = hub._replay
        replays_done = [0]
        lock = threading.Lock()

        def counted_replay(*args):
            try:
                return replay(*args)
            finally:
                with lock:
                    replays_done[0] += 1

        hub._replay = counted_replay
        board = Audience(kind="board", locale="ja")
        api = Audience(kind="api")
        streams = [
            hub.stream(
                workshop_id=workshop_id, audience=board if n % 2 else api, after=None, heartbeat=30
            )
            for n in range(50)
        ]
        hints = [await anext(stream) for stream in streams]
        waits = [int(hint.removeprefix(b"retry: ").removesuffix(b"\n\n")) for hint in hints]
        # Reconnects after a process dies are spread over 1–3 s, not one burst at the same moment.
        assert all(1000 <= wait <= 3000 for wait in waits), waits
        assert len(set(waits)) > 10, waits
        pending = [asyncio.ensure_future(anext(stream)) for stream in streams]
        # Wait until every viewer has replayed and is waiting for live messages.
        while replays_done[0] < len(streams):
            await asyncio.sleep(0.01)
        with db.write_session() as session:
            workshops.open_stage(
                session=session, workshop=workshops.get(session, workshop_id), key="keep"
            )
            seq = events.last_seq(session, workshop_id) + 0
            session.commit()
        hub.wake(events.Wakeup(workshop_id, seq))
        received = await asyncio.wait_for(asyncio.gather(*pending), 5)
        for stream in streams:
            await stream.aclose()
        await hub.close()
        return received

    # A fresh thread: the browser tests' sync driver may own a loop in this one.
    outcome: list[list[bytes]] = []
    runner = threading.Thread(target=lambda: outcome.append(asyncio.run(scenario())))
    runner.start()
    runner.join(30)
    assert outcome, "the scenario did not finish"
    received = outcome[0]
    assert len(calls) == 1
    assert calls[0][0] == (1,)
    assert len(calls[0][1]) == 2  # one render for the board audience, one for the API
    assert {r.decode().split("data: ")[1].strip() for r in received} == {"board", "api"}
    assert all(r.startswith(b"id: 1\n") for r in received)
