"""The per-workshop event log: gapless ``seq``, written in the same transaction as the change."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, update
from sqlmodel import Session, col, select

from app.live.event_types import NOTE_CREATED as NOTE_CREATED
from app.live.event_types import NOTE_DELETED as NOTE_DELETED
from app.live.event_types import NOTE_UPDATED as NOTE_UPDATED
from app.live.event_types import PARTICIPANT_JOINED as PARTICIPANT_JOINED
from app.live.event_types import RESET as RESET
from app.live.event_types import STAGE_CHANGED as STAGE_CHANGED
from app.live.event_types import NewEvent
from app.models import Event, Workshop, utcnow

# The type names above are re-exported for the stream and the board, which read them from here;
# they are defined in ``event_types`` with the rest.
PENDING_KEY = "fusen_pending_events"

EVENT_INSERT = Event.__table__.insert()  # type: ignore[attr-defined]

_WORKSHOP: Table = Workshop.__table__  # type: ignore[attr-defined]
# Built once: every write of every workshop runs it, and building (and cache-keying) the
# expression cost more than the statement itself.
_RESERVE_SEQ = (
    update(_WORKSHOP)
    .where(_WORKSHOP.c.id == bindparam("workshop_id"))
    .values(last_seq=_WORKSHOP.c.last_seq + 1)
    .returning(_WORKSHOP.c.last_seq, _WORKSHOP.c.status)
)


@dataclass(frozen=True)
class Wakeup:
    """What crosses the bus: only which workshop moved and how far; the database holds the rest."""

    workshop_id: int
    seq: int


def lock_workshop(session: Session, workshop_id: int) -> Workshop:
    """Take the workshop's row lock first, so that checks and the event that follows agree."""
    statement = select(Workshop).where(Workshop.id == workshop_id).with_for_update()
    return session.exec(statement).one()


@dataclass(frozen=True)
class Appended:
    """The event just written: its seq orders whatever the change created."""

    workshop_id: int
    seq: int
    type: str


class Reserved(NamedTuple):
    """A seq taken under the workshop row lock, with the workshop's status as of that lock."""

    seq: int
    status: str


def reserve_seq(session: Session, workshop_id: int) -> Reserved:
    """Take the workshop row lock and the next seq in one statement, before any check.

    A Core statement run on the session's connection: the same transaction, without the
    ORM's per-statement work.

    A write that reserves first needs no separate lock: the UPDATE holds the row until commit
    (PostgreSQL), and SQLite write transactions already hold the database (BEGIN IMMEDIATE).
    A refused write rolls back, and its seq with it.
    """
    row = session.connection().execute(_RESERVE_SEQ, {"workshop_id": workshop_id}).one()
    return Reserved(seq=row.last_seq, status=row.status)


def append(
    session: Session,
    *,
    workshop_id: int,
    event: NewEvent,
    seq: int | None = None,
) -> Appended:
    """Append one event; its seq comes from under the workshop row lock: order = commit order.

    ``event`` comes from a builder in ``event_types``: one shape per type, wherever it is written.

    ``seq`` is one already taken with ``reserve_seq`` in this transaction. The row goes in with
    a plain INSERT on the session's connection: nothing reads the event back through the
    session, and the ORM's execution path cost more than the INSERT. The wake-up is still
    recorded on the session, whose after-commit hook hands it to the bus.
    """
    if seq is None:
        seq = reserve_seq(session, workshop_id).seq
    session.connection().execute(
        EVENT_INSERT,
        {
            "workshop_id": workshop_id,
            "seq": seq,
            "type": event.type,
            "payload": _encode(event.payload),
            "created_at": utcnow(),
        },
    )
    session.info.setdefault(PENDING_KEY, []).append(Wakeup(workshop_id, seq))
    return Appended(workshop_id, seq, event.type)


def _encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def append_many(session: Session, *, workshop_id: int, entries: Sequence[NewEvent]) -> list[Event]:
    """Append several events in order with one seq allocation and one insert (imports).

    The same builders make the entries as for ``append``; only the round trips are fewer.
    """
    if not entries:
        return []
    statement = (
        update(Workshop)
        .where(col(Workshop.id) == workshop_id)
        .values(last_seq=col(Workshop.last_seq) + len(entries))
        .returning(col(Workshop.last_seq))
        .execution_options(synchronize_session=False)
    )
    last: int = session.execute(statement).scalar_one()
    first = last - len(entries) + 1
    logged = [
        Event(
            workshop_id=workshop_id,
            seq=first + i,
            type=entry.type,
            payload=_encode(entry.payload),
        )
        for i, entry in enumerate(entries)
    ]
    session.add_all(logged)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append(Wakeup(workshop_id, last))
    return logged


def take_pending(session: Session) -> list[Wakeup]:
    """Hand over the wake-ups of a committed transaction, newest per workshop."""
    pending: list[Wakeup] = session.info.pop(PENDING_KEY, [])
    newest: dict[int, int] = {}
    for wakeup in pending:
        newest[wakeup.workshop_id] = max(newest.get(wakeup.workshop_id, 0), wakeup.seq)
    return [Wakeup(workshop_id, seq) for workshop_id, seq in newest.items()]


def discard_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def read_after(session: Session, *, workshop_id: int, after: int, limit: int) -> Sequence[Event]:
    statement = (
        select(Event)
        .where(Event.workshop_id == workshop_id, Event.seq > after)
        .order_by(col(Event.seq))
        .limit(limit)
    )
    return session.exec(statement).all()


def last_seq(session: Session, workshop_id: int) -> int:
    statement = select(Workshop.last_seq).where(Workshop.id == workshop_id)
    return session.exec(statement).one()


def payload_of(event: Event) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(event.payload)
    return payload
