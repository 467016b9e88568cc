"""Event types of live sorting. Every payload names its ``stage`` and, where one is concerned,
its ``group``, and carries enough that an API client can rebuild the board from the stream alone.
"""

from __future__ import annotations

CLUSTER_CREATED = "cluster.created"
"""``{stage, group, cluster: {id, stage, group, title, position}, notes: [placement…]}``"""
CLUSTER_UPDATED = "cluster.updated"
"""``{stage, group, cluster}`` — a new title or position."""
CLUSTER_DISSOLVED = "cluster.dissolved"
"""``{stage, group, cluster_id, notes: [placement…]}`` — its notes are loose again."""
CLUSTER_MERGED = "cluster.merged"
"""``{stage, group, cluster_id, into: cluster, notes: [placement…]}`` — ``cluster_id`` is gone."""
NOTE_MOVED = "note.moved"
"""``{stage, group, notes: [placement…]}``; placement: ``{id, cluster_id, position, duplicate_of}``
"""
NOTE_DUPLICATE = "note.duplicate"
"""``{stage, group, note_id, duplicate_of, notes: [placement…]}``; null ``duplicate_of`` unfolds."""
SELECTION_CHANGED = "selection.changed"
"""``{stage, group, note_id, cluster_id, selected}`` — ``stage`` is the select stage."""
VOTE_CHANGED = "vote.changed"
"""``{stage, group, note_id, cluster_id, total, participant_id, dots}``."""
STAGE_VOTING = "stage.voting"
"""``{stage, dots_per_person, dots_per_item}``."""
STAGE_REVEALED = "stage.revealed"
"""``{stage, hidden, notes: [note…]}`` — on reveal, every visible note of the stage."""
NOTE_MODERATED = "note.moderated"
"""``{stage, group, note_id, moderated, note}``."""
PARTICIPANT_ROLE = "participant.role"
"""``{participant_id, group, role, recorders: [participant id…]}``."""
PRESENTATION_CHANGED = "presentation.changed"
"""``{group, order: [group name…]}``; ``group`` null = nobody presents."""
TIMER_CHANGED = "timer.changed"
"""``{stage, ends_at, lock_at_zero}``; ``ends_at`` null = no timer."""

COLUMN_EVENTS = frozenset(
    {
        CLUSTER_CREATED,
        CLUSTER_UPDATED,
        CLUSTER_DISSOLVED,
        CLUSTER_MERGED,
        NOTE_MOVED,
        NOTE_DUPLICATE,
        SELECTION_CHANGED,
        VOTE_CHANGED,
        NOTE_MODERATED,
        PARTICIPANT_ROLE,
    }
)
STAGE_EVENTS = frozenset({STAGE_VOTING, STAGE_REVEALED})
ALL = COLUMN_EVENTS | STAGE_EVENTS | {PRESENTATION_CHANGED, TIMER_CHANGED}
