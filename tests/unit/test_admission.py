"""The request gate: a burst waits in a bounded line; past it, 503 with Retry-After at once."""

from __future__ import annotations

import asyncio
import time

from app.web.admission import AdmissionMiddleware, Gate


def _app(release: asyncio.Event):
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def _call(middleware, path: str = "/api/v1/workshops/1") -> tuple[int, dict, float]:
    sent: list[dict] = []
    started = time.monotonic()

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": path, "method": "GET", "headers": []}
    await middleware(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], headers, time.monotonic() - started


def test_a_full_line_is_refused_at_once_and_the_line_is_served_in_turn():
    async def scenario():
        release = asyncio.Event()
        gate = Gate(slots=2, queue=3, wait=30)
        middleware = AdmissionMiddleware(_app(release), gate)
        inside = [asyncio.create_task(_call(middleware)) for _ in range(5)]
        await asyncio.sleep(0.05)
        assert (gate.inside, gate.waiting) == (2, 3)
        status, headers, took = await _call(middleware)
        assert status == 503 and headers["retry-after"] == "2"
        assert took < 0.5
        await _stream_passes(middleware, release)
        release.set()
        answered = await asyncio.gather(*inside)
        assert [a[0] for a in answered] == [200] * 5
        assert (gate.inside, gate.waiting) == (0, 0)

    asyncio.run(scenario())


async def _stream_passes(middleware, release) -> None:
    """Event streams hold no slot: they pass even when the line is full."""
    task = asyncio.create_task(_call(middleware, "/api/v1/workshops/1/events"))
    await asyncio.sleep(0.05)
    assert not task.done()  # waiting on the app, not refused by the gate
    release.set()
    status, _headers, _took = await task
    release.clear()
    assert status == 200


def test_a_request_that_waited_too_long_gets_503():
    async def scenario():
        release = asyncio.Event()
        gate = Gate(slots=1, queue=10, wait=0.2)
        middleware = AdmissionMiddleware(_app(release), gate)
        holder = asyncio.create_task(_call(middleware))
        await asyncio.sleep(0.05)
        status, headers, took = await _call(middleware)
        assert status == 503 and headers["retry-after"] == "2"
        assert 0.15 < took < 1.0
        release.set()
        assert (await holder)[0] == 200

    asyncio.run(scenario())
