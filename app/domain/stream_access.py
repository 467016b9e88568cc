"""Who may keep watching: the credential behind an open event stream, checked again and again.

A stream is authorised when it opens, but access can end while it is open: the workshop
closes, a purge invalidates the participants' tokens, a co-facilitator is removed, an account
is disabled or its password reset. The hub asks ``still_valid`` about every open stream every
``FUSEN_STREAM_RECHECK_SECONDS`` and ends those whose grant no longer holds. It asks the
database, not a message, so a change made by another process (or the CLI) counts just the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.domain import staff_sessions, users
from app.models import CoFacilitator, Participant, StaffSession, User, Workshop, utcnow

PARTICIPANT = "participant"
STAFF_SESSION = "staff_session"
BEARER = "bearer"


@dataclass(frozen=True)
class Grant:
    """The credential a stream was opened with; ``key`` identifies the token itself."""

    kind: str
    key: str
    participant_id: str | None = None
    user_id: int | None = None
    token_version: int | None = None


def token_key(token: str) -> str:
    """A stable name for a token that is never the token itself (it ends up in memory maps)."""
    return hashlib.sha256(token.encode()).hexdigest()


def for_participant(participant: Participant) -> Grant:
    return Grant(kind=PARTICIPANT, key=participant.token_hash, participant_id=participant.id)


def for_staff_session(cookie_value: str, user: User) -> Grant:
    return Grant(kind=STAFF_SESSION, key=token_key(cookie_value), user_id=user.id)


def for_bearer(token: str, user: User) -> Grant:
    return Grant(
        kind=BEARER, key=token_key(token), user_id=user.id, token_version=user.token_version
    )


def still_valid(session: Session, workshop_id: int, grants: Collection[Grant]) -> set[Grant]:
    """The grants that still allow watching this workshop; a few queries for any number."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        return set()
    valid: set[Grant] = set()
    participant_ids = {g.participant_id for g in grants if g.kind == PARTICIPANT}
    if participant_ids and workshop.status != "closed":
        rows = session.exec(
            select(Participant.id, Participant.token_hash).where(
                col(Participant.id).in_(participant_ids), Participant.workshop_id == workshop_id
            )
        ).all()
        current = dict(rows)
        valid.update(
            g
            for g in grants
            if g.kind == PARTICIPANT and current.get(g.participant_id or "") == g.key
        )
    user_ids = {g.user_id for g in grants if g.user_id is not None}
    if user_ids:
        accounts = {
            u.id: u
            for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()
            if u.is_active
        }
        co_running = set(
            session.exec(
                select(CoFacilitator.user_id).where(
                    CoFacilitator.workshop_id == workshop_id,
                    col(CoFacilitator.user_id).in_(user_ids),
                )
            ).all()
        )
        session_keys = {g.key for g in grants if g.kind == STAFF_SESSION}
        now = utcnow()
        open_sessions = {
            key
            for key, expires_at in (
                session.exec(
                    select(StaffSession.id, StaffSession.expires_at).where(
                        col(StaffSession.id).in_(session_keys)
                    )
                ).all()
                if session_keys
                else ()
            )
            if staff_sessions.aware(expires_at) > now
        }
        for grant in grants:
            user = accounts.get(grant.user_id) if grant.user_id is not None else None
            if user is None:
                continue
            runs = users.runs_by_role_or_ownership(user, workshop) or user.id in co_running
            if not runs:
                continue
            if grant.kind == STAFF_SESSION and grant.key in open_sessions:
                valid.add(grant)
            elif grant.kind == BEARER and grant.token_version == user.token_version:
                valid.add(grant)
    return valid
