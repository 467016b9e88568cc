"""Runtime settings, read once from environment variables prefixed ``FUSEN_``."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything an operator may change without touching code."""

    model_config = SettingsConfigDict(env_prefix="FUSEN_", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'data' / 'fusen.db'}"
    bus_url: str = "memory://"
    # Shared state for several processes (rate limits); the bus's Redis when this is empty.
    redis_url: str = ""
    # Every Redis key Fusen writes starts with this, so several deployments may share a server.
    redis_prefix: str = "fusen"
    secret_key: str = ""
    admin_password: str = ""
    public_url: str = ""
    # Host names (without port) a request may name for links to be built from it; loopback and
    # the LAN address are always allowed. Comma-separated. See docs/security.md.
    allowed_hosts: str = ""
    # The address phones on the venue's network reach this computer at; found when empty.
    lan_address: str = ""
    # Times on pages are shown in this zone (the workshops' own, not the server's).
    timezone: str = "Asia/Tokyo"
    environment: str = "development"
    token_max_age_hours: int = 12
    sse_heartbeat_seconds: float = 15.0
    # Streams also look at the database this often, repairing any wake-up the bus lost.
    sse_poll_seconds: float = 15.0
    sse_max_replay: int = 1000
    # Close posting at a locking countdown's zero from a background task (pages also catch up
    # on their own when they read a workshop after the deadline).
    deadline_keeper: bool = True
    default_locale: str = "ja"
    # Security and retention (see docs/security.md for why these numbers).
    staff_session_hours: int = 12
    retention_days: int = 90
    max_body_bytes: int = 1_048_576
    join_failures_burst: int = 30
    join_failures_per_minute: int = 30
    login_failures_burst: int = 10
    login_failures_per_minute: int = 2
    notes_burst: int = 60
    notes_per_minute: int = 60
    # Load (see docs/security.md, "Bursts and limits"). The database pool holds
    # request_slots + worker_threads connections, so no thread ever waits for one.
    request_slots: int = 32
    request_queue: int = 256
    request_queue_seconds: float = 10.0
    worker_threads: int = 40
    # Per-workshop caps; an admin may set other numbers for one workshop.
    max_participants: int = 500
    max_notes: int = 5000
    # Streams: re-authorised this often; at most this many per token and per process.
    stream_recheck_seconds: float = 0.5
    streams_per_token: int = 10
    streams_per_process: int = 2000

    @property
    def allowed_host_names(self) -> frozenset[str]:
        return frozenset(
            name.strip().lower().strip("[]")
            for name in self.allowed_hosts.split(",")
            if name.strip()
        )

    @model_validator(mode="after")
    def _secret_key_for_production(self) -> Settings:
        # A missing key in development gets a per-process random one: tokens die on restart,
        # which is acceptable on a laptop and never acceptable in production.
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError("FUSEN_SECRET_KEY must be set in production")
            self.secret_key = secrets.token_urlsafe(32)
        elif self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("FUSEN_SECRET_KEY must be at least 32 characters in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
