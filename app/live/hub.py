"""Fan-out of workshop events to open streams.

One ``Channel`` per workshop with viewers. When the bus wakes it, the channel reads the new events
from the database once, renders each event once per audience (kind, group, locale) and puts the
same bytes on every subscriber's queue. A subscriber that connects replays what it missed from the
event table, then takes live messages above the seq it replayed to, so nothing is lost or doubled
in the gap between the two.

Every subscriber carries the ``Grant`` it was opened with. Each channel asks the database every
``recheck_seconds`` which grants still hold and ends the streams whose access is gone, after
delivering what is already queued (a closed workshop's phones see the closing first). Open
streams are capped per token and per process, so one token cannot hold thousands of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from app.db import Database
from app.domain.stream_access import Grant
from app.errors import DomainError
from app.i18n import N_
from app.live import events
from app.live.events import Wakeup
from app.models import Event

log = logging.getLogger(__name__)

Message = tuple[int, bytes]
Recheck = Callable[..., set[Grant]]
"""``recheck(session, workshop_id, grants)`` → the grants that still allow watching."""
RenderBatch = Callable[..., dict["Audience", list[Message]]]
"""``render(session, events, audiences)`` → the messages for each audience, in seq order."""

FETCH_LIMIT = 500
# How long a browser waits before reconnecting a dropped stream, drawn per stream from this
# range. When a process dies or drains, every stream it held drops in the same instant; a fixed
# hint would bring them all back to the remaining processes in one burst, spread out they come
# back over two seconds, all within the 5 s a phone may be out of date.
RETRY_MS = (1000, 3000)
QUEUE_LIMIT = 2000


class TooManyStreams(DomainError):
    """One token holds as many open streams as it may; the next is refused."""

    status_code = 429

    def __init__(self) -> None:
        super().__init__(N_("Too many live connections are open with this sign-in. Close some."))
        self.headers = {"Retry-After": "5"}


class StreamsFull(DomainError):
    """The process serves as many streams as it was sized for."""

    status_code = 503

    def __init__(self) -> None:
        super().__init__(N_("The server is busy right now. Please try again in a moment."))
        self.headers = {"Retry-After": "5"}


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


def retry_hint() -> bytes:
    low, high = RETRY_MS
    return f"retry: {low + secrets.randbelow(high - low + 1)}\n\n".encode()


class Subscriber:
    """One open stream: messages waiting to be written, and a flag its writer sleeps on.

    A plain list and an ``asyncio.Event`` rather than an ``asyncio.Queue``: the channel hands
    each message to hundreds of subscribers in a loop, and the writer takes everything that
    piled up since it last woke in one go, so a burst costs one socket write per viewer.
    ``grant`` is what the stream was authorised with, checked again while it is open.

    The heartbeat is one timer per quiet period, not one per wait: while messages flow the
    timer stays armed and, when it fires early, moves itself to a heartbeat after the last
    write. Arming and cancelling a timer for every message of every viewer cost more than
    handing the message over.
    """

    __slots__ = ("audience", "grant", "pending", "closed", "_ready", "_timer", "_quiet_since")

    def __init__(self, audience: Audience, grant: Grant | None = None) -> None:
        self.audience = audience
        self.grant = grant
        self.pending: list[Message] = []
        self.closed = False
        self._ready = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._quiet_since: float | None = None

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

    def close(self, *, after_pending: bool = False) -> None:
        """End the stream; ``after_pending`` lets what is already queued go out first (a
        closed workshop's phones see the closing before their stream ends)."""
        self.closed = True
        if not after_pending:
            self.pending.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._ready.set()

    async def take(self, timeout: float) -> list[Message] | None:
        """Everything queued once there is any; ``[]`` after ``timeout`` seconds with nothing
        taken (time for a heartbeat); ``None`` once closed."""
        loop = asyncio.get_running_loop()
        if self._quiet_since is None:
            self._quiet_since = loop.time()
        if not self.pending and not self.closed:
            self._ready.clear()
            if self._timer is None:
                self._timer = loop.call_at(self._quiet_since + timeout, self._beat, timeout)
            await self._ready.wait()
        self._ready.clear()
        self._quiet_since = loop.time()
        if self.pending:
            taken, self.pending = self.pending, []
            return taken
        return None if self.closed else []

    def _beat(self, timeout: float) -> None:
        """The heartbeat timer: wake the writer once ``timeout`` passed since it last took
        anything, else wait until then."""
        self._timer = None
        if self.closed or self._quiet_since is None:
            return
        due = self._quiet_since + timeout
        loop = asyncio.get_running_loop()
        if loop.time() >= due - 0.001:  # timers may run a clock tick early
            self._ready.set()
        else:
            self._timer = loop.call_at(due, self._beat, timeout)


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

    def add(self, audience: Audience, grant: Grant | None = None) -> Subscriber:
        subscriber = Subscriber(audience, grant)
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
        now = time.monotonic()
        next_poll, next_check = now + self.hub.poll_seconds, now + self.hub.recheck_seconds
        try:
            while self.subscribers:
                woken = False
                with contextlib.suppress(TimeoutError):
                    timeout = max(0.0, min(next_poll, next_check) - time.monotonic())
                    await asyncio.wait_for(self._wake.wait(), timeout)
                    woken = True
                self._wake.clear()
                if not self.subscribers:
                    break
                now = time.monotonic()
                try:
                    if woken or now >= next_poll:
                        next_poll = now + self.hub.poll_seconds
                        await self._deliver()
                    if now >= next_check:
                        next_check = now + self.hub.recheck_seconds
                        await self._recheck()
                except Exception:
                    log.exception("delivery failed for workshop %s", self.workshop_id)
                    await asyncio.sleep(1)
        finally:
            self.hub._forget(self)

    async def _recheck(self) -> None:
        """End the streams whose grant no longer holds (closed, purged, removed, disabled)."""
        watching = [s for members in self.subscribers.values() for s in members if s.grant]
        if not watching or self.hub.recheck is None:
            return
        grants = {s.grant for s in watching if s.grant is not None}
        valid = await run_in_threadpool(self._still_valid, grants)
        # Whatever was committed before the check is delivered before the stream ends, so a
        # closed workshop's phones are told it closed.
        await self._deliver()
        for subscriber in watching:
            if subscriber.grant not in valid:
                subscriber.close(after_pending=True)

    def _still_valid(self, grants: set[Grant]) -> set[Grant]:
        assert self.hub.recheck is not None  # noqa: S101  (checked by the caller)
        with self.hub.db.read_session() as session:
            return self.hub.recheck(session, self.workshop_id, grants)

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

    def _load(
        self, audiences: Collection[Audience]
    ) -> tuple[Sequence[Event], dict[Audience, list[Message]]]:
        with self.hub.db.read_session() as session:
            batch = events.read_after(
                session, workshop_id=self.workshop_id, after=self.delivered, limit=FETCH_LIMIT
            )
            if not batch:
                return batch, {}
            return batch, self.hub.render(session, batch, audiences)


class Hub:
    def __init__(
        self,
        *,
        db: Database,
        render: RenderBatch,
        poll_seconds: float,
        max_replay: int,
        recheck: Recheck | None = None,
        recheck_seconds: float = 1.0,
        per_token: int = 10,
        per_process: int = 2000,
    ) -> None:
        self.db = db
        self.render = render
        self.poll_seconds = poll_seconds
        self.max_replay = max_replay
        self.recheck = recheck
        self.recheck_seconds = recheck_seconds
        self.per_token = per_token
        self.per_process = per_process
        self.channels: dict[int, Channel] = {}
        self.open_streams = 0
        self.by_token: Counter[str] = Counter()
        self._lock = asyncio.Lock()

    def wake(self, wakeup: Wakeup) -> None:
        channel = self.channels.get(wakeup.workshop_id)
        if channel is not None:
            channel.wake(wakeup.seq)

    def _forget(self, channel: Channel) -> None:
        if self.channels.get(channel.workshop_id) is channel:
            del self.channels[channel.workshop_id]

    async def _channel(
        self, workshop_id: int, audience: Audience, grant: Grant | None
    ) -> tuple[Channel, Subscriber]:
        async with self._lock:
            if self.open_streams >= self.per_process:
                raise StreamsFull()
            if grant is not None and self.by_token[grant.key] >= self.per_token:
                raise TooManyStreams()
            channel = self.channels.get(workshop_id)
            if channel is None:
                delivered = await run_in_threadpool(self._last_seq, workshop_id)
                channel = Channel(self, workshop_id, delivered)
                self.channels[workshop_id] = channel
                subscriber = channel.add(audience, grant)
                channel.start()
            else:
                subscriber = channel.add(audience, grant)
            self.open_streams += 1
            if grant is not None:
                self.by_token[grant.key] += 1
            return channel, subscriber

    def _release(self, channel: Channel, subscriber: Subscriber) -> None:
        channel.remove(subscriber)
        subscriber.close()
        self.open_streams -= 1
        if subscriber.grant is not None:
            key = subscriber.grant.key
            self.by_token[key] -= 1
            if self.by_token[key] <= 0:
                del self.by_token[key]

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
        self,
        *,
        workshop_id: int,
        audience: Audience,
        after: int | None,
        heartbeat: float,
        grant: Grant | None = None,
    ) -> AsyncIterator[bytes]:
        """Yield SSE bytes: retry hint, the replay, then live messages and heartbeats.

        Refused (``TooManyStreams``, ``StreamsFull``) before the first byte when over a cap.
        """
        channel, subscriber = await self._channel(workshop_id, audience, grant)
        try:
            yield retry_hint()
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
            self._release(channel, subscriber)

    async def close(self) -> None:
        for channel in list(self.channels.values()):
            for members in list(channel.subscribers.values()):
                for subscriber in list(members):
                    subscriber.close()
            channel.subscribers.clear()
            channel._wake.set()
