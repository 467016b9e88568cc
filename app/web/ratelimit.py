"""Rate limits, in process: failed joins and failed logins per address, notes per participant.

Token buckets: each key may spend ``burst`` at once and earns ``per_minute`` back. Only failed
joins spend from the join bucket: a whole venue reaches us from one address behind the hall's
Wi-Fi, so correct codes must never be what runs it out. Counters live in this server process;
several processes each keep their own (see docs/security.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from sqlmodel import Session

from app.domain import workshops
from app.errors import DomainError, NotFound
from app.i18n import N_
from app.models import Workshop
from app.settings import Settings

MAX_KEYS = 100_000


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(message, seconds=seconds)
        self.headers = {"Retry-After": str(seconds)}


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Limiter:
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
        """Seconds until ``key`` may spend again; 0 when it may now. Spends nothing."""
        with self._lock:
            bucket = self._refill(key, self.clock())
            return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate

    def spend(self, key: str) -> float:
        """Spend one; return 0, or the seconds to wait when nothing was left to spend."""
        with self._lock:
            bucket = self._refill(key, self.clock())
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


class Limits:
    """The app's limiters, one set per app instance."""

    def __init__(self, settings: Settings) -> None:
        self.join_failures = Limiter(
            burst=settings.join_failures_burst, per_minute=settings.join_failures_per_minute
        )
        self.login_failures = Limiter(
            burst=settings.login_failures_burst, per_minute=settings.login_failures_per_minute
        )
        self.notes = Limiter(burst=settings.notes_burst, per_minute=settings.notes_per_minute)


def client_address(request: Request) -> str:
    # uvicorn's proxy_headers has already put the X-Forwarded-For client here when trusted.
    return request.client.host if request.client else "unknown"


def _limits(request: Request) -> Limits:
    return request.app.state.limits


def workshop_for_code(request: Request, session: Session, code: str) -> Workshop:
    """Look a join code up; wrong codes spend from the address's budget, right ones never do."""
    limiter = _limits(request).join_failures
    address = client_address(request)
    wait = limiter.wait(address)
    if wait:
        raise RateLimited(
            N_("Too many wrong codes from this network. Wait %(seconds)s seconds and try again."),
            retry_after=wait,
        )
    try:
        return workshops.by_join_code(session, code)
    except NotFound:
        limiter.spend(address)
        raise


def check_login(request: Request) -> None:
    wait = _limits(request).login_failures.wait(client_address(request))
    if wait:
        raise RateLimited(
            N_(
                "Too many failed sign-ins from this address. "
                "Wait %(seconds)s seconds and try again."
            ),
            retry_after=wait,
        )


def login_failed(request: Request) -> None:
    _limits(request).login_failures.spend(client_address(request))


def note_posted(request: Request, participant_id: str) -> None:
    """Count a participant's post; refuse it when they post faster than any person writes."""
    wait = _limits(request).notes.spend(participant_id)
    if wait:
        raise RateLimited(
            N_("You are posting very quickly. Wait %(seconds)s seconds and try again."),
            retry_after=wait,
        )
