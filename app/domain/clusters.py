"""Clusters of notes (KJ法): create, title, reorder, dissolve, merge; move a note; fold duplicates.

Every function locks the workshop, checks who acts and that the stage is still open, writes as
few rows as the change needs and appends one event whose payload lets a subscriber replay it.
The server decides the result of a drag: a stale ``after`` (its note moved meanwhile) still
lands the item somewhere sensible, and the last writer in ``seq`` order wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, Literal

from sqlmodel import Session, col, delete, select

from app.domain import limits, organisers, positions, stage_states, workshops
from app.domain.notes import Actor
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.live import event_types, events
from app.models import Cluster, Group, Note, Selection, Stage, Vote, Workshop, utcnow

MAX_TITLE = 200
MAX_NOTES_AT_ONCE = 50


def placement(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "cluster_id": note.cluster_id,
        "position": note.position,
        "duplicate_of": note.duplicate_of,
    }


def cluster_json(cluster: Cluster, *, stage: Stage, group: Group) -> dict[str, Any]:
    return {
        "id": cluster.id,
        "stage": stage.key,
        "group": group.name,
        "title": cluster.title,
        "position": cluster.position,
    }


def clean_title(raw: str | None) -> str:
    title = " ".join((raw or "").split())
    if len(title) > MAX_TITLE:
        raise Invalid(N_("A cluster title can be at most %(max)s characters."), max=MAX_TITLE)
    return title


def live_clusters(
    session: Session, *, workshop_id: int, stage_id: int | None = None, group_id: int | None = None
) -> list[Cluster]:
    statement = select(Cluster).where(
        Cluster.workshop_id == workshop_id, col(Cluster.deleted_at).is_(None)
    )
    if stage_id is not None:
        statement = statement.where(Cluster.stage_id == stage_id)
    if group_id is not None:
        statement = statement.where(Cluster.group_id == group_id)
    return sorted(session.exec(statement).all(), key=lambda c: (c.position, c.created_seq))


def create_cluster(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    stage_key: str,
    group: str | int,
    title: str = "",
    note_ids: Sequence[str] = (),
) -> Cluster:
    """Start a cluster, optionally with notes in it (a note dropped onto another makes two)."""
    title = clean_title(title)
    if len(note_ids) > MAX_NOTES_AT_ONCE:
        raise Invalid(N_("Too many notes at once."))
    workshops.lock_open(session, workshop)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    target_group = workshops.find_group(session, workshop.id, group)
    organisers.require_organiser(actor, target_group.id)
    stage_states.require_sortable(session, stage)
    notes = [live_note(session, workshop, note_id) for note_id in dict.fromkeys(note_ids)]
    for note in notes:
        _require_same_place(note, stage_id=stage.id, group_id=target_group.id)
    existing = live_clusters(
        session, workshop_id=workshop.id, stage_id=stage.id, group_id=target_group.id
    )
    limits.require_room_for_cluster(len(existing))
    cluster = insert_cluster(
        session,
        stage=stage,
        group=target_group,
        title=title,
        position=positions.after([c.position for c in existing]),
    )
    keys = positions.spread(len(notes))
    for note, key in zip(notes, keys, strict=True):
        _place(session, note, cluster_id=cluster.id, position=key)
    announce_cluster(session, cluster=cluster, stage=stage, group=target_group, notes=notes)
    return cluster


def insert_cluster(
    session: Session, *, stage: Stage, group: Group, title: str, position: str
) -> Cluster:
    """The one writer of cluster rows, for the board and the archive import alike."""
    cluster = Cluster(
        workshop_id=stage.workshop_id,
        stage_id=stage.id,
        group_id=group.id,
        title=title,
        position=position,
    )
    session.add(cluster)
    session.flush()
    return cluster


def announce_cluster(
    session: Session, *, cluster: Cluster, stage: Stage, group: Group, notes: Sequence[Note]
) -> None:
    """Log a new cluster with the notes placed in it; its event's seq orders it on the board."""
    event = events.append(
        session,
        workshop_id=cluster.workshop_id,
        event=event_types.cluster_created(
            stage=stage.key,
            group=group.name,
            cluster=cluster_json(cluster, stage=stage, group=group),
            notes=[placement(note) for note in notes],
        ),
    )
    cluster.created_seq = event.seq
    session.add(cluster)
    session.flush()


class _Unchanged(Enum):
    """Marks ``after`` as not given: ``None`` already means "to the front"."""

    KEEP = "keep"


_KEEP = _Unchanged.KEEP


def update_cluster(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    cluster_id: int,
    title: str | None = None,
    after: int | None | Literal[_Unchanged.KEEP] = _KEEP,
) -> Cluster:
    """Retitle a cluster and/or move it after another cluster (``after=None``: to the front)."""
    workshops.lock_open(session, workshop)
    cluster, stage, group = _cluster_in_place(session, workshop, actor, cluster_id)
    if title is not None:
        cluster.title = clean_title(title)
    if after is not _KEEP:
        siblings = [
            c
            for c in live_clusters(
                session, workshop_id=workshop.id, stage_id=stage.id, group_id=group.id
            )
            if c.id != cluster.id
        ]
        index = next((i for i, c in enumerate(siblings) if c.id == after), None)
        cluster.position = _key_after([c.position for c in siblings], index, after is None)
    session.add(cluster)
    session.flush()
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.cluster_updated(
            stage=stage.key,
            group=group.name,
            cluster=cluster_json(cluster, stage=stage, group=group),
        ),
    )
    return cluster


def dissolve_cluster(
    *, session: Session, workshop: Workshop, actor: Actor, cluster_id: int
) -> list[Note]:
    """Remove a cluster; its notes become loose again, nothing is lost."""
    workshops.lock_open(session, workshop)
    cluster, stage, group = _cluster_in_place(session, workshop, actor, cluster_id)
    moved = _notes_in(session, cluster.id)
    for note in moved:
        _place(session, note, cluster_id=None, position="")
    _retire(session, cluster)
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.cluster_dissolved(
            stage=stage.key,
            group=group.name,
            cluster_id=cluster.id,
            notes=[placement(note) for note in moved],
        ),
    )
    return moved


def merge_clusters(
    *, session: Session, workshop: Workshop, actor: Actor, cluster_id: int, into_id: int
) -> Cluster:
    """Put every note of ``cluster_id`` at the end of ``into_id`` and remove the first."""
    if cluster_id == into_id:
        raise Invalid(N_("A cluster cannot be merged into itself."))
    workshops.lock_open(session, workshop)
    source, stage, group = _cluster_in_place(session, workshop, actor, cluster_id)
    target, _, _ = _cluster_in_place(session, workshop, actor, into_id)
    if target.stage_id != source.stage_id or target.group_id != source.group_id:
        raise Conflict(N_("Only clusters of the same group and stage can be merged."))
    present = [note.position for note in _notes_in(session, target.id)]
    moved = _notes_in(session, source.id)
    key = max(present) if present else None
    for note in moved:
        key = positions.between(key, None)
        _place(session, note, cluster_id=target.id, position=key)
    _retire(session, source)
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.cluster_merged(
            stage=stage.key,
            group=group.name,
            cluster_id=source.id,
            into=cluster_json(target, stage=stage, group=group),
            notes=[placement(note) for note in moved],
        ),
    )
    return target


def move_note(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    note_id: str,
    cluster_id: int | None,
    after: str | None = None,
    first: bool = False,
) -> Note:
    """Put a note into a cluster (first, after the note ``after``, else last) or loose again.

    Loose notes keep the order they were posted in, so only a note inside a cluster has a key.
    """
    workshops.lock_open(session, workshop)
    note = live_note(session, workshop, note_id)
    stage = workshops.stage_row(session, note.stage_id)
    group = workshops.group_row(session, note.group_id)
    organisers.require_organiser(actor, note.group_id)
    stage_states.require_sortable(session, stage)
    if cluster_id is None:
        _place(session, note, cluster_id=None, position="")
    else:
        cluster = live_cluster(session, workshop, cluster_id)
        if cluster.group_id != note.group_id:
            raise Conflict(N_("This cluster belongs to another group."))
        if cluster.stage_id != note.stage_id:
            raise Conflict(N_("This cluster belongs to another stage."))
        siblings = [n for n in _notes_in(session, cluster.id) if n.id != note.id]
        index = next((i for i, n in enumerate(siblings) if n.id == after), None)
        key = _key_after([n.position for n in siblings], index, first)
        _place(session, note, cluster_id=cluster.id, position=key)
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.note_moved(stage=stage.key, group=group.name, notes=[placement(note)]),
    )
    return note


def mark_duplicate(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    note_id: str,
    duplicate_of: str | None,
) -> Note:
    """Fold a note under the note it repeats (it stays in the data), or unfold it (``None``)."""
    workshops.lock_open(session, workshop)
    note = live_note(session, workshop, note_id)
    stage = workshops.stage_row(session, note.stage_id)
    group = workshops.group_row(session, note.group_id)
    organisers.require_organiser(actor, note.group_id)
    stage_states.require_sortable(session, stage)
    changed = [note]
    if duplicate_of in (None, ""):
        note.duplicate_of = None
        _place(session, note, cluster_id=None, position="")
        root_id = None
    else:
        original = live_note(session, workshop, duplicate_of)
        _require_same_place(original, stage_id=note.stage_id, group_id=note.group_id)
        root = original
        if original.duplicate_of:
            root = session.get(Note, original.duplicate_of) or original
        if root.id == note.id:
            raise Conflict(N_("A note cannot be a duplicate of itself."))
        root_id = root.id
        folded = session.exec(select(Note).where(Note.duplicate_of == note.id)).all()
        for child in folded:
            child.duplicate_of = root_id
            session.add(child)
            changed.append(child)
        note.duplicate_of = root_id
        note.cluster_id = None
        note.position = ""
        session.add(note)
    note.updated_at = utcnow()
    session.add(note)
    session.flush()
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.note_duplicate(
            stage=stage.key,
            group=group.name,
            note_id=note.id,
            duplicate_of=root_id,
            notes=[placement(n) for n in changed],
        ),
    )
    return note


def _key_after(keys: list[str], index: int | None, at_front: bool) -> str:
    """The key after ``keys[index]``; first when ``at_front``; last when ``index`` went stale."""
    if at_front:
        return positions.between(None, keys[0] if keys else None)
    if index is None:
        return positions.between(keys[-1] if keys else None, None)
    high = keys[index + 1] if index + 1 < len(keys) else None
    return positions.between(keys[index], high)


def _place(session: Session, note: Note, *, cluster_id: int | None, position: str) -> None:
    note.cluster_id = cluster_id
    note.position = position
    # A folded duplicate that is dragged somewhere is unfolded: it stands on its own again.
    note.duplicate_of = None
    note.updated_at = utcnow()
    session.add(note)
    session.flush()


def _retire(session: Session, cluster: Cluster) -> None:
    """Soft-delete a cluster; picks and dots on it go, as the cluster is no longer an item."""
    cluster.deleted_at = utcnow()
    session.add(cluster)
    session.exec(delete(Selection).where(col(Selection.cluster_id) == cluster.id))
    session.exec(delete(Vote).where(col(Vote.cluster_id) == cluster.id))
    session.flush()


def _notes_in(session: Session, cluster_id: int) -> list[Note]:
    statement = select(Note).where(Note.cluster_id == cluster_id, col(Note.deleted_at).is_(None))
    return sorted(session.exec(statement).all(), key=lambda n: (n.position, n.created_seq))


def live_note(session: Session, workshop: Workshop, note_id: str | None) -> Note:
    note = session.get(Note, str(note_id or ""))
    if note is None or note.workshop_id != workshop.id or note.deleted_at is not None:
        raise NotFound(N_("No such note."))
    return note


def live_cluster(session: Session, workshop: Workshop, cluster_id: int | None) -> Cluster:
    cluster = session.get(Cluster, cluster_id) if isinstance(cluster_id, int) else None
    if cluster is None or cluster.workshop_id != workshop.id or cluster.deleted_at is not None:
        raise NotFound(N_("No such cluster."))
    return cluster


def _cluster_in_place(
    session: Session, workshop: Workshop, actor: Actor, cluster_id: int
) -> tuple[Cluster, Stage, Group]:
    cluster = live_cluster(session, workshop, cluster_id)
    organisers.require_organiser(actor, cluster.group_id)
    stage = workshops.stage_row(session, cluster.stage_id)
    stage_states.require_sortable(session, stage)
    return cluster, stage, workshops.group_row(session, cluster.group_id)


def _require_same_place(note: Note, *, stage_id: int, group_id: int) -> None:
    if note.group_id != group_id:
        raise Conflict(N_("This note belongs to another group."))
    if note.stage_id != stage_id:
        raise Conflict(N_("This note belongs to another stage."))
