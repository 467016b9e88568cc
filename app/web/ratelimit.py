"""Rate limits: failed joins and failed sign-ins per address, notes per participant.

Token buckets: each key may spend ``burst`` at once and earns ``per_minute`` back. Every decision
that lets a guess be evaluated is one atomic step on the bucket, never a check followed later by a
spend: checked-then-spent buckets let 38 parallel wrong sign-ins through on one earned token.

- Sign-ins *reserve* a token before the password is hashed and get it back when the password was
  right, so parallel guesses beyond the budget are refused before any work is done.
- Join codes are looked up first and only a *wrong* code spends: a whole venue reaches us from one
  address behind the hall's Wi-Fi, so correct codes must never be what runs the budget out (not
  even for a moment, which a reservation would do with 300 phones scanning at once). A wrong code
  that finds the bucket empty is answered 429, like every code while it is empty, so the number of
  wrong codes answered "not found" never exceeds the budget.

The buckets live in this process by default; with ``FUSEN_REDIS_URL`` (or a ``redis://`` bus URL)
they live in Redis, shared by every process and host, and each step is one Lua script run
atomically by the server on its own clock. If Redis cannot be reached the limiter falls back to
this process's buckets for that request, and says so in the log.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from fastapi import Request
from sqlmodel import Session

if TYPE_CHECKING:
    import redis

from app.domain import workshops
from app.errors import DomainError, NotFound
from app.i18n import N_
from app.models import Workshop
from app.settings import Settings

log = logging.getLogger(__name__)

MAX_KEYS = 100_000


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(message, seconds=seconds)
        self.headers = {"Retry-After": str(seconds)}


class Bucket(Protocol):
    """What the routes need from a limiter, wherever its counters live."""

    burst: float

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may spend again; 0 when it may now. Spends nothing."""

    def spend(self, key: str) -> float:
        """Spend one if there is one; return 0, or the seconds to wait (nothing spent)."""

    def refund(self, key: str) -> None:
        """Give back one token spent by a reservation that turned out not to count."""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Limiter:
    """Buckets in this process; one lock makes every step atomic across request threads."""

    def __init__(
        self, *, burst: int, per_minute: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = float(burst)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _refill(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def _forget_idle(self, now: float) -> None:
        # A bucket that has refilled completely carries no information; drop it.
        for key in [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.burst
        ]:
            del self._buckets[key]

    def wait(self, key: str) -> float:
        with self._lock:
            bucket = self._refill(key, self.clock())
            return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate

    def spend(self, key: str) -> float:
        with self._lock:
            bucket = self._refill(key, self.clock())
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    def refund(self, key: str) -> None:
        with self._lock:
            bucket = self._refill(key, self.clock())
            bucket.tokens = min(self.burst, bucket.tokens + 1)


# One step on one bucket, run atomically by Redis. ARGV: burst, tokens per second, cost
# (1 spend, 0 look, -1 refund). Returns the seconds to wait as a string (Lua numbers would be
# truncated to integers on the way out). The server's clock is used, so hosts need not agree.
# Keys expire once they would have refilled: a full bucket carries no information.
BUCKET_SCRIPT = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = 0
if cost > 0 then
  if tokens >= cost then
    tokens = tokens - cost
  else
    wait = (cost - tokens) / rate
  end
elseif cost < 0 then
  tokens = math.min(burst, tokens - cost)
elseif tokens < 1 then
  wait = (1 - tokens) / rate
end
if cost ~= 0 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
end
return tostring(wait)
"""


class RedisLimiter:
    """Buckets in Redis, shared by every process; this process's buckets if Redis is away."""

    def __init__(
        self,
        *,
        client: redis.Redis,
        prefix: str,
        burst: int,
        per_minute: float,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.burst = float(burst)
        self.rate = per_minute / 60.0
        self._script = client.register_script(BUCKET_SCRIPT)
        self._fallback = Limiter(burst=burst, per_minute=per_minute)

    def _step(self, key: str, cost: int) -> float:
        import redis

        try:
            answer = self._script(keys=[self.prefix + key], args=[self.burst, self.rate, cost])
            return float(answer)
        except redis.RedisError as exc:
            log.warning("rate limit store unreachable, counting in this process: %s", exc)
            if cost > 0:
                return self._fallback.spend(key)
            if cost < 0:
                self._fallback.refund(key)
                return 0.0
            return self._fallback.wait(key)

    def wait(self, key: str) -> float:
        return self._step(key, 0)

    def spend(self, key: str) -> float:
        return self._step(key, 1)

    def refund(self, key: str) -> None:
        self._step(key, -1)


def shared_store_url(settings: Settings) -> str | None:
    """The Redis that processes share: ``FUSEN_REDIS_URL``, else the bus when it is Redis."""
    if settings.redis_url:
        return settings.redis_url
    if settings.bus_url.startswith(("redis://", "rediss://", "unix://")):
        return settings.bus_url
    return None


class Limits:
    """The app's limiters, one set per app instance."""

    def __init__(self, settings: Settings) -> None:
        url = shared_store_url(settings)
        self._client = None
        if url is None:

            def make(name: str, burst: int, per_minute: float) -> Bucket:
                return Limiter(burst=burst, per_minute=per_minute)

        else:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            self._client = client
            prefix = f"{settings.redis_prefix}:ratelimit:"

            def make(name: str, burst: int, per_minute: float) -> Bucket:
                return RedisLimiter(
                    client=client, prefix=f"{prefix}{name}:", burst=burst, per_minute=per_minute
                )

        self.join_failures: Bucket = make(
            "join", settings.join_failures_burst, settings.join_failures_per_minute
        )
        self.login_failures: Bucket = make(
            "login", settings.login_failures_burst, settings.login_failures_per_minute
        )
        self.notes: Bucket = make("notes", settings.notes_burst, settings.notes_per_minute)

    @property
    def shared(self) -> bool:
        return self._client is not None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def client_address(request: Request) -> str:
    # uvicorn's proxy_headers has already put the X-Forwarded-For client here when trusted.
    return request.client.host if request.client else "unknown"


def _limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


WRONG_CODES = N_("Too many wrong codes from this network. Wait %(seconds)s seconds and try again.")
FAILED_SIGN_INS = N_(
    "Too many failed sign-ins from this address. Wait %(seconds)s seconds and try again."
)


def workshop_for_code(request: Request, session: Session, code: str) -> Workshop:
    """Look a join code up; wrong codes spend from the address's budget, right ones never do."""
    limiter = _limits(request).join_failures
    address = client_address(request)
    wait = limiter.wait(address)
    if wait:
        raise RateLimited(WRONG_CODES, retry_after=wait)
    try:
        return workshops.by_join_code(session, code)
    except NotFound:
        # Atomic: of many wrong codes in flight together, only as many as the bucket holds are
        # answered "not found"; the rest are refused like every code while the bucket is empty.
        wait = limiter.spend(address)
        if wait:
            raise RateLimited(WRONG_CODES, retry_after=wait) from None
        raise


def login_attempt(request: Request) -> None:
    """Reserve one failed sign-in before the password is checked; refuse when none is left."""
    wait = _limits(request).login_failures.spend(client_address(request))
    if wait:
        raise RateLimited(FAILED_SIGN_INS, retry_after=wait)


def login_succeeded(request: Request) -> None:
    """A right password gives back the reservation: only failures count."""
    _limits(request).login_failures.refund(client_address(request))


def note_posted(request: Request, participant_id: str) -> None:
    """Count a participant's post; refuse it when they post faster than any person writes."""
    wait = _limits(request).notes.spend(participant_id)
    if wait:
        raise RateLimited(
            N_("You are posting very quickly. Wait %(seconds)s seconds and try again."),
            retry_after=wait,
        )
