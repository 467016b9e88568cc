"""Read model of live sorting: how one group's notes of a stage are laid out right now.

A layout holds clusters (with their notes in key order), loose notes in the order they were
posted, duplicates folded under their original, picks of a select stage, dot totals of a vote
stage, and duplicate suggestions. Moderated notes are listed apart, for staff eyes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.domain import clusters as clusters_domain
from app.domain import notes as notes_domain
from app.domain import organisers, presentation, similarity, stage_controls, timers, workshops
from app.domain import votes as votes_domain
from app.models import (
    Cluster,
    Group,
    Note,
    Participant,
    Selection,
    Stage,
    StageControl,
    Workshop,
    utcnow,
)


@dataclass
class Item:
    note: Note
    duplicates: list[Note] = field(default_factory=list)
    selected: bool = False
    votes: int = 0

    @property
    def key(self) -> str:
        return f"note:{self.note.id}"


@dataclass
class Pile:
    cluster: Cluster
    items: list[Item] = field(default_factory=list)
    selected: bool = False
    votes: int = 0

    @property
    def key(self) -> str:
        return f"cluster:{self.cluster.id}"

    @property
    def note_count(self) -> int:
        return sum(1 + len(item.duplicates) for item in self.items)


@dataclass(frozen=True)
class Suggested:
    original: Note
    duplicate: Note
    score: float


@dataclass
class Layout:
    group: Group
    stage: Stage
    mode: str
    hidden: bool = False
    # Sorting was ended (or never started): organising controls are not offered.
    frozen: bool = False
    clusters: list[Pile] = field(default_factory=list)
    loose: list[Item] = field(default_factory=list)
    added: list[Item] = field(default_factory=list)
    suggestions: list[Suggested] = field(default_factory=list)
    moderated: list[Note] = field(default_factory=list)
    recorders: list[Participant] = field(default_factory=list)
    members: list[Participant] = field(default_factory=list)
    authors: dict[str, Participant] = field(default_factory=dict)
    count: int = 0

    @property
    def ranking(self) -> list[Pile | Item]:
        """Clusters and loose notes, most dots first (board order breaks ties)."""
        entries: list[Pile | Item] = [*self.clusters, *self.loose]
        return sorted(entries, key=lambda entry: -entry.votes)

    @property
    def recorder_ids(self) -> str:
        return " ".join(p.id for p in self.recorders)

    def own(self, participant_id: str) -> list[Note]:
        """A participant's own notes of the shown stage (what they see while it is hidden)."""
        notes = [i.note for p in self.clusters for i in p.items] + [i.note for i in self.loose]
        notes += [d for p in self.clusters for i in p.items for d in i.duplicates]
        notes += [d for i in self.loose for d in i.duplicates]
        notes += [i.note for i in self.added]
        return sorted(
            (n for n in notes if n.participant_id == participant_id), key=lambda n: n.created_seq
        )


@dataclass
class Live:
    """Workshop-wide live state beside the columns: spotlight, timer, reveal, dots."""

    presentation: presentation.State
    control: StageControl | None
    source: Stage | None
    stage: Stage | None = None

    @property
    def sorting(self) -> str | None:
        """The current stage's sorting state (``stage_controls.SORTING_*``)."""
        if self.stage is None:
            return None
        return stage_controls.sorting_state(self.stage, self.control)

    @property
    def timer_ends_at(self) -> str | None:
        return timers.iso(self.control.timer_ends_at) if self.control else None

    @property
    def server_now(self) -> str:
        """Sent with the deadline so phones with a wrong clock still count down correctly."""
        return timers.iso(utcnow()) or ""


def live_of(session: Session, workshop: Workshop, current: Stage | None) -> Live:
    source = None
    if current is not None and current.kind in ("select", "vote") and current.draws_from:
        source = next(
            (s for s in workshops.stages_of(session, workshop.id) if s.key == current.draws_from),
            None,
        )
    return Live(
        presentation=presentation.state_of(session, workshop.id),
        control=stage_controls.peek(session, current) if current is not None else None,
        source=source,
        stage=current,
    )


def build_all(
    session: Session, workshop: Workshop, current: Stage | None, groups: Sequence[Group]
) -> dict[int, Layout]:
    """One layout per group for the current stage, from a handful of queries in all.

    Asked for one group (a phone, the live patch of one card), every query reads that group's
    rows only, so the cost of drawing a card grows with its group, not with the whole board.
    """
    if current is None or not groups:
        return {}
    shown = current
    if current.kind in ("select", "vote") and current.draws_from:
        shown = next(
            (s for s in workshops.stages_of(session, workshop.id) if s.key == current.draws_from),
            current,
        )
    mode = current.kind if current.kind in ("select", "vote") and shown is not current else "post"
    return _build(session, workshop.id, shown=shown, mode=mode, current=current, groups=groups)


def _build(
    session: Session,
    workshop_id: int,
    *,
    shown: Stage,
    mode: str,
    current: Stage,
    groups: Sequence[Group],
) -> dict[int, Layout]:
    control = stage_controls.peek(session, shown)
    frozen = (
        stage_controls.sorting_state(current, stage_controls.peek(session, current))
        != stage_controls.SORTING_OPEN
    )
    one = groups[0].id if len(groups) == 1 else None
    notes = notes_domain.live_notes(
        session, workshop_id=workshop_id, stage_id=shown.id, group_id=one
    )
    piles = clusters_domain.live_clusters(
        session, workshop_id=workshop_id, stage_id=shown.id, group_id=one
    )
    added = (
        notes_domain.live_notes(session, workshop_id=workshop_id, stage_id=current.id, group_id=one)
        if mode == "select"
        else []
    )
    picked_notes: set[str] = set()
    picked_clusters: set[int] = set()
    if mode == "select":
        for row in session.exec(select(Selection).where(Selection.stage_id == current.id)).all():
            if row.note_id:
                picked_notes.add(row.note_id)
            if row.cluster_id:
                picked_clusters.add(row.cluster_id)
    totals: dict[tuple[str | None, int | None], int] = {}
    if mode == "vote":
        for (stage_id, note_id, cluster_id), total in votes_domain.totals(
            session, workshop_id
        ).items():
            if stage_id == current.id:
                totals[(note_id, cluster_id)] = total
    people = organisers.participants_of(session, workshop_id, group_id=one)
    by_person = {p.id: p for p in people}
    layouts: dict[int, Layout] = {}
    for group in groups:
        layout = Layout(group=group, stage=shown, mode=mode, hidden=control.hidden, frozen=frozen)
        layout.authors = by_person
        layout.members = [p for p in people if p.group_id == group.id]
        layout.recorders = [p for p in layout.members if p.role == "recorder"]
        mine = [n for n in notes if n.group_id == group.id]
        layout.moderated = [n for n in mine if n.moderated_at is not None]
        visible = [n for n in mine if n.moderated_at is None]
        layout.count = len(visible)
        live_ids = {n.id for n in visible}
        items: dict[str, Item] = {}
        for note in visible:
            if note.duplicate_of and note.duplicate_of in live_ids:
                continue
            items[note.id] = Item(
                note=note,
                selected=note.id in picked_notes,
                votes=totals.get((note.id, None), 0),
            )
        for note in visible:
            root = items.get(note.duplicate_of or "")
            if root is not None and note.id not in items:
                root.duplicates.append(note)
        by_cluster: dict[int, Pile] = {}
        for cluster in piles:
            if cluster.group_id != group.id:
                continue
            pile = Pile(
                cluster=cluster,
                selected=cluster.id in picked_clusters,
                votes=totals.get((None, cluster.id), 0),
            )
            by_cluster[cluster.id] = pile
            layout.clusters.append(pile)
        for item in sorted(items.values(), key=lambda i: (i.note.position, i.note.created_seq)):
            home = by_cluster.get(item.note.cluster_id or 0)
            if home is not None:
                home.items.append(item)
        layout.loose = [
            item
            for item in sorted(items.values(), key=lambda i: i.note.created_seq)
            if (item.note.cluster_id or 0) not in by_cluster
        ]
        layout.added = [
            Item(note=n) for n in added if n.group_id == group.id and n.moderated_at is None
        ]
        if mode == "post" and not control.hidden:
            ordered = sorted(items.values(), key=lambda i: i.note.created_seq)
            by_id = {i.note.id: i.note for i in ordered}
            layout.suggestions = [
                Suggested(by_id[s.original_id], by_id[s.duplicate_id], s.score)
                for s in similarity.suggest([(i.note.id, i.note.text) for i in ordered])
            ]
        layouts[group.id] = layout
    return layouts


def group_layout(session: Session, *, stage: Stage, group_id: int) -> Layout:
    """The layout of one group's notes in ``stage`` itself (as a post stage)."""
    group = workshops.group_row(session, group_id)
    by_group = _build(
        session, stage.workshop_id, shown=stage, mode="post", current=stage, groups=[group]
    )
    return by_group[group.id]


def clusters_json(session: Session, workshop_id: int) -> list[dict[str, Any]]:
    stages = {s.id: s for s in workshops.stages_of(session, workshop_id)}
    groups = {g.id: g for g in workshops.groups_of(session, workshop_id)}
    statement = (
        select(Cluster)
        .where(Cluster.workshop_id == workshop_id, col(Cluster.deleted_at).is_(None))
        .order_by(col(Cluster.id))
    )
    return [
        clusters_domain.cluster_json(c, stage=stages[c.stage_id], group=groups[c.group_id])
        for c in session.exec(statement).all()
    ]


def notes_by_id(session: Session, ids: set[str]) -> dict[str, Note]:
    if not ids:
        return {}
    found = session.exec(select(Note).where(col(Note.id).in_(ids))).all()
    return {note.id: note for note in found}


def locate(layout: Layout, note_id: str) -> tuple[Item, str, bool] | None:
    """The card that shows ``note_id``, the list it sits in, and whether it was added in a select
    stage; a folded duplicate is shown by its original's card. None: no card shows it."""
    for pile in layout.clusters:
        for item in pile.items:
            if item.note.id == note_id or any(d.id == note_id for d in item.duplicates):
                return item, f"cn-{pile.cluster.id}", False
    for item in layout.loose:
        if item.note.id == note_id or any(d.id == note_id for d in item.duplicates):
            return item, f"loose-{layout.group.id}", False
    for item in layout.added:
        if item.note.id == note_id:
            return item, f"added-{layout.group.id}", True
    return None
