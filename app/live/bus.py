"""Wake-up buses. They carry ``(workshop_id, seq)`` only; a lost wake-up is repaired by polling.

The backend is chosen by URL, as broadcaster does: ``memory://`` inside one process (default),
``redis://`` or ``postgresql://`` (LISTEN/NOTIFY) when several server processes share one
database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from app.live.events import Wakeup

if TYPE_CHECKING:
    import psycopg
    from redis.asyncio.client import PubSub

log = logging.getLogger(__name__)

Listener = Callable[[Wakeup], None]
CHANNEL = "wakeups"  # after FUSEN_REDIS_PREFIX: "fusen:wakeups" by default
PG_CHANNEL = "fusen_wakeups"


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

    def __init__(self, url: str, prefix: str = "fusen") -> None:
        import redis
        import redis.asyncio

        self._url = url
        self._channel = f"{prefix}:{CHANNEL}"
        self._publisher = redis.Redis.from_url(url)
        self._subscriber = redis.asyncio.Redis.from_url(url)
        self._task: asyncio.Task[None] | None = None

    async def start(self, listener: Listener) -> None:
        pubsub = self._subscriber.pubsub()
        await pubsub.subscribe(self._channel)
        self._task = asyncio.create_task(self._listen(pubsub, listener))

    async def _listen(self, pubsub: PubSub, listener: Listener) -> None:
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
                # redis-py leaves PubSub.aclose unannotated (the rest of PubSub is typed).
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._subscriber.aclose()
        self._publisher.close()

    def publish(self, wakeup: Wakeup) -> None:
        try:
            self._publisher.publish(self._channel, f"{wakeup.workshop_id}:{wakeup.seq}")
        except Exception:  # noqa: BLE001
            # The write is committed; streams catch up at their next poll.
            log.exception("could not publish wake-up %s", wakeup)


class PostgresBus:
    """LISTEN/NOTIFY on the application's own PostgreSQL: several processes, no extra server."""

    def __init__(self, url: str) -> None:
        self._url = "postgresql://" + url.split("://", 1)[1]
        self._publisher: psycopg.Connection | None = None
        self._publish_lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self, listener: Listener) -> None:
        import psycopg

        connection = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        await connection.execute(f"LISTEN {PG_CHANNEL}")
        self._task = asyncio.create_task(self._listen(connection, listener))

    async def _listen(self, connection: psycopg.AsyncConnection, listener: Listener) -> None:
        try:
            async for notice in connection.notifies():
                try:
                    workshop_id, seq = notice.payload.split(":")
                    listener(Wakeup(int(workshop_id), int(seq)))
                except ValueError:
                    log.warning("ignored malformed wake-up %r", notice.payload)
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with self._publish_lock:
            if self._publisher is not None:
                with contextlib.suppress(Exception):
                    self._publisher.close()
                self._publisher = None

    def publish(self, wakeup: Wakeup) -> None:
        import psycopg

        with self._publish_lock:
            for _attempt in range(2):
                try:
                    if self._publisher is None or self._publisher.closed:
                        self._publisher = psycopg.connect(self._url, autocommit=True)
                    self._publisher.execute(
                        "SELECT pg_notify(%s, %s)",
                        (PG_CHANNEL, f"{wakeup.workshop_id}:{wakeup.seq}"),
                    )
                    return
                except psycopg.Error:
                    self._publisher = None
            # The write is committed; streams catch up at their next poll.
            log.warning("could not publish wake-up %s", wakeup)


def make_bus(url: str, redis_prefix: str = "fusen") -> Bus:
    if url.startswith("memory://"):
        return MemoryBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBus(url, redis_prefix)
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return PostgresBus(url)
    raise ValueError(f"unsupported FUSEN_BUS_URL scheme: {url!r}")
