"""Caps that keep every page of a workshop bounded, whoever joins and however fast they post.

The rate limits slow one participant down; these hold however many join. A workshop takes at
most ``max_participants`` participants and ``max_notes`` live notes (site defaults
``FUSEN_MAX_PARTICIPANTS``/``FUSEN_MAX_NOTES``, or the numbers an admin set for this one). A
group's column, a stage's plenary wall and the board's member lists have fixed caps of their own,
because their pages render every item.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, ScalarSelect
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from app.errors import Conflict, Invalid
from app.i18n import N_
from app.models import Group, NoteTally, Participant, Workshop, WorkshopLimits
from app.settings import get_settings

MAX_PER_GROUP = 500
MAX_NOTES_PER_GROUP_STAGE = 500
MAX_NOTES_PER_STAGE = 2000
MAX_CLUSTERS_PER_GROUP_STAGE = 100
HIGHEST = 100_000


@dataclass(frozen=True)
class Caps:
    max_participants: int
    max_notes: int
    uses_default: bool


def caps_of(session: Session, workshop_id: int) -> Caps:
    settings = get_settings()
    row = session.get(WorkshopLimits, workshop_id)
    participants = row.max_participants if row else None
    notes = row.max_notes if row else None
    return Caps(
        max_participants=participants if participants is not None else settings.max_participants,
        max_notes=notes if notes is not None else settings.max_notes,
        uses_default=participants is None and notes is None,
    )


def set_caps(
    *, session: Session, workshop: Workshop, max_participants: int | None, max_notes: int | None
) -> Caps:
    """Set this workshop's caps; None returns to the site default."""
    for value in (max_participants, max_notes):
        if value is not None and not 1 <= value <= HIGHEST:
            raise Invalid(N_("A limit is a number between 1 and %(max)s."), max=HIGHEST)
    row = session.get(WorkshopLimits, workshop.id) or WorkshopLimits(workshop_id=workshop.id)
    row.max_participants = max_participants
    row.max_notes = max_notes
    session.add(row)
    session.flush()
    return caps_of(session, workshop.id)


def _count(session: Session, statement: SelectOfScalar[int]) -> int:
    return session.exec(statement).one()


def require_room_to_join(session: Session, workshop: Workshop, group: Group) -> None:
    """Called under the workshop's row lock, so two joins cannot both take the last place."""
    caps = caps_of(session, workshop.id)
    joined = _count(
        session,
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop.id),
    )
    if joined >= caps.max_participants:
        raise Conflict(
            N_("This workshop is full (%(max)s participants). Ask the facilitator."),
            max=caps.max_participants,
        )
    in_group = _count(
        session,
        select(func.count()).select_from(Participant).where(Participant.group_id == group.id),
    )
    if in_group >= MAX_PER_GROUP:
        raise Conflict(
            N_("The group “%(group)s” is full (%(max)s people). Choose another group."),
            group=group.name,
            max=MAX_PER_GROUP,
        )


# An id as a value, a bound parameter or the column of an enclosing statement.
IntValue = int | ColumnElement[int] | Mapped[int]


@dataclass(frozen=True)
class NoteCounts:
    """What the caps on a new note compare against, read under the workshop's lock."""

    in_workshop: int
    in_stage: int
    in_column: int
    own_cap: int | None


def note_count_columns(
    workshop_id: IntValue,
    stage_id: IntValue,
    group_id: IntValue,
) -> tuple[ScalarSelect[int], ScalarSelect[int], ScalarSelect[int], ScalarSelect[int | None]]:
    """The ``NoteCounts`` as columns, in its order: a caller on the hot path reads them in the
    statement that reads the stage and the group (ids may be their columns or bound values).

    Sums of ``note_tally`` rows (one per group and stage, kept by triggers), not counts of
    notes: the read costs the same however full the board is.
    """

    def live(*where: ColumnElement[bool]) -> ScalarSelect[int]:
        return (
            select(func.coalesce(func.sum(NoteTally.live), 0))
            .where(col(NoteTally.workshop_id) == workshop_id, *where)
            .scalar_subquery()
        )

    own_cap = (
        select(WorkshopLimits.max_notes)
        .where(col(WorkshopLimits.workshop_id) == workshop_id)
        .scalar_subquery()
    )
    return (
        live(),
        live(col(NoteTally.stage_id) == stage_id),
        live(col(NoteTally.stage_id) == stage_id, col(NoteTally.group_id) == group_id),
        own_cap,
    )


def note_counts(session: Session, workshop_id: int, stage_id: int, group_id: int) -> NoteCounts:
    """The counts a new note's caps compare, in one statement; read under the workshop's lock.

    The hot path of a post reads the same columns inside its placing read instead.
    """
    columns = note_count_columns(workshop_id, stage_id, group_id)
    in_workshop, in_stage, in_column, own_cap = session.exec(select(*columns)).one()
    return NoteCounts(in_workshop, in_stage, in_column, own_cap)


def require_room(counts: NoteCounts) -> None:
    """The caps a new note must fit in, checked against counts read under the lock."""
    max_notes = counts.own_cap if counts.own_cap is not None else get_settings().max_notes
    if counts.in_workshop >= max_notes:
        raise Conflict(N_("This workshop holds as many notes as it can (%(max)s)."), max=max_notes)
    if counts.in_stage >= MAX_NOTES_PER_STAGE:
        raise Conflict(
            N_("This stage holds as many notes as it can (%(max)s)."), max=MAX_NOTES_PER_STAGE
        )
    if counts.in_column >= MAX_NOTES_PER_GROUP_STAGE:
        raise Conflict(
            N_("Your group has as many notes in this stage as it can hold (%(max)s)."),
            max=MAX_NOTES_PER_GROUP_STAGE,
        )


def require_room_for_cluster(existing: int) -> None:
    """``existing``: the live clusters of the group in the stage, already read by the caller."""
    if existing >= MAX_CLUSTERS_PER_GROUP_STAGE:
        raise Conflict(
            N_("A group can make at most %(max)s clusters in a stage."),
            max=MAX_CLUSTERS_PER_GROUP_STAGE,
        )
