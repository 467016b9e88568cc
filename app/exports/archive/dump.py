"""Export: everything a workshop holds, as the versioned JSON archive.

The archive names things by content and local references (``p1``, ``n1``, ``c1``), never by
database ids, so exporting an imported workshop gives the same archive again. A stage timer's
end time is left out: it belonged to the moment the workshop ran.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from app.domain import (
    clusters,
    records,
    selections,
    stage_controls,
    votes,
    workshops,
)
from app.exports.archive.schema import KIND, VERSION
from app.models import (
    Comment,
    Note,
    Participant,
    Presentation,
    Stage,
    Workshop,
)


def dump(session: Session, workshop: Workshop) -> dict[str, Any]:
    stages = workshops.stages_of(session, workshop.id)
    groups = workshops.groups_of(session, workshop.id)
    people = session.exec(
        select(Participant)
        .where(Participant.workshop_id == workshop.id)
        .order_by(col(Participant.created_at), col(Participant.id))
    ).all()
    person_ref = {p.id: f"p{n}" for n, p in enumerate(people, 1)}
    group_name = {g.id: g.name for g in groups}
    stage_key = {s.id: s.key for s in stages}
    all_notes = session.exec(
        select(Note)
        .where(Note.workshop_id == workshop.id)
        .order_by(col(Note.created_seq), col(Note.created_at), col(Note.id))
    ).all()
    note_ref = {note.id: f"n{n}" for n, note in enumerate(all_notes, 1)}
    piles = sorted(
        clusters.live_clusters(session, workshop_id=workshop.id),
        key=lambda c: (c.created_seq, c.id),
    )
    cluster_ref = {c.id: f"c{n}" for n, c in enumerate(piles, 1)}
    details = records.details_of(session, workshop.id)
    return {
        "kind": KIND,
        "version": VERSION,
        "workshop": {
            "title": workshop.title,
            "format_key": workshop.format_key,
            "date": workshop.date.isoformat() if workshop.date else None,
            "start_time": workshop.start_time,
            "venue": workshop.venue,
            "status": workshop.status,
            "current_stage": workshop.current_stage_key,
        },
        "details": details.as_json() if details.saved else None,
        "stages": [
            {
                "key": s.key,
                "label": s.label,
                "label_en": s.label_en,
                "prompt": s.prompt,
                "prompt_en": s.prompt_en,
                "kind": s.kind,
                "scope": s.scope,
                "per_person_limit": s.per_person_limit,
                "draws_from": s.draws_from,
                "status": s.status,
            }
            for s in stages
        ],
        "groups": [g.name for g in groups],
        "participants": [
            {
                "ref": person_ref[p.id],
                "group": group_name[p.group_id],
                "name": p.name,
                "organization": p.organization,
                "role": p.role,
                "joined_at": _time(p.created_at),
            }
            for p in people
        ],
        "notes": [
            {
                "ref": f"n{n}",
                "stage": stage_key[note.stage_id],
                "group": group_name[note.group_id],
                "participant": person_ref.get(note.participant_id or ""),
                "by_staff": note.author_user_id is not None,
                "text": note.text,
                "created_at": _time(note.created_at),
                "updated_at": _time(note.updated_at),
                "deleted_at": _time(note.deleted_at) if note.deleted_at else None,
                "cluster": cluster_ref.get(note.cluster_id or 0),
                "position": note.position if note.cluster_id in cluster_ref else "",
                "duplicate_of": note_ref.get(note.duplicate_of or ""),
                "moderated_at": _time(note.moderated_at) if note.moderated_at else None,
            }
            for n, note in enumerate(all_notes, 1)
        ],
        "clusters": [
            {
                "ref": cluster_ref[c.id],
                "stage": stage_key[c.stage_id],
                "group": group_name[c.group_id],
                "title": c.title,
                "position": c.position,
            }
            for c in piles
        ],
        "selections": [
            {
                "stage": stage_key[row.stage_id],
                "group": group_name[row.group_id],
                "note": note_ref.get(row.note_id or ""),
                "cluster": cluster_ref.get(row.cluster_id or 0),
            }
            for row in selections.selections_of(session, workshop.id)
        ],
        "votes": [
            {
                "stage": stage_key[vote.stage_id],
                "participant": person_ref[vote.participant_id],
                "note": note_ref.get(vote.note_id or ""),
                "cluster": cluster_ref.get(vote.cluster_id or 0),
                "dots": vote.dots,
            }
            for vote in votes.votes_of(session, workshop.id)
        ],
        "stage_controls": _controls(session, stages),
        "presentation": _presentation(session, workshop.id, group_name),
        "questions": [
            {
                "text": item.question.text,
                "organization": item.question.organization,
                "participant": person_ref.get(item.question.participant_id or ""),
                "remark": item.question.remark,
                "asked_at": _time(item.question.created_at),
                "answers": [
                    {
                        "organization": a.organization,
                        "text": a.text,
                        "answered_at": _time(a.created_at),
                    }
                    for a in item.answers
                ],
            }
            for item in records.questions_of(session, workshop.id)
        ],
        "comments": [
            {
                "role": c.role,
                "name": c.name,
                "organization": c.organization,
                "text": c.text,
                "created_at": _time(c.created_at),
            }
            for c in session.exec(
                select(Comment).where(Comment.workshop_id == workshop.id).order_by(col(Comment.id))
            ).all()
        ],
        "feedback": [
            {
                "participant": person_ref.get(f.participant_id or ""),
                "text": f.text,
                "rating": f.rating,
                "created_at": _time(f.created_at),
                "updated_at": _time(f.updated_at),
            }
            for f in records.feedback_of(session, workshop.id)
        ],
    }


def render(session: Session, workshop: Workshop) -> bytes:
    return json.dumps(dump(session, workshop), ensure_ascii=False, indent=1).encode("utf-8")


def _controls(session: Session, stages: Sequence[Stage]) -> list[dict[str, Any]]:
    rows = stage_controls.controls_of(session, stages[0].workshop_id) if stages else {}
    return [
        {
            "stage": stage.key,
            "hidden": rows[stage.id].hidden,
            "dots_per_person": rows[stage.id].dots_per_person,
            "dots_per_item": rows[stage.id].dots_per_item,
            "timer_locks": rows[stage.id].timer_locks,
            "sorting_done": rows[stage.id].sorting_done,
        }
        for stage in stages
        if stage.id in rows
    ]


def _presentation(
    session: Session, workshop_id: int, group_name: dict[int, str]
) -> dict[str, Any] | None:
    row = session.get(Presentation, workshop_id)
    if row is None:
        return None
    order = [int(part) for part in row.order.split(",") if part.isdigit()]
    return {
        "group": group_name.get(row.group_id or 0),
        "order": [group_name[i] for i in order if i in group_name],
    }


def _time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()
