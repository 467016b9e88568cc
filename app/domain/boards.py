"""Read models: what a board, a phone or the API snapshot shows of a workshop right now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.domain import layouts, records, wall_focus, workshops
from app.domain import notes as notes_domain
from app.live import events
from app.models import Group, Note, Participant, Stage, Workshop

"""``Session.info`` key: while set, note, cluster and participant reads see one group only."""


@dataclass(frozen=True)
class Column:
    group: Group
    notes: Sequence[Note]


@dataclass
class Board:
    workshop: Workshop
    stages: Sequence[Stage]
    groups: Sequence[Group]
    current: Stage | None
    seq: int
    participant_count: int
    authors: dict[str, Participant] = field(default_factory=dict)
    columns: list[Column] = field(default_factory=list)
    # Live sorting: group id → layouts.Layout of the current stage, and layouts.Live.
    sorting: dict[int, Any] = field(default_factory=dict)
    live: Any = None
    # A Q&A stage shows the questions instead of note columns; a feedback stage how many came.
    questions: list[records.QuestionWithAnswers] = field(default_factory=list)
    feedback_count: int = 0
    # The group the projector wall shows alone when nobody presents (the console's focus).
    wall_focus: Group | None = None

    def column(self, group_id: int) -> Column | None:
        return next((column for column in self.columns if column.group.id == group_id), None)


def board(session: Session, workshop: Workshop, *, group_id: int | None = None) -> Board:
    """The current stage's notes, one column per group (or the one group asked for)."""
    # Read first: whatever is read after it is at least this new, so data-seq never overstates.
    seq = events.last_seq(session, workshop.id)
    stages = workshops.stages_of(session, workshop.id)
    groups = workshops.groups_of(session, workshop.id)
    current = next((s for s in stages if s.key == workshop.current_stage_key), None)
    state = Board(
        workshop=workshop,
        stages=stages,
        groups=groups,
        current=current,
        seq=seq,
        participant_count=workshops.participant_count(session, workshop.id),
    )
    state.live = layouts.live_of(session, workshop, current)
    state.wall_focus = wall_focus.focused(session, workshop.id, groups)
    if current is None:
        return state
    if current.kind == "qa":
        state.questions = records.questions_of(session, workshop.id)
    elif current.kind == "feedback":
        state.feedback_count = len(records.feedback_of(session, workshop.id))
    shown = [g for g in groups if group_id is None or g.id == group_id]
    notes = notes_domain.live_notes(
        session, workshop_id=workshop.id, stage_id=current.id, group_id=group_id
    )
    state.authors = authors_of(session, notes)
    for group in shown:
        state.columns.append(
            Column(group=group, notes=[n for n in notes if n.group_id == group.id])
        )
    state.sorting = layouts.build_all(session, workshop, current, shown)
    return state


def authors_of(session: Session, notes: Sequence[Note]) -> dict[str, Participant]:
    ids = {note.participant_id for note in notes if note.participant_id}
    if not ids:
        return {}
    found = session.exec(select(Participant).where(col(Participant.id).in_(ids))).all()
    return {participant.id: participant for participant in found}


def snapshot(session: Session, workshop: Workshop) -> dict[str, Any]:
    """Everything the API returns for a workshop; ``last_seq`` says where to resume the stream."""
    return snapshot_and_notes(session, workshop)[0]


def snapshot_and_notes(
    session: Session, workshop: Workshop
) -> tuple[dict[str, Any], Sequence[Any]]:
    """The snapshot, and the note rows it was made from, for callers that add to it."""
    # Read first: whatever is read after it is at least this new, so data-seq never overstates.
    seq = events.last_seq(session, workshop.id)
    stages = workshops.stages_of(session, workshop.id)
    groups = workshops.groups_of(session, workshop.id)
    notes = notes_domain.live_note_rows(session, workshop_id=workshop.id)
    authors = authors_of(session, notes)
    stage_by_id = {stage.id: stage for stage in stages}
    group_by_id = {group.id: group for group in groups}
    data = {
        "id": workshop.id,
        "title": workshop.title,
        "date": workshop.date,
        "venue": workshop.venue,
        "join_code": workshop.join_code,
        "current_stage": workshop.current_stage_key,
        "stages": [
            {
                "key": s.key,
                "label": s.label,
                "label_en": s.label_en,
                "kind": s.kind,
                "scope": s.scope,
                "status": s.status,
                "draws_from": s.draws_from,
            }
            for s in stages
        ],
        "groups": [{"id": g.id, "name": g.name} for g in groups],
        "notes": [
            notes_domain.as_json(
                note,
                stage=stage_by_id[note.stage_id],
                group=group_by_id.get(note.group_id),
                author=authors.get(note.participant_id or ""),
            )
            for note in notes
        ],
        "participant_count": workshops.participant_count(session, workshop.id),
        "last_seq": seq,
    }
    return data, notes
