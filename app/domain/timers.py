"""A countdown per stage, shown on the board and phones; it may close posting at zero.

No background job flips the stage at zero: the deadline is checked on every write instead, so
a restarted server or a lost wake-up can never leave posting open after time is up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.domain import stage_controls, workshops
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.live import event_types, events
from app.models import Stage, StageControl, Workshop, utcnow

MAX_SECONDS = 4 * 3600


def set_timer(
    *,
    session: Session,
    workshop: Workshop,
    stage_key: str,
    seconds: int | None,
    lock_at_zero: bool = False,
) -> StageControl:
    """Start a countdown of ``seconds`` from now, or stop it (``None``)."""
    if seconds is not None and not 1 <= seconds <= MAX_SECONDS:
        raise Invalid(N_("A timer runs between 1 second and 4 hours."))
    workshops.lock_open(session, workshop)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    control = stage_controls.control_of(session, stage)
    control.timer_ends_at = utcnow() + timedelta(seconds=seconds) if seconds else None
    control.timer_locks = bool(lock_at_zero and seconds)
    session.add(control)
    session.flush()
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.timer_changed(
            stage=stage.key, ends_at=iso(control.timer_ends_at), lock_at_zero=control.timer_locks
        ),
    )
    return control


def iso(value: datetime | None) -> str | None:
    """Whole seconds in UTC: every browser parses it, and a countdown needs no more."""
    return aware(value).replace(microsecond=0).isoformat() if value is not None else None


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def time_is_up(control: StageControl, now: datetime | None = None) -> bool:
    if control.timer_ends_at is None:
        return False
    return aware(now or utcnow()) >= aware(control.timer_ends_at)


def require_time_left(session: Session, stage: Stage) -> None:
    """Refuse a post once a locking timer reached zero."""
    refuse_when_time_is_up(session.get(StageControl, stage.id))


def refuse_when_time_is_up(control: StageControl | None) -> None:
    """The same check, for a caller that read the stage's controls already."""
    if control is not None:
        refuse_after_locking_countdown(control.timer_ends_at, locks=control.timer_locks)


def refuse_after_locking_countdown(ends_at: datetime | None, *, locks: bool) -> None:
    """The check itself, from the two columns it needs: a note's post reads them with its stage
    instead of loading the stage's controls."""
    if locks and ends_at is not None and aware(utcnow()) >= aware(ends_at):
        raise Conflict(N_("Time is up: posting in this stage has closed."))
