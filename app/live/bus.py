"""Wake-up buses. They carry ``(workshop_id, seq)`` only; a lost wake-up is repaired by polling.

The backend is chosen by URL, as broadcaster does: ``memory://`` inside one process (default),
``redis://`` when several server processes share one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from app.live.events import Wakeup

log = logging.getLogger(__name__)

Listener = Callable[[Wakeup], None]
CHANNEL = "fusen:wakeups"


class Bus(Protocol):
    async def start(self, listener: Listener) -> None: ...

    async def stop(self) -> None: ...

    def publish(self, wakeup: Wakeup) -> None:
        """Send a wake-up; callable from any thread, never blocks on the event loop."""


class MemoryBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: Listener | None = None

    async def start(self, listener: Listener) -> None:
        self._loop = asyncio.get_running_loop()
        self._listener = listener

    async def stop(self) -> None:
        self._listener = None

    def publish(self, wakeup: Wakeup) -> None:
        loop, listener = self._loop, self._listener
        if loop is None or listener is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            listener(wakeup)
        else:
            loop.call_soon_threadsafe(listener, wakeup)


class RedisBus:
    """Pub/sub over Redis, so that a write taken by one process wakes the streams of all."""

    def __init__(self, url: str) -> None:
        import redis
        import redis.asyncio

        self._url = url
        self._publisher = redis.Redis.from_url(url)
        self._subscriber = redis.asyncio.Redis.from_url(url)
        self._task: asyncio.Task[None] | None = None

    async def start(self, listener: Listener) -> None:
        pubsub = self._subscriber.pubsub()
        await pubsub.subscribe(CHANNEL)
        self._task = asyncio.create_task(self._listen(pubsub, listener))

    async def _listen(self, pubsub, listener: Listener) -> None:  # type: ignore[no-untyped-def]
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    workshop_id, seq = message["data"].decode().split(":")
                    listener(Wakeup(int(workshop_id), int(seq)))
                except ValueError:
                    log.warning("ignored malformed wake-up %r", message["data"])
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._subscriber.aclose()
        self._publisher.close()

    def publish(self, wakeup: Wakeup) -> None:
        try:
            self._publisher.publish(CHANNEL, f"{wakeup.workshop_id}:{wakeup.seq}")
        except Exception:  # noqa: BLE001
            # The write is committed; streams catch up at their next poll.
            log.exception("could not publish wake-up %s", wakeup)


def make_bus(url: str) -> Bus:
    if url.startswith("memory://"):
        return MemoryBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBus(url)
    raise ValueError(f"unsupported FUSEN_BUS_URL scheme: {url!r}")
