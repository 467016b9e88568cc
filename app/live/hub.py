"""Fan-out of workshop events to open streams.

One ``Channel`` per workshop with viewers. When the bus wakes it, the channel reads the new events
from the database once, renders each event once per audience (kind, group, locale) and puts the
same bytes on every subscriber's queue. A subscriber that connects replays what it missed from the
event table, then takes live messages above the seq it replayed to, so nothing is lost or doubled
in the gap between the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from app.db import Database
from app.live import events
from app.live.events import Wakeup
from app.models import Event

log = logging.getLogger(__name__)

Message = tuple[int, bytes]
RenderBatch = Callable[..., dict["Audience", list[Message]]]
"""``render(session, events, audiences)`` → the messages for each audience, in seq order."""

FETCH_LIMIT = 500
QUEUE_LIMIT = 2000


@dataclass(frozen=True)
class Audience:
    """Everyone who sees the same bytes for the same event."""

    kind: str
    locale: str = "ja"
    group_id: int | None = None


def encode(*, seq: int | None, event: str, data: str) -> bytes:
    lines = [f"id: {seq}"] if seq is not None else []
    lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return ("\n".join(lines) + "\n\n").encode()


class Subscriber:
    """One open stream: messages waiting to be written, and a flag its writer sleeps on.

    A plain list and an ``asyncio.Event`` rather than an ``asyncio.Queue``: the channel hands
    each message to hundreds of subscribers in a loop, and the writer takes everything that
    piled up since it last woke in one go, so a burst costs one socket write per viewer.
    """

    __slots__ = ("audience", "pending", "closed", "_ready")

    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.pending: list[Message] = []
        self.closed = False
        self._ready = asyncio.Event()

    def offer(self, message: Message) -> bool:
        """Queue a message; a viewer that fell this far behind is cut off and reconnects."""
        if self.closed:
            return False
        if len(self.pending) >= QUEUE_LIMIT:
            self.close()
            return False
        self.pending.append(message)
        self._ready.set()
        return True

    def close(self) -> None:
        self.closed = True
        self.pending.clear()
        self._ready.set()

    async def take(self, timeout: float) -> list[Message] | None:
        """Everything queued once there is any; ``[]`` on timeout; ``None`` once closed."""
        if not self.pending and not self.closed:
            # A timer handle, not asyncio.timeout(): this runs once per message per viewer.
            timer = asyncio.get_running_loop().call_later(timeout, self._ready.set)
            await self._ready.wait()
            timer.cancel()
        self._ready.clear()
        if self.closed:
            return None
        taken, self.pending = self.pending, []
        return taken


class Channel:
    def __init__(self, hub: Hub, workshop_id: int, delivered: int) -> None:
        self.hub = hub
        self.workshop_id = workshop_id
        self.delivered = delivered
        self.target = delivered
        self.subscribers: dict[Audience, set[Subscriber]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"channel-{self.workshop_id}")

    def add(self, audience: Audience) -> Subscriber:
        subscriber = Subscriber(audience)
        self.subscribers.setdefault(audience, set()).add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        members = self.subscribers.get(subscriber.audience)
        if members is not None:
            members.discard(subscriber)
            if not members:
                del self.subscribers[subscriber.audience]
        if not self.subscribers:
            self._wake.set()

    def wake(self, seq: int) -> None:
        self.target = max(self.target, seq)
        self._wake.set()

    @property
    def viewer_count(self) -> int:
        return sum(len(members) for members in self.subscribers.values())

    async def _run(self) -> None:
        try:
            while self.subscribers:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.hub.poll_seconds)
                self._wake.clear()
                if not self.subscribers:
                    break
                try:
                    await self._deliver()
                except Exception:
                    log.exception("delivery failed for workshop %s", self.workshop_id)
                    await asyncio.sleep(1)
        finally:
            self.hub._forget(self)

    async def _deliver(self) -> None:
        while True:
            audiences = list(self.subscribers)
            batch, rendered = await run_in_threadpool(self._load, audiences)
            if not batch:
                return
            for audience, messages in rendered.items():
                for subscriber in list(self.subscribers.get(audience, ())):
                    for message in messages:
                        if not subscriber.offer(message):
                            break
            self.delivered = batch[-1].seq
            if len(batch) < FETCH_LIMIT:
                return

    def _load(self, audiences: Collection[Audience]) -> tuple[Sequence[Event], dict]:
        with self.hub.db.read_session() as session:
            batch = events.read_after(
                session, workshop_id=self.workshop_id, after=self.delivered, limit=FETCH_LIMIT
            )
            if not batch:
                return batch, {}
            return batch, self.hub.render(session, batch, audiences)


class Hub:
    def __init__(
        self, *, db: Database, render: RenderBatch, poll_seconds: float, max_replay: int
    ) -> None:
        self.db = db
        self.render = render
        self.poll_seconds = poll_seconds
        self.max_replay = max_replay
        self.channels: dict[int, Channel] = {}
        self._lock = asyncio.Lock()

    def wake(self, wakeup: Wakeup) -> None:
        channel = self.channels.get(wakeup.workshop_id)
        if channel is not None:
            channel.wake(wakeup.seq)

    def _forget(self, channel: Channel) -> None:
        if self.channels.get(channel.workshop_id) is channel:
            del self.channels[channel.workshop_id]

    async def _channel(self, workshop_id: int, audience: Audience) -> tuple[Channel, Subscriber]:
        async with self._lock:
            channel = self.channels.get(workshop_id)
            if channel is None:
                delivered = await run_in_threadpool(self._last_seq, workshop_id)
                channel = Channel(self, workshop_id, delivered)
                self.channels[workshop_id] = channel
                subscriber = channel.add(audience)
                channel.start()
            else:
                subscriber = channel.add(audience)
            return channel, subscriber

    def _last_seq(self, workshop_id: int) -> int:
        with self.db.read_session() as session:
            return events.last_seq(session, workshop_id)

    def _replay(self, workshop_id: int, audience: Audience, after: int | None) -> list[Message]:
        """Messages a reconnecting viewer missed; a reset when it is too far behind to replay."""
        with self.db.read_session() as session:
            newest = events.last_seq(session, workshop_id)
            if after is None:
                return [(newest, b"")]
            if after > newest or newest - after > self.max_replay:
                return [(newest, encode(seq=newest, event=events.RESET, data="{}"))]
            replayed: list[Message] = []
            cursor = after
            while cursor < newest:
                batch = events.read_after(
                    session, workshop_id=workshop_id, after=cursor, limit=FETCH_LIMIT
                )
                if not batch:
                    break
                replayed.extend(self.render(session, batch, [audience]).get(audience, []))
                cursor = batch[-1].seq
            replayed.append((cursor, b""))
            return replayed

    async def stream(
        self, *, workshop_id: int, audience: Audience, after: int | None, heartbeat: float
    ) -> AsyncIterator[bytes]:
        """Yield SSE bytes: retry hint, the replay, then live messages and heartbeats."""
        channel, subscriber = await self._channel(workshop_id, audience)
        try:
            yield b"retry: 3000\n\n"
            replay = await run_in_threadpool(self._replay, workshop_id, audience, after)
            floor = replay[-1][0]
            for _seq, data in replay:
                if data:
                    yield data
            while True:
                taken = await subscriber.take(heartbeat)
                if taken is None:
                    return
                if not taken:
                    yield b": ping\n\n"
                    continue
                fresh = []
                for seq, data in taken:
                    if seq > floor:
                        floor = seq
                        fresh.append(data)
                if fresh:
                    yield fresh[0] if len(fresh) == 1 else b"".join(fresh)
        finally:
            channel.remove(subscriber)

    async def close(self) -> None:
        for channel in list(self.channels.values()):
            for members in list(channel.subscribers.values()):
                for subscriber in list(members):
                    subscriber.close()
            channel.subscribers.clear()
            channel._wake.set()
