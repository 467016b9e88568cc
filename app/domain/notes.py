"""Sticky notes: post, edit and delete, each appending its event in the same transaction."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from app.domain import limits, timers, workshops
from app.domain import text as text_domain
from app.domain.formats import POSTABLE_KINDS
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.live import events
from app.models import Group, Note, Participant, Stage, User, Workshop, utcnow

MAX_TEXT = 500


@dataclass(frozen=True)
class Actor:
    """Who acts: a participant (from their token) or a staff user."""

    participant: Participant | None = None
    user: User | None = None

    @property
    def is_staff(self) -> bool:
        return self.user is not None


@dataclass(frozen=True)
class Posted:
    note: Note
    created: bool


def clean_text(raw: str | None) -> str:
    """Normalise and validate note text: no empty notes, no control characters, ≤ 500 chars."""
    text = unicodedata.normalize("NFC", raw or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text_domain.plain(text, multiline=True)
    text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    if not text.strip():
        raise Invalid(N_("A note cannot be empty."))
    if len(text) > MAX_TEXT:
        raise Invalid(
            N_("A note can be at most %(max)s characters (this one has %(count)s)."),
            max=MAX_TEXT,
            count=len(text),
        )
    return text


def _note_id(raw: str | None) -> str:
    if raw is None or raw == "":
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise Invalid(N_("A note id must be a UUID.")) from None


def post_note(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    stage_key: str,
    text: str,
    group: str | int | None = None,
    note_id: str | None = None,
) -> Posted:
    """Post a note; posting the same id again returns the first note and changes nothing."""
    note_id = _note_id(note_id)
    existing = session.get(Note, note_id)
    if existing is not None:
        return Posted(note=_same_author_or_conflict(existing, workshop, actor), created=False)
    text = clean_text(text)
    workshops.lock_open(session, workshop)
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    _require_open(stage)
    target = _target_group(session, workshop, actor, group)
    limits.require_room_for_note(session, workshop, stage, target)
    if actor.participant is not None and stage.per_person_limit is not None:
        posted = session.exec(
            select(func.count())
            .select_from(Note)
            .where(
                Note.stage_id == stage.id,
                Note.participant_id == actor.participant.id,
                col(Note.deleted_at).is_(None),
            )
        ).one()
        if posted >= stage.per_person_limit:
            raise Conflict(
                N_("You can post at most %(max)s notes in this stage."),
                max=stage.per_person_limit,
            )
    note = Note(
        id=note_id,
        workshop_id=workshop.id,
        stage_id=stage.id,
        group_id=target.id,
        participant_id=actor.participant.id if actor.participant else None,
        author_user_id=actor.user.id if actor.user else None,
        text=text,
    )
    session.add(note)
    session.flush()
    event = events.append(
        session,
        workshop_id=workshop.id,
        type=events.NOTE_CREATED,
        payload={"note": as_json(note, stage=stage, group=target, author=actor.participant)},
    )
    note.created_seq = event.seq
    session.add(note)
    session.flush()
    return Posted(note=note, created=True)


def edit_note(
    *, session: Session, workshop: Workshop, actor: Actor, note_id: str, text: str
) -> Note:
    text = clean_text(text)
    workshops.lock_open(session, workshop)
    note, stage = _editable(session, workshop, actor, note_id)
    if note.text != text:
        note.text = text
        note.updated_at = utcnow()
        session.add(note)
        session.flush()
        group = session.get(Group, note.group_id)
        author = session.get(Participant, note.participant_id) if note.participant_id else None
        events.append(
            session,
            workshop_id=workshop.id,
            type=events.NOTE_UPDATED,
            payload={"note": as_json(note, stage=stage, group=group, author=author)},
        )
    return note


def delete_note(*, session: Session, workshop: Workshop, actor: Actor, note_id: str) -> Note:
    """Soft-delete: the note leaves every screen but stays in the data until the purge."""
    workshops.lock_open(session, workshop)
    note, stage = _editable(session, workshop, actor, note_id)
    note.deleted_at = utcnow()
    session.add(note)
    session.flush()
    group = session.get(Group, note.group_id)
    events.append(
        session,
        workshop_id=workshop.id,
        type=events.NOTE_DELETED,
        payload={"note_id": note.id, "stage": stage.key, "group": group.name if group else None},
    )
    return note


def _editable(
    session: Session, workshop: Workshop, actor: Actor, note_id: str
) -> tuple[Note, Stage]:
    note = session.get(Note, str(note_id))
    if note is None or note.workshop_id != workshop.id or note.deleted_at is not None:
        raise NotFound(N_("No such note."))
    stage = session.get(Stage, note.stage_id)
    if not actor.is_staff:
        if actor.participant is None or note.participant_id != actor.participant.id:
            raise Forbidden(N_("You can only change your own notes."))
        _require_open(stage)
    return note, stage


def _require_open(stage: Stage) -> None:
    if stage.kind not in POSTABLE_KINDS:
        raise Conflict(N_("Notes cannot be posted in this stage."))
    if stage.status != "open":
        raise Conflict(
            N_("The stage “%(stage)s” is not open for posting right now."), stage=stage.label
        )
    # A countdown that closes posting at zero is checked here, on every write.
    session = Session.object_session(stage)
    if session is not None:
        timers.require_time_left(session, stage)


def _target_group(
    session: Session, workshop: Workshop, actor: Actor, group: str | int | None
) -> Group:
    if actor.participant is not None:
        own = session.get(Group, actor.participant.group_id)
        if group not in (None, "") and workshops.find_group(session, workshop.id, group) != own:
            raise Forbidden(N_("You can only post to your own group."))
        return own
    if group in (None, ""):
        raise Invalid(N_("Choose the group this note belongs to."))
    return workshops.find_group(session, workshop.id, group)


def _same_author_or_conflict(note: Note, workshop: Workshop, actor: Actor) -> Note:
    same_author = note.workshop_id == workshop.id and (
        (actor.participant is not None and note.participant_id == actor.participant.id)
        or (actor.user is not None and note.author_user_id == actor.user.id)
    )
    if not same_author:
        raise Conflict(N_("This note id is already in use."))
    return note


def live_notes(
    session: Session, *, workshop_id: int, stage_id: int | None = None, group_id: int | None = None
) -> Sequence[Note]:
    statement = select(Note).where(Note.workshop_id == workshop_id, col(Note.deleted_at).is_(None))
    if stage_id is not None:
        statement = statement.where(Note.stage_id == stage_id)
    if group_id is not None:
        statement = statement.where(Note.group_id == group_id)
    return session.exec(statement.order_by(col(Note.created_seq))).all()


def as_json(
    note: Note, *, stage: Stage, group: Group | None, author: Participant | None
) -> dict[str, Any]:
    return {
        "id": note.id,
        "stage": stage.key,
        "group": group.name if group else None,
        "text": note.text,
        "name": author.name if author else "",
        "organization": author.organization if author else "",
        "participant_id": note.participant_id,
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
    }


def note_json(session: Session, note: Note) -> dict[str, Any]:
    return as_json(
        note,
        stage=session.get(Stage, note.stage_id),
        group=session.get(Group, note.group_id),
        author=session.get(Participant, note.participant_id) if note.participant_id else None,
    )
