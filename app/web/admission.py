"""Admission: how many requests run at once, so a burst waits in line instead of stalling.

Every request that may touch the database holds one slot while it runs. The connection pool is
sized to the slots plus the worker threads (``db.make_engine``), so no thread ever waits for a
connection while the connection it needs is held by a request waiting for a thread: that wait
is what turned a room of phones scanning the QR code into 30 s hangs and 500s. A request that
finds every slot taken waits in a bounded line; when the line is full, or the wait passes
``queue_seconds``, it gets 503 with ``Retry-After`` at once. Event streams hold no slot (they
hold no connection while open), nor do static files and the health check.
"""

from __future__ import annotations

import asyncio
import html
import json

from starlette.types import ASGIApp, Receive, Scope, Send

from app import i18n
from app.i18n import N_

BUSY_MESSAGE = N_("The server is busy right now. Please try again in a moment.")
RETRY_AFTER_SECONDS = 2
EXEMPT_PREFIXES = ("/static/", "/healthz")
EXEMPT_SUFFIXES = ("/stream", "/events")


class Gate:
    """At most ``slots`` requests inside, at most ``queue`` waiting, each for ``wait`` seconds."""

    def __init__(self, *, slots: int, queue: int, wait: float) -> None:
        self.slots = slots
        self.queue = queue
        self.wait = wait
        self.inside = 0
        self.waiting = 0
        self._semaphore: asyncio.Semaphore | None = None

    async def enter(self) -> bool:
        """Take a slot; False when the server is saturated and the request should be refused."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.slots)
        semaphore = self._semaphore
        if semaphore.locked():
            if self.waiting >= self.queue:
                return False
            self.waiting += 1
            try:
                await asyncio.wait_for(semaphore.acquire(), self.wait)
            except TimeoutError:
                return False
            finally:
                self.waiting -= 1
        else:
            await semaphore.acquire()
        self.inside += 1
        return True

    def leave(self) -> None:
        self.inside -= 1
        assert self._semaphore is not None  # noqa: S101  (enter() created it)
        self._semaphore.release()


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        if not await self.gate.enter():
            await _busy(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.leave()


def _exempt(path: str) -> bool:
    return path.startswith(EXEMPT_PREFIXES) or path.endswith(EXEMPT_SUFFIXES)


async def _busy(scope: Scope, send: Send) -> None:
    message = i18n.gettext(BUSY_MESSAGE)
    if scope["path"].startswith("/api/"):
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        media = b"application/json"
    else:
        body = f"<!doctype html><title>503</title><p>{html.escape(message)}</p>".encode()
        media = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", media),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
