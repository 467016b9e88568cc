"""Dot voting: each participant has N dots per vote stage, at most M on one item.

A ``Vote`` row holds one participant's dots on one note or cluster of the source stage; zero
dots means no row. The event carries the item's new total so boards re-sort without counting.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from app.domain import clusters, selections, stage_controls, workshops
from app.domain.notes import Actor
from app.errors import Conflict, Forbidden, Invalid
from app.i18n import N_
from app.live import event_types, events
from app.models import Cluster, Group, Note, Stage, Vote, Workshop

MAX_DOTS = 20


@dataclass(frozen=True)
class Voted:
    dots: int
    total: int
    remaining: int


def configure(
    *,
    session: Session,
    workshop: Workshop,
    stage_key: str,
    dots_per_person: int,
    dots_per_item: int,
) -> Stage:
    """Set how many dots each participant has in a vote stage, and how many fit on one item."""
    if not 1 <= dots_per_person <= MAX_DOTS or not 1 <= dots_per_item <= MAX_DOTS:
        raise Invalid(N_("Dots must be between 1 and %(max)s."), max=MAX_DOTS)
    if dots_per_item > dots_per_person:
        raise Invalid(N_("Dots on one item cannot exceed the dots each person has."))
    workshops.lock_open(session, workshop)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    if stage.kind != "vote":
        raise Conflict(N_("Dots can only be set on a voting stage."))
    control = stage_controls.control_of(session, stage)
    control.dots_per_person = dots_per_person
    control.dots_per_item = dots_per_item
    session.add(control)
    session.flush()
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.stage_voting(
            stage=stage.key, dots_per_person=dots_per_person, dots_per_item=dots_per_item
        ),
    )
    return stage


def set_dots(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    stage_key: str,
    dots: int,
    note_id: str | None = None,
    cluster_id: int | None = None,
) -> Voted:
    """Put exactly ``dots`` of the participant's dots on one item (0 takes them back)."""
    participant = actor.participant
    if participant is None:
        raise Forbidden(N_("Only participants have dots to vote with."))
    if (note_id is None) == (cluster_id is None):
        raise Invalid(N_("Choose either a note or a cluster."))
    if dots < 0:
        raise Invalid(N_("Dots cannot be negative."))
    workshops.lock_open(session, workshop)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    if stage.kind != "vote":
        raise Conflict(N_("Votes can only be cast in a voting stage."))
    if stage.status != "open":
        raise Conflict(N_("Voting in “%(stage)s” is closed."), stage=stage.label)
    source = selections.source_of(session, stage)
    if stage_controls.peek(session, source).hidden or stage_controls.peek(session, stage).hidden:
        # A vote answers with the item's total: before the reveal that would leak other tables.
        raise Conflict(N_("Voting starts when the facilitator reveals the notes."))
    item: Note | Cluster
    if note_id is not None:
        item = clusters.live_note(session, workshop, note_id)
        if item.moderated_at is not None or item.duplicate_of:
            raise Conflict(N_("This note cannot be voted on."))
    else:
        item = clusters.live_cluster(session, workshop, cluster_id)
    if item.stage_id != source.id:
        raise Conflict(N_("Only items of “%(stage)s” can be voted on."), stage=source.label)
    if stage.scope == "group" and item.group_id != participant.group_id:
        raise Forbidden(N_("You can only vote on your own group's items."))
    control = stage_controls.peek(session, stage)
    if dots > control.dots_per_item:
        raise Conflict(N_("At most %(max)s dots fit on one item."), max=control.dots_per_item)
    mine = session.exec(
        select(Vote).where(Vote.stage_id == stage.id, Vote.participant_id == participant.id)
    ).all()
    row = next(
        (
            v
            for v in mine
            if (note_id is not None and v.note_id == item.id)
            or (cluster_id is not None and v.cluster_id == item.id)
        ),
        None,
    )
    used_elsewhere = sum(v.dots for v in mine if v is not row)
    if used_elsewhere + dots > control.dots_per_person:
        raise Conflict(
            N_("You have only %(left)s dots left."), left=control.dots_per_person - used_elsewhere
        )
    voted_note = item.id if isinstance(item, Note) else None
    voted_cluster = item.id if isinstance(item, Cluster) else None
    if row is None and dots:
        insert_vote(
            session,
            stage=stage,
            participant_id=participant.id,
            note_id=voted_note,
            cluster_id=voted_cluster,
            dots=dots,
        )
    elif row is not None and dots:
        row.dots = dots
        session.add(row)
    elif row is not None:
        session.delete(row)
    session.flush()
    total = announce_vote(
        session,
        stage=stage,
        group=workshops.group_row(session, item.group_id),
        participant_id=participant.id,
        note_id=voted_note,
        cluster_id=voted_cluster,
        dots=dots,
    )
    return Voted(dots=dots, total=total, remaining=control.dots_per_person - used_elsewhere - dots)


def insert_vote(
    session: Session,
    *,
    stage: Stage,
    participant_id: str,
    note_id: str | None,
    cluster_id: int | None,
    dots: int,
) -> Vote:
    """The one writer of new vote rows (the board and the archive import); not yet flushed."""
    row = Vote(
        workshop_id=stage.workshop_id,
        stage_id=stage.id,
        participant_id=participant_id,
        note_id=note_id,
        cluster_id=cluster_id,
        dots=dots,
    )
    session.add(row)
    return row


def announce_vote(
    session: Session,
    *,
    stage: Stage,
    group: Group,
    participant_id: str,
    note_id: str | None,
    cluster_id: int | None,
    dots: int,
) -> int:
    """Log a participant's dots on an item with the item's new total (flushed votes); the
    total goes back to the caller, who answers with it."""
    total = item_total(session, stage_id=stage.id, note_id=note_id, cluster_id=cluster_id)
    events.append(
        session,
        workshop_id=stage.workshop_id,
        event=event_types.vote_changed(
            stage=stage.key,
            group=group.name,
            note_id=note_id,
            cluster_id=cluster_id,
            total=total,
            participant_id=participant_id,
            dots=dots,
        ),
    )
    return total


def item_total(
    session: Session, *, stage_id: int, note_id: str | None, cluster_id: int | None
) -> int:
    statement = select(func.coalesce(func.sum(Vote.dots), 0)).where(Vote.stage_id == stage_id)
    if note_id is not None:
        statement = statement.where(Vote.note_id == note_id)
    else:
        statement = statement.where(Vote.cluster_id == cluster_id)
    return int(session.exec(statement).one())


def votes_of(session: Session, workshop_id: int) -> list[Vote]:
    statement = select(Vote).where(Vote.workshop_id == workshop_id).order_by(col(Vote.id))
    return list(session.exec(statement).all())


def totals(session: Session, workshop_id: int) -> dict[tuple[int, str | None, int | None], int]:
    """``(stage id, note id, cluster id)`` → dots, for every item with at least one dot."""
    out: dict[tuple[int, str | None, int | None], int] = {}
    for vote in votes_of(session, workshop_id):
        key = (vote.stage_id, vote.note_id, vote.cluster_id)
        out[key] = out.get(key, 0) + vote.dots
    return {key: value for key, value in out.items() if value}


def mine(session: Session, *, stage_id: int, participant_id: str) -> list[Vote]:
    statement = select(Vote).where(Vote.stage_id == stage_id, Vote.participant_id == participant_id)
    return list(session.exec(statement).all())
