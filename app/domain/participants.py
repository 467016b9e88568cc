"""Joining a workshop without an account, and recognising a participant by their token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.domain import limits, workshops
from app.domain import text as text_domain
from app.errors import Invalid
from app.i18n import N_
from app.live import event_types, events
from app.models import Group, Participant, Workshop, utcnow

MAX_NAME = 60
MAX_ORGANIZATION = 100


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def join(
    *,
    session: Session,
    workshop: Workshop,
    group: str | int,
    name: str = "",
    organization: str = "",
) -> Joined:
    """Add a participant to a group; the token is returned once and only its hash is kept."""
    name = _clean(name)
    organization = _clean(organization)
    if len(name) > MAX_NAME:
        raise Invalid(N_("A name can be at most %(max)s characters."), max=MAX_NAME)
    if len(organization) > MAX_ORGANIZATION:
        raise Invalid(
            N_("An organisation can be at most %(max)s characters."), max=MAX_ORGANIZATION
        )
    workshops.lock_open(session, workshop)
    chosen = workshops.find_group(session, workshop.id, group)
    limits.require_room_to_join(session, workshop, chosen)
    token = secrets.token_urlsafe(32)
    participant = insert_participant(
        session, group=chosen, name=name, organization=organization, token_hash=hash_token(token)
    )
    session.flush()
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.participant_joined(
            group=chosen.name, participants=workshops.participant_count(session, workshop.id)
        ),
    )
    return Joined(participant=participant, token=token)


def insert_participant(
    session: Session,
    *,
    group: Group,
    name: str,
    organization: str,
    token_hash: str,
    role: str = "member",
    joined_at: datetime | None = None,
) -> Participant:
    """The one writer of participant rows (joining and the archive import); not yet flushed."""
    participant = Participant(
        workshop_id=group.workshop_id,
        group_id=group.id,
        name=name,
        organization=organization,
        role=role,
        token_hash=token_hash,
        created_at=joined_at or utcnow(),
    )
    session.add(participant)
    return participant


# Built once: each of a participant's requests runs them, and building the expression cost
# more than the lookup.
_BY_TOKEN = select(Participant).where(col(Participant.token_hash) == bindparam("token_hash"))
_WORKSHOP_WITH_HOLDER = (
    select(Workshop, Participant)
    .outerjoin(Participant, col(Participant.token_hash) == bindparam("token_hash"))
    .where(col(Workshop.id) == bindparam("workshop_id"))
)


def _usable(token: str | None) -> bool:
    return bool(token) and len(token or "") <= 200


def by_token(session: Session, token: str) -> Participant | None:
    if not _usable(token):
        return None
    return session.exec(_BY_TOKEN, params={"token_hash": hash_token(token)}).first()


def workshop_with_holder(
    session: Session, workshop_id: int, token: str
) -> tuple[Workshop, Participant | None]:
    """The workshop (or ``NotFound``, as ``workshops.get``) and the participant holding
    ``token`` in any workshop, read together: every write a participant makes starts here."""
    if not _usable(token) or not 0 < workshop_id <= workshops.MAX_ID:
        return workshops.get(session, workshop_id), None
    row = session.exec(
        _WORKSHOP_WITH_HOLDER,
        params={"workshop_id": workshop_id, "token_hash": hash_token(token)},
    ).first()
    if row is None:
        return workshops.get(session, workshop_id), None
    return row[0], row[1]


def _clean(value: str | None) -> str:
    return " ".join(text_domain.plain(value).split())
