"""Every event type of the log, each named once, with the one function that builds its payload.

A write appends ``events.append(session, workshop_id=…, event=event_types.x(...))``; readers
(the board patches, the API stream, the archive) compare ``Event.type`` with the constants here.
The builders take typed arguments so a payload cannot drift between the live path and the
archive import that replays it. A new event type goes here: its name, a builder, and the
docstring of its payload; ``sorting_events`` groups the types the sorting boards redraw.

Payloads are JSON objects. Nested shapes (a note, a cluster, a placement) are built by the
domain module that owns the row (``notes.as_json``, ``clusters.cluster_json``,
``clusters.placement``) and passed in whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class NewEvent:
    """An event not yet in the log: its type and the payload the builder made."""

    type: str
    payload: Json


# ---- notes and the room ------------------------------------------------------------------

NOTE_CREATED = "note.created"
NOTE_UPDATED = "note.updated"
NOTE_DELETED = "note.deleted"
STAGE_CHANGED = "stage.changed"
PARTICIPANT_JOINED = "participant.joined"
WALL_FOCUSED = "wall.focused"
WORKSHOP_CLOSED = "workshop.closed"
WORKSHOP_IMPORTED = "workshop.imported"
RESET = "reset"
"""Never stored: the stream sends it when a subscriber fell too far behind to catch up."""


def note_created(note: Json) -> NewEvent:
    """``{note}``: the note as the API shows it (``notes.as_json``)."""
    return NewEvent(NOTE_CREATED, {"note": note})


def note_updated(note: Json) -> NewEvent:
    """``{note}``: the note with its new text."""
    return NewEvent(NOTE_UPDATED, {"note": note})


def note_deleted(*, note_id: str, stage: str, group: str | None) -> NewEvent:
    """``{note_id, stage, group}``."""
    return NewEvent(NOTE_DELETED, {"note_id": note_id, "stage": stage, "group": group})


def stage_changed(
    *, current_stage: str | None, stages: Sequence[Json], reason: str | None = None
) -> NewEvent:
    """``{current_stage, stages: [{key, status, sorting}…], reason?}``; ``reason`` only when
    it was not the facilitator's click (``"timer"``)."""
    payload: Json = {"current_stage": current_stage, "stages": list(stages)}
    if reason is not None:
        payload["reason"] = reason
    return NewEvent(STAGE_CHANGED, payload)


def participant_joined(*, group: str, participants: int) -> NewEvent:
    """``{group, participants}``: the joined group and how many people the workshop has now."""
    return NewEvent(PARTICIPANT_JOINED, {"group": group, "participants": participants})


def wall_focused(group: str | None) -> NewEvent:
    """``{group}``: the group's name, or null for every group."""
    return NewEvent(WALL_FOCUSED, {"group": group})


def workshop_closed() -> NewEvent:
    """``{}``."""
    return NewEvent(WORKSHOP_CLOSED, {})


def workshop_imported(*, notes: int, questions: int) -> NewEvent:
    """``{notes, questions}``: how much an archive import brought in."""
    return NewEvent(WORKSHOP_IMPORTED, {"notes": notes, "questions": questions})


# ---- live sorting ------------------------------------------------------------------------
# Every payload names its ``stage`` and, where one is concerned, its ``group``, and carries
# enough that an API client can rebuild the board from the stream alone.
# A placement is ``{id, cluster_id, position, duplicate_of}``.

CLUSTER_CREATED = "cluster.created"
CLUSTER_UPDATED = "cluster.updated"
CLUSTER_DISSOLVED = "cluster.dissolved"
CLUSTER_MERGED = "cluster.merged"
NOTE_MOVED = "note.moved"
NOTE_DUPLICATE = "note.duplicate"
SELECTION_CHANGED = "selection.changed"
VOTE_CHANGED = "vote.changed"
STAGE_VOTING = "stage.voting"
STAGE_REVEALED = "stage.revealed"
NOTE_MODERATED = "note.moderated"
PARTICIPANT_ROLE = "participant.role"
PRESENTATION_CHANGED = "presentation.changed"
TIMER_CHANGED = "timer.changed"


def cluster_created(
    *, stage: str, group: str, cluster: Json, notes: Sequence[Json] = ()
) -> NewEvent:
    """``{stage, group, cluster: {id, stage, group, title, position}, notes: [placement…]}``."""
    return NewEvent(
        CLUSTER_CREATED, {"stage": stage, "group": group, "cluster": cluster, "notes": list(notes)}
    )


def cluster_updated(*, stage: str, group: str, cluster: Json) -> NewEvent:
    """``{stage, group, cluster}``: a new title or position."""
    return NewEvent(CLUSTER_UPDATED, {"stage": stage, "group": group, "cluster": cluster})


def cluster_dissolved(
    *, stage: str, group: str, cluster_id: int, notes: Sequence[Json]
) -> NewEvent:
    """``{stage, group, cluster_id, notes: [placement…]}``: its notes are loose again."""
    return NewEvent(
        CLUSTER_DISSOLVED,
        {"stage": stage, "group": group, "cluster_id": cluster_id, "notes": list(notes)},
    )


def cluster_merged(
    *, stage: str, group: str, cluster_id: int, into: Json, notes: Sequence[Json]
) -> NewEvent:
    """``{stage, group, cluster_id, into: cluster, notes: [placement…]}``: ``cluster_id`` is
    gone."""
    return NewEvent(
        CLUSTER_MERGED,
        {
            "stage": stage,
            "group": group,
            "cluster_id": cluster_id,
            "into": into,
            "notes": list(notes),
        },
    )


def note_moved(*, stage: str, group: str, notes: Sequence[Json]) -> NewEvent:
    """``{stage, group, notes: [placement…]}``."""
    return NewEvent(NOTE_MOVED, {"stage": stage, "group": group, "notes": list(notes)})


def note_duplicate(
    *, stage: str, group: str, note_id: str, duplicate_of: str | None, notes: Sequence[Json]
) -> NewEvent:
    """``{stage, group, note_id, duplicate_of, notes: [placement…]}``; null ``duplicate_of``
    unfolds."""
    return NewEvent(
        NOTE_DUPLICATE,
        {
            "stage": stage,
            "group": group,
            "note_id": note_id,
            "duplicate_of": duplicate_of,
            "notes": list(notes),
        },
    )


def selection_changed(
    *, stage: str, group: str, note_id: str | None, cluster_id: int | None, selected: bool
) -> NewEvent:
    """``{stage, group, note_id, cluster_id, selected}``: ``stage`` is the select stage."""
    return NewEvent(
        SELECTION_CHANGED,
        {
            "stage": stage,
            "group": group,
            "note_id": note_id,
            "cluster_id": cluster_id,
            "selected": selected,
        },
    )


def vote_changed(
    *,
    stage: str,
    group: str,
    note_id: str | None,
    cluster_id: int | None,
    total: int,
    participant_id: str,
    dots: int,
) -> NewEvent:
    """``{stage, group, note_id, cluster_id, total, participant_id, dots}``."""
    return NewEvent(
        VOTE_CHANGED,
        {
            "stage": stage,
            "group": group,
            "note_id": note_id,
            "cluster_id": cluster_id,
            "total": total,
            "participant_id": participant_id,
            "dots": dots,
        },
    )


def stage_voting(*, stage: str, dots_per_person: int, dots_per_item: int) -> NewEvent:
    """``{stage, dots_per_person, dots_per_item}``."""
    return NewEvent(
        STAGE_VOTING,
        {"stage": stage, "dots_per_person": dots_per_person, "dots_per_item": dots_per_item},
    )


def stage_revealed(*, stage: str, hidden: bool, notes: Sequence[Json] = ()) -> NewEvent:
    """``{stage, hidden, notes: [note…]}``: on reveal, every visible note of the stage."""
    return NewEvent(STAGE_REVEALED, {"stage": stage, "hidden": hidden, "notes": list(notes)})


def note_moderated(
    *, stage: str, group: str, note_id: str, moderated: bool, note: Json
) -> NewEvent:
    """``{stage, group, note_id, moderated, note}``."""
    return NewEvent(
        NOTE_MODERATED,
        {"stage": stage, "group": group, "note_id": note_id, "moderated": moderated, "note": note},
    )


def participant_role(
    *, participant_id: str, group: str | None, role: str, recorders: Sequence[str]
) -> NewEvent:
    """``{participant_id, group, role, recorders: [participant id…]}``."""
    return NewEvent(
        PARTICIPANT_ROLE,
        {
            "participant_id": participant_id,
            "group": group,
            "role": role,
            "recorders": list(recorders),
        },
    )


def presentation_changed(*, group: str | None, order: Sequence[str]) -> NewEvent:
    """``{group, order: [group name…]}``; ``group`` null = nobody presents."""
    return NewEvent(PRESENTATION_CHANGED, {"group": group, "order": list(order)})


def timer_changed(*, stage: str, ends_at: str | None, lock_at_zero: bool) -> NewEvent:
    """``{stage, ends_at, lock_at_zero}``; ``ends_at`` null = no timer."""
    return NewEvent(
        TIMER_CHANGED, {"stage": stage, "ends_at": ends_at, "lock_at_zero": lock_at_zero}
    )


# ---- records: Q&A, comments, feedback, report details ------------------------------------

QUESTION_ASKED = "question.asked"
QUESTION_ANSWERED = "question.answered"
QUESTION_UPDATED = "question.updated"
COMMENT_ADDED = "comment.added"
COMMENT_UPDATED = "comment.updated"
COMMENT_DELETED = "comment.deleted"
FEEDBACK_GIVEN = "feedback.given"
REPORT_UPDATED = "report.updated"


def question_asked(question: Json) -> NewEvent:
    """``{question}``: ``records.question_json``, without answers yet."""
    return NewEvent(QUESTION_ASKED, {"question": question})


def question_answered(question: Json) -> NewEvent:
    """``{question}``: the question with all its answers."""
    return NewEvent(QUESTION_ANSWERED, {"question": question})


def question_updated(question: Json) -> NewEvent:
    """``{question}``: a new remark, or an answer edited or removed."""
    return NewEvent(QUESTION_UPDATED, {"question": question})


def comment_added(comment: Json) -> NewEvent:
    """``{comment}``: ``records.comment_json``."""
    return NewEvent(COMMENT_ADDED, {"comment": comment})


def comment_updated(comment: Json) -> NewEvent:
    """``{comment}``."""
    return NewEvent(COMMENT_UPDATED, {"comment": comment})


def comment_deleted(comment_id: int) -> NewEvent:
    """``{comment: {id}}``."""
    return NewEvent(COMMENT_DELETED, {"comment": {"id": comment_id}})


def feedback_given(count: int) -> NewEvent:
    """``{count}``: how many feedback entries the workshop has; the text stays with staff."""
    return NewEvent(FEEDBACK_GIVEN, {"count": count})


def report_updated(fields: Iterable[str]) -> NewEvent:
    """``{fields}``: the report-detail keys that were saved, sorted."""
    return NewEvent(REPORT_UPDATED, {"fields": sorted(fields)})
