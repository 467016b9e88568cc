"""The ②→③ funnel: a ``select`` stage picks notes and clusters of the stage it draws from.

A pick is a ``Selection`` row (select stage, group, and a note or a cluster). New items written
straight into the select stage are ordinary notes of that stage. What the report lists under
the select stage is both: the picks in board order, then the new notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.domain import clusters, organisers, stage_states, workshops
from app.domain import notes as notes_domain
from app.domain.notes import Actor
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.live import events
from app.live import sorting_events as kinds
from app.models import Group, Note, Selection, Stage, Workshop


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
    if note_id is not None:
        item = clusters._live_note(session, workshop, note_id)
        if item.moderated_at is not None or item.duplicate_of:
            raise Conflict(N_("This note cannot be picked."))
    else:
        item = clusters._live_cluster(session, workshop, cluster_id)
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
    if selected:
        row = Selection(
            workshop_id=workshop.id,
            stage_id=stage.id,
            group_id=item.group_id,
            note_id=item.id if note_id is not None else None,
            cluster_id=item.id if cluster_id is not None else None,
        )
        session.add(row)
        session.flush()
    else:
        session.delete(existing)
        session.flush()
    group = session.get(Group, item.group_id)
    event = events.append(
        session,
        workshop_id=workshop.id,
        type=kinds.SELECTION_CHANGED,
        payload={
            "stage": stage.key,
            "group": group.name,
            "note_id": item.id if note_id is not None else None,
            "cluster_id": item.id if cluster_id is not None else None,
            "selected": selected,
        },
    )
    if selected:
        row.created_seq = event.seq
        session.add(row)
        session.flush()
    return Picked(selected=selected, changed=True)


def selections_of(session: Session, workshop_id: int) -> Sequence[Selection]:
    statement = (
        select(Selection)
        .where(Selection.workshop_id == workshop_id)
        .order_by(col(Selection.created_seq))
    )
    return session.exec(statement).all()


def report_items(session: Session, *, stage: Stage, group_id: int) -> list[tuple[str, Note | None]]:
    """List a select stage for one group: the picks in board order, then the new notes.

    A picked cluster is listed by its title (or its notes' texts when untitled), without a note.
    """
    from app.domain import layouts

    items: list[tuple[str, Note | None]] = []
    if stage.draws_from:
        source = workshops.stage_by_key(session, stage.workshop_id, stage.draws_from)
        picked = session.exec(
            select(Selection).where(Selection.stage_id == stage.id, Selection.group_id == group_id)
        ).all()
        picked_notes = {row.note_id for row in picked if row.note_id}
        picked_clusters = {row.cluster_id for row in picked if row.cluster_id}
        layout = layouts.group_layout(session, stage=source, group_id=group_id)
        for pile in layout.clusters:
            if pile.cluster.id in picked_clusters:
                title = pile.cluster.title or "、".join(i.note.text for i in pile.items)
                items.append((title, None))
            items.extend((i.note.text, i.note) for i in pile.items if i.note.id in picked_notes)
        items.extend((i.note.text, i.note) for i in layout.loose if i.note.id in picked_notes)
    own = notes_domain.live_notes(
        session, workshop_id=stage.workshop_id, stage_id=stage.id, group_id=group_id
    )
    items.extend((note.text, note) for note in own if _reportable(note))
    return items


def _reportable(note: Note) -> bool:
    return note.moderated_at is None and not note.duplicate_of
