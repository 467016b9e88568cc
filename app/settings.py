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
    environment: str = "development"
    token_max_age_hours: int = 12
    sse_heartbeat_seconds: float = 15.0
    # Streams also look at the database this often, repairing any wake-up the bus lost.
    sse_poll_seconds: float = 15.0
    sse_max_replay: int = 1000
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
