"""The API snapshot with live sorting, filtered for whoever asks.

Staff see everything. A participant gets hidden-stage notes of others with their text taken out
(so counts still add up), no moderated notes, and vote totals without other people's ballots.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.domain import (
    boards,
    clusters,
    layouts,
    organisers,
    presentation,
    reveal,
    selections,
    stage_controls,
    timers,
    votes,
    workshops,
)
from app.domain.notes import Actor
from app.models import Workshop


def snapshot(session: Session, workshop: Workshop, actor: Actor) -> dict[str, Any]:
    data, rows = boards.snapshot_and_notes(session, workshop)
    stages = {s.id: s for s in workshops.stages_of(session, workshop.id)}
    groups = {g.id: g for g in workshops.groups_of(session, workshop.id)}
    by_id = {n.id: n for n in rows}
    secrets = reveal.secrets_of(session, workshop.id)
    participant = actor.participant
    shown = []
    for item in data["notes"]:
        note = by_id[item["id"]]
        item.update(clusters.placement(note))
        item["id"] = note.id
        item["moderated"] = note.moderated_at is not None
        item["hidden"] = False
        if participant is not None:
            if note.moderated_at is not None:
                continue
            if not secrets.note_visible(note, participant.id):
                item = reveal.redact_note(item)
        shown.append(item)
    data["notes"] = shown
    data["clusters"] = layouts.clusters_json(session, workshop.id)
    data["selections"] = [
        {
            "stage": stages[row.stage_id].key,
            "group": groups[row.group_id].name,
            "note_id": row.note_id,
            "cluster_id": row.cluster_id,
        }
        for row in selections.selections_of(session, workshop.id)
    ]
    data["votes"] = [
        {"stage": stages[stage_id].key, "note_id": note_id, "cluster_id": cluster_id, "total": n}
        for (stage_id, note_id, cluster_id), n in sorted(
            votes.totals(session, workshop.id).items(), key=lambda kv: str(kv[0])
        )
    ]
    if participant is not None:
        data["my_votes"] = [
            {
                "stage": stages[v.stage_id].key,
                "note_id": v.note_id,
                "cluster_id": v.cluster_id,
                "dots": v.dots,
            }
            for v in votes.votes_of(session, workshop.id)
            if v.participant_id == participant.id
        ]
    controls = stage_controls.controls_of(session, workshop.id)
    data["stage_controls"] = [
        {
            "stage": stage.key,
            "hidden": control.hidden,
            "dots_per_person": control.dots_per_person,
            "dots_per_item": control.dots_per_item,
            "timer_ends_at": timers.iso(control.timer_ends_at),
            "timer_locks": control.timer_locks,
            "sorting": stage_controls.sorting_state(stage, control),
        }
        for stage in stages.values()
        for control in [controls.get(stage.id) or stage_controls.peek(session, stage)]
    ]
    state = presentation.state_of(session, workshop.id)
    data["presentation"] = {
        "group": state.group.name if state.group else None,
        "order": [g.name for g in state.order],
    }
    data["recorders"] = [
        {"participant_id": p.id, "group": groups[p.group_id].name}
        for p in organisers.participants_of(session, workshop.id)
        if p.role == "recorder"
    ]
    return data
