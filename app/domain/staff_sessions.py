"""Server-side staff sessions: a random cookie value, only its hash in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, delete

from app.models import StaffSession, User, utcnow


@dataclass(frozen=True)
class Started:
    cookie_value: str
    expires_at: dt.datetime


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(*, session: Session, user: User, hours: int, previous: str | None = None) -> Started:
    """Open a new session and end the browser's previous one: no id survives a login."""
    if previous:
        end(session=session, cookie_value=previous)
    value = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=hours)
    session.add(StaffSession(id=_hash(value), user_id=user.id, expires_at=expires_at))
    session.flush()
    return Started(cookie_value=value, expires_at=expires_at)


def user_for(session: Session, cookie_value: str) -> User | None:
    if not cookie_value or len(cookie_value) > 200:
        return None
    row = session.get(StaffSession, _hash(cookie_value))
    if row is None or aware(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def end(*, session: Session, cookie_value: str) -> None:
    if cookie_value and len(cookie_value) <= 200:
        session.exec(delete(StaffSession).where(col(StaffSession.id) == _hash(cookie_value)))


def end_all(*, session: Session, user_id: int | None) -> None:
    session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user_id))


def purge_expired(*, session: Session) -> int:
    result = session.exec(delete(StaffSession).where(col(StaffSession.expires_at) <= utcnow()))
    return result.rowcount


def aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands datetimes back without a zone; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
