"""Hidden until reveal, and moderation: what a participant may see of other people's notes.

While a stage is hidden, a participant sees only their own notes and the board only counts.
A note the facilitator hid (moderation) is seen by staff only, and stays in the data. Every face
of the app filters through ``visible_to``/``redact`` before anything leaves the server.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.domain import clusters, stage_controls, workshops
from app.domain import notes as notes_domain
from app.live import event_types, events
from app.models import Group, Note, Participant, Stage, Workshop, utcnow

NOTE_EVENTS = (event_types.NOTE_CREATED, event_types.NOTE_UPDATED)


@dataclass(frozen=True)
class Secrets:
    """What participants must not see right now: hidden stages and moderated notes."""

    hidden_stage_keys: frozenset[str]
    hidden_stage_ids: frozenset[int]
    moderated_note_ids: frozenset[str]

    def note_visible(self, note: Note, participant_id: str | None) -> bool:
        if note.moderated_at is not None:
            return False
        return note.stage_id not in self.hidden_stage_ids or (
            participant_id is not None and note.participant_id == participant_id
        )


def secrets_of(session: Session, workshop_id: int) -> Secrets:
    controls = stage_controls.controls_of(session, workshop_id)
    stages = workshops.stages_of(session, workshop_id)
    hidden = [s for s in stages if s.id in controls and controls[s.id].hidden]
    moderated = session.exec(
        select(Note.id).where(Note.workshop_id == workshop_id, col(Note.moderated_at).is_not(None))
    ).all()
    return Secrets(
        hidden_stage_keys=frozenset(s.key for s in hidden),
        hidden_stage_ids=frozenset(s.id for s in hidden),
        moderated_note_ids=frozenset(moderated),
    )


def set_hidden(*, session: Session, workshop: Workshop, stage_key: str, hidden: bool) -> Stage:
    """Hide a stage's notes from everyone but their authors, or reveal them all at once."""
    workshops.lock_open(session, workshop)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    control = stage_controls.control_of(session, stage)
    control.hidden = hidden
    session.add(control)
    session.flush()
    shown: list[dict[str, Any]] = []
    if not hidden:
        # Subscribers saw only counts while hidden: the reveal carries the notes themselves.
        notes = notes_domain.live_notes(session, workshop_id=workshop.id, stage_id=stage.id)
        shown = [full_note_json(session, note) for note in notes if note.moderated_at is None]
    revealed = event_types.stage_revealed(stage=stage.key, hidden=hidden, notes=shown)
    events.append(session, workshop_id=workshop.id, event=revealed)
    return stage


def moderate(*, session: Session, workshop: Workshop, note_id: str, moderated: bool) -> Note:
    """Hide one note from participants and the projector, or restore it; it is never deleted."""
    workshops.lock_open(session, workshop)
    note = clusters.live_note(session, workshop, note_id)
    note.moderated_at = utcnow() if moderated else None
    session.add(note)
    session.flush()
    stage = workshops.stage_row(session, note.stage_id)
    group = workshops.group_row(session, note.group_id)
    announce_moderation(session, note=note, stage=stage, group=group)
    return note


def announce_moderation(session: Session, *, note: Note, stage: Stage, group: Group) -> None:
    """Log that a note was hidden or restored (the console and the archive import alike)."""
    events.append(
        session,
        workshop_id=note.workshop_id,
        event=event_types.note_moderated(
            stage=stage.key,
            group=group.name,
            note_id=note.id,
            moderated=note.moderated_at is not None,
            note=full_note_json(session, note),
        ),
    )


def full_note_json(session: Session, note: Note) -> dict[str, Any]:
    """A note as the API shows it, with where it sits on the board."""
    data = notes_domain.note_json(session, note)
    data.update(
        clusters.placement(note) | {"moderated": note.moderated_at is not None, "hidden": False}
    )
    data.pop("id", None)
    data = {"id": note.id, **data}
    return data


def redact_note(data: dict[str, Any]) -> dict[str, Any]:
    """A note's JSON with everything a participant may not read taken out."""
    return {
        **data,
        "text": "",
        "name": "",
        "organization": "",
        "participant_id": None,
        "hidden": True,
    }


def redact(event_type: str, payload: dict[str, Any], secrets: Secrets) -> dict[str, Any] | None:
    """The payload an API participant may receive, or ``None`` to send nothing at all."""
    if event_type in NOTE_EVENTS:
        note = payload.get("note") or {}
        if note.get("id") in secrets.moderated_note_ids:
            return None
        if note.get("stage") in secrets.hidden_stage_keys:
            return {**payload, "note": redact_note(note)}
        return payload
    if event_type == event_types.NOTE_MODERATED:
        if payload.get("moderated") or payload.get("note_id") in secrets.moderated_note_ids:
            return {k: v for k, v in payload.items() if k != "note"} | {"moderated": True}
        if payload.get("stage") in secrets.hidden_stage_keys:
            return {**payload, "note": redact_note(payload.get("note") or {})}
        return payload
    if event_type == event_types.STAGE_REVEALED:
        if payload.get("stage") in secrets.hidden_stage_keys:
            return {**payload, "notes": []}
        notes = [
            n for n in payload.get("notes", []) if n.get("id") not in secrets.moderated_note_ids
        ]
        return {**payload, "notes": notes}
    if event_type == event_types.VOTE_CHANGED:
        # Dots are secret ballots among participants; totals are public.
        return {k: v for k, v in payload.items() if k not in ("participant_id", "dots")}
    return payload


def visible_notes(
    notes: Collection[Note], *, secrets: Secrets, participant: Participant | None
) -> list[Note]:
    participant_id = participant.id if participant is not None else None
    return [note for note in notes if secrets.note_visible(note, participant_id)]
