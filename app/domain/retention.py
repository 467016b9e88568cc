"""Closing workshops and purging their participant data on time, keeping anonymous counts.

Purging anonymises instead of deleting: participant rows lose their name, organisation and
token, notes and cluster titles lose their text, events lose their payload. The rows stay, so
the numbers the series statistics need (participants, notes per group and stage) are still
counted from them, and nothing that refers to a participant or a note breaks.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select, update

from app.domain import records, search_index
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.live import event_types, events
from app.live.event_types import WORKSHOP_CLOSED as WORKSHOP_CLOSED
from app.models import (
    Cluster,
    Event,
    Group,
    Note,
    Participant,
    Stage,
    Workshop,
    WorkshopRetention,
    utcnow,
)

MAX_DAYS = 3650
PURGED_PAYLOAD = '{"purged":true}'

# Feature areas that keep more personal text (questions, comments, feedback…) add a step here:
# ``step(session, workshop_id)`` runs inside the purge's transaction.
PURGE_STEPS: list[Callable[[Session, int], None]] = []


@dataclass(frozen=True)
class Counts:
    """What survives a purge: enough for series statistics, nothing about anyone."""

    participants: int
    notes: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def total_notes(self) -> int:
        return sum(self.notes.values())


@dataclass(frozen=True)
class Retention:
    closed_at: dt.datetime | None
    days: int
    uses_default: bool
    purge_due: dt.datetime | None
    purged_at: dt.datetime | None


def _row(session: Session, workshop_id: int) -> WorkshopRetention:
    row = session.get(WorkshopRetention, workshop_id)
    if row is None:
        row = WorkshopRetention(workshop_id=workshop_id)
    return row


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def closed_at(session: Session, workshop: Workshop) -> dt.datetime | None:
    """When it closed: recorded by ``close_workshop``, else the time of its last event."""
    if workshop.status != "closed":
        return None
    row = session.get(WorkshopRetention, workshop.id)
    if row is not None and row.closed_at is not None:
        return _aware(row.closed_at)
    last = session.exec(
        select(func.max(Event.created_at)).where(Event.workshop_id == workshop.id)
    ).one()
    return _aware(last or workshop.created_at)


def info(session: Session, workshop: Workshop, *, default_days: int) -> Retention:
    row = session.get(WorkshopRetention, workshop.id)
    days = row.retention_days if row and row.retention_days is not None else default_days
    closed = closed_at(session, workshop)
    return Retention(
        closed_at=closed,
        days=days,
        uses_default=row is None or row.retention_days is None,
        purge_due=closed + dt.timedelta(days=days) if closed else None,
        purged_at=_aware(row.purged_at) if row else None,
    )


def close_workshop(*, session: Session, workshop: Workshop) -> Workshop:
    """Close: the join code stops working and the retention clock starts."""
    events.lock_workshop(session, workshop.id)
    if workshop.status == "closed":
        raise Conflict(N_("This workshop is already closed."))
    workshop.status = "closed"
    session.add(workshop)
    row = _row(session, workshop.id)
    row.closed_at = utcnow()
    session.add(row)
    session.flush()
    events.append(session, workshop_id=workshop.id, event=event_types.workshop_closed())
    return workshop


def set_days(*, session: Session, workshop: Workshop, days: int | None) -> WorkshopRetention:
    """Keep this workshop's participant data ``days`` after closing; None means the default."""
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise Invalid(N_("Keep data between 1 and %(max)s days."), max=MAX_DAYS)
    row = _row(session, workshop.id)
    row.retention_days = days
    session.add(row)
    session.flush()
    return row


def counts(session: Session, workshop_id: int) -> Counts:
    participants = session.exec(
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
    ).one()
    rows = session.exec(
        select(Group.name, Stage.key)
        .select_from(Note)
        .join(Group, col(Group.id) == col(Note.group_id))
        .join(Stage, col(Stage.id) == col(Note.stage_id))
        .where(Note.workshop_id == workshop_id, col(Note.deleted_at).is_(None))
    ).all()
    return Counts(participants=participants, notes=dict(Counter((g, s) for g, s in rows)))


def purge_workshop(*, session: Session, workshop: Workshop) -> Counts:
    """Remove every participant's personal data from a closed workshop; return what is kept."""
    events.lock_workshop(session, workshop.id)
    if workshop.status != "closed":
        raise Conflict(N_("Close the workshop before purging its data."))
    for participant in session.exec(
        select(Participant).where(Participant.workshop_id == workshop.id)
    ).all():
        participant.name = ""
        participant.organization = ""
        # A random value no token hashes to: the old phone cookie stops working.
        participant.token_hash = secrets.token_hex(32)
        session.add(participant)
    session.exec(
        update(Note)
        .where(col(Note.workshop_id) == workshop.id)
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    session.exec(
        update(Event)
        .where(col(Event.workshop_id) == workshop.id)
        .values(payload=PURGED_PAYLOAD)
        .execution_options(synchronize_session=False)
    )
    # A recorder may have written a person's name into a cluster's title.
    session.exec(
        update(Cluster)
        .where(col(Cluster.workshop_id) == workshop.id)
        .values(title="")
        .execution_options(synchronize_session=False)
    )
    records.purge_personal_data(session, workshop.id)
    search_index.forget_workshop(session.connection(), workshop.id)
    for step in PURGE_STEPS:
        step(session, workshop.id)
    row = _row(session, workshop.id)
    row.purged_at = utcnow()
    session.add(row)
    session.flush()
    session.expire_all()
    return counts(session, workshop.id)


def due_for_purge(
    session: Session, *, default_days: int, now: dt.datetime | None = None
) -> list[Workshop]:
    """Closed workshops whose time is up and whose data is still there."""
    now = now or utcnow()
    closed = session.exec(select(Workshop).where(Workshop.status == "closed")).all()
    due = []
    for workshop in closed:
        state = info(session, workshop, default_days=default_days)
        if state.purged_at is None and state.purge_due is not None and state.purge_due <= now:
            due.append(workshop)
    return due
