"""The ②→③ funnel: a ``select`` stage picks notes and clusters of the stage it draws from.

A pick is a ``Selection`` row (select stage, group, and a note or a cluster). New items written
straight into the select stage are ordinary notes of that stage. What the report lists under
the select stage (both, in board order) is ``funnel_items``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.domain import clusters, organisers, stage_states, workshops
from app.domain.notes import Actor
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.live import event_types, events
from app.models import Cluster, Group, Note, Selection, Stage, Workshop


@dataclass(frozen=True)
class Picked:
    selected: bool
    changed: bool


def source_of(session: Session, stage: Stage) -> Stage:
    """The stage a select or vote stage draws its items from."""
    if not stage.draws_from:
        raise Conflict(N_("This stage does not draw from an earlier stage."))
    return workshops.stage_by_key(session, stage.workshop_id, stage.draws_from)


def set_selected(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    stage_key: str,
    selected: bool,
    note_id: str | None = None,
    cluster_id: int | None = None,
) -> Picked:
    """Mark or unmark one note or cluster of the source stage; marking twice changes nothing."""
    if (note_id is None) == (cluster_id is None):
        raise Invalid(N_("Choose either a note or a cluster."))
    workshops.lock_open(session, workshop)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    if stage.kind != "select":
        raise Conflict(N_("Items can only be picked in a selection stage."))
    source = source_of(session, stage)
    item: Note | Cluster
    if note_id is not None:
        item = clusters.live_note(session, workshop, note_id)
        if item.moderated_at is not None or item.duplicate_of:
            raise Conflict(N_("This note cannot be picked."))
    else:
        item = clusters.live_cluster(session, workshop, cluster_id)
    if item.stage_id != source.id:
        raise Conflict(N_("Only items of “%(stage)s” can be picked here."), stage=source.label)
    organisers.require_organiser(actor, item.group_id)
    stage_states.require_sortable(session, stage)
    statement = select(Selection).where(Selection.stage_id == stage.id)
    if note_id is not None:
        statement = statement.where(Selection.note_id == item.id)
    else:
        statement = statement.where(Selection.cluster_id == item.id)
    existing = session.exec(statement).first()
    if (existing is not None) == selected:
        return Picked(selected=selected, changed=False)
    group = workshops.group_row(session, item.group_id)
    picked_note = item.id if isinstance(item, Note) else None
    picked_cluster = item.id if isinstance(item, Cluster) else None
    if selected:
        insert_selection(
            session, stage=stage, group=group, note_id=picked_note, cluster_id=picked_cluster
        )
        return Picked(selected=True, changed=True)
    session.delete(existing)
    session.flush()
    _announce(session, stage=stage, group=group, note_id=picked_note, cluster_id=picked_cluster)
    return Picked(selected=False, changed=True)


def insert_selection(
    session: Session, *, stage: Stage, group: Group, note_id: str | None, cluster_id: int | None
) -> Selection:
    """The one writer of picks (the board and the archive import): the row and its event,
    whose seq orders the picks in the report."""
    row = Selection(
        workshop_id=stage.workshop_id,
        stage_id=stage.id,
        group_id=group.id,
        note_id=note_id,
        cluster_id=cluster_id,
    )
    session.add(row)
    session.flush()
    event = _announce(
        session, stage=stage, group=group, note_id=note_id, cluster_id=cluster_id, selected=True
    )
    row.created_seq = event.seq
    session.add(row)
    session.flush()
    return row


def _announce(
    session: Session,
    *,
    stage: Stage,
    group: Group,
    note_id: str | None,
    cluster_id: int | None,
    selected: bool = False,
) -> events.Appended:
    changed = event_types.selection_changed(
        stage=stage.key,
        group=group.name,
        note_id=note_id,
        cluster_id=cluster_id,
        selected=selected,
    )
    return events.append(session, workshop_id=stage.workshop_id, event=changed)


def selections_of(session: Session, workshop_id: int) -> Sequence[Selection]:
    statement = (
        select(Selection)
        .where(Selection.workshop_id == workshop_id)
        .order_by(col(Selection.created_seq))
    )
    return session.exec(statement).all()
