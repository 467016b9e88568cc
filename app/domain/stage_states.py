"""What a stage allows right now: posting and sorting, each with its own state.

Posting (``Stage.status``: pending → open ⇄ locked) and sorting (organising the notes into
clusters, moving, folding duplicates, picking) are separate: the KJ step — grouping what was
written — is what a table does *after* the writing time ends. A stage becomes sortable the moment
it is first opened and stays sortable, whether posting is locked or a later stage is open, until
the facilitator marks sorting done (``StageControl.sorting_done``).

A countdown that closes posting at zero changes ``Stage.status`` itself, so the board, the phones
and the API read one state. Two paths apply it, and either is enough: a background keeper that
wakes at every deadline (``app/live/deadline_keeper.py``), and the pages that read a workshop,
which apply an overdue deadline before they draw. Both take the workshop's row lock and re-check,
so applying twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from app.domain import stage_controls, timers, workshops
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.live import events
from app.models import Stage, StageControl, Workshop, utcnow

SORTING_NOT_STARTED = stage_controls.SORTING_NOT_STARTED
SORTING_OPEN = stage_controls.SORTING_OPEN
SORTING_DONE = stage_controls.SORTING_DONE
sorting_state = stage_controls.sorting_state


def can_sort(session: Session, stage: Stage) -> bool:
    return sorting_state(stage, session.get(StageControl, stage.id)) == SORTING_OPEN


def require_sortable(session: Session, stage: Stage) -> None:
    """Refuse organising a stage that was never opened or whose sorting the facilitator ended."""
    state = sorting_state(stage, session.get(StageControl, stage.id))
    if state == SORTING_NOT_STARTED:
        raise Conflict(
            N_("The stage “%(stage)s” has not started; its notes cannot be sorted yet."),
            stage=stage.label,
        )
    if state == SORTING_DONE:
        raise Conflict(
            N_("Sorting in “%(stage)s” is done; reopen sorting to change it."), stage=stage.label
        )


def set_sorting_done(
    *, session: Session, workshop: Workshop, stage_key: str, done: bool
) -> workshops.StageChanged:
    """Freeze the stage's clusters, moves and picks, or let organising resume."""
    events.lock_workshop(session, workshop.id)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    if stage.status == "pending":
        raise Invalid(N_("Open this stage before sorting it."))
    control = stage_controls.control_of(session, stage)
    control.sorting_done = done
    session.add(control)
    return workshops.announce_stages(session, workshop)


# --- a countdown that closes posting at zero ------------------------------------------------


def _due_controls(
    session: Session, now: datetime, workshop_id: int | None = None
) -> Sequence[StageControl]:
    statement = select(StageControl).where(
        col(StageControl.timer_locks).is_(True),
        col(StageControl.timer_ends_at).is_not(None),
        col(StageControl.timer_ends_at) <= now,
    )
    if workshop_id is not None:
        statement = statement.where(StageControl.workshop_id == workshop_id)
    return session.exec(statement).all()


def due_workshops(session: Session, now: datetime | None = None) -> list[int]:
    """Workshops with a locking countdown that reached zero and was not applied yet."""
    return sorted({c.workshop_id for c in _due_controls(session, now or utcnow())})


def has_due(session: Session, workshop_id: int, now: datetime | None = None) -> bool:
    return bool(_due_controls(session, now or utcnow(), workshop_id))


def next_deadline(session: Session) -> datetime | None:
    """The earliest pending locking countdown of any workshop."""
    statement = (
        select(StageControl.timer_ends_at)
        .where(
            col(StageControl.timer_locks).is_(True),
            col(StageControl.timer_ends_at).is_not(None),
        )
        .order_by(col(StageControl.timer_ends_at))
        .limit(1)
    )
    found = session.exec(statement).first()
    return timers.aware(found) if found is not None else None


def close_due_posting(
    *, session: Session, workshop_id: int, now: datetime | None = None
) -> Sequence[str]:
    """Lock posting in every stage whose locking countdown reached zero; return their keys.

    The countdown's lock is used up, so reopening posting afterwards stays open.
    """
    now = now or utcnow()
    workshop = events.lock_workshop(session, workshop_id)
    closed: list[str] = []
    for control in _due_controls(session, now, workshop_id):
        stage = session.get(Stage, control.stage_id)
        control.timer_locks = False
        session.add(control)
        if stage is not None and stage.status == "open":
            stage.status = "locked"
            session.add(stage)
            closed.append(stage.key)
    if closed:
        workshops.announce_stages(session, workshop, reason="timer")
    else:
        session.flush()
    return closed
