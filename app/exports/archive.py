"""A versioned JSON archive of everything a workshop holds, and its import as a new workshop.

The archive names things by content and local references (``p1``, ``n1``), never by database
ids, so exporting an imported workshop gives the same archive again.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from app.domain import formats, notes, participants, records, workshops
from app.domain.formats import StageSpec
from app.errors import Invalid
from app.i18n import N_
from app.live import events
from app.models import (
    Answer,
    Comment,
    Feedback,
    Note,
    Participant,
    Question,
    Workshop,
    utcnow,
)

KIND = "fusen-workshop-archive"
VERSION = 1
MAX_BYTES = 20 * 1024 * 1024
MAX_ITEMS = 50_000
WORKSHOP_IMPORTED = "workshop.imported"


# --- export --------------------------------------------------------------------------------


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
            }
            for n, note in enumerate(all_notes, 1)
        ],
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


def _time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


# --- the archive's shape, checked before anything is written ------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkshopIn(_Strict):
    title: str = Field(min_length=1, max_length=workshops.MAX_TITLE)
    format_key: str | None = Field(default=None, max_length=64)
    date: dt.date | None = None
    start_time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    venue: str | None = Field(default=None, max_length=200)
    status: Literal["draft", "live", "closed"] = "closed"
    current_stage: str | None = Field(default=None, max_length=64)


class StageIn(_Strict):
    key: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=200)
    label_en: str = Field(default="", max_length=200)
    prompt: str = Field(default="", max_length=500)
    prompt_en: str = Field(default="", max_length=500)
    kind: str = Field(default="post", max_length=16)
    scope: str = Field(default="group", max_length=16)
    per_person_limit: int | None = Field(default=None, ge=1, le=100)
    draws_from: str | None = Field(default=None, max_length=64)
    status: Literal["pending", "open", "locked"] = "locked"


class ParticipantIn(_Strict):
    ref: str = Field(min_length=1, max_length=40)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    name: str = Field(default="", max_length=participants.MAX_NAME)
    organization: str = Field(default="", max_length=participants.MAX_ORGANIZATION)
    role: str = Field(default="member", max_length=16)
    joined_at: dt.datetime | None = None


class NoteIn(_Strict):
    ref: str = Field(min_length=1, max_length=40)
    stage: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    participant: str | None = Field(default=None, max_length=40)
    by_staff: bool = False
    text: str = Field(min_length=1, max_length=notes.MAX_TEXT)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None


class AnswerIn(_Strict):
    organization: str = Field(default="", max_length=records.MAX_ORGANIZATION)
    text: str = Field(min_length=1, max_length=records.MAX_ANSWER)
    answered_at: dt.datetime | None = None


class QuestionIn(_Strict):
    text: str = Field(min_length=1, max_length=records.MAX_QUESTION)
    organization: str = Field(default="", max_length=records.MAX_ORGANIZATION)
    participant: str | None = Field(default=None, max_length=40)
    remark: str = Field(default="", max_length=records.MAX_REMARK)
    asked_at: dt.datetime | None = None
    answers: list[AnswerIn] = Field(default_factory=list, max_length=200)


class CommentIn(_Strict):
    role: str = Field(max_length=16)
    name: str = Field(min_length=1, max_length=records.MAX_NAME)
    organization: str = Field(default="", max_length=records.MAX_ORGANIZATION)
    text: str = Field(min_length=1, max_length=records.MAX_COMMENT)
    created_at: dt.datetime | None = None


class FeedbackIn(_Strict):
    participant: str | None = Field(default=None, max_length=40)
    text: str = Field(default="", max_length=records.MAX_FEEDBACK)
    rating: int | None = Field(default=None, ge=1, le=5)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class ArchiveIn(_Strict):
    kind: Literal["fusen-workshop-archive"]
    version: int
    workshop: WorkshopIn
    details: dict[str, Any] | None = None
    stages: list[StageIn] = Field(min_length=1, max_length=formats.MAX_STAGES)
    groups: list[str] = Field(min_length=1, max_length=workshops.MAX_GROUPS)
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    notes: list[NoteIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    comments: list[CommentIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    feedback: list[FeedbackIn] = Field(default_factory=list, max_length=MAX_ITEMS)


def load(raw: bytes) -> ArchiveIn:
    """Parse and check an archive; refuse it with a reason before anything is written."""
    if len(raw) > MAX_BYTES:
        raise Invalid(
            N_("The archive is larger than %(max)s MB and was not imported."),
            max=MAX_BYTES // (1024 * 1024),
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid(N_("This file is not a Fusen archive: it is not valid JSON.")) from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise Invalid(N_("This file is not a Fusen archive."))
    version = data.get("version")
    if version != VERSION:
        raise Invalid(
            N_("This archive has version %(version)s; this Fusen reads version %(supported)s."),
            version=str(version)[:20],
            supported=VERSION,
        )
    try:
        return ArchiveIn.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error.get("loc", ()))
        raise Invalid(
            N_("The archive is damaged at “%(where)s”: %(problem)s"),
            where=where[:100],
            problem=str(error.get("msg", ""))[:200],
        ) from None


# --- import --------------------------------------------------------------------------------


def restore(*, session: Session, archive: ArchiveIn, owner_id: int | None) -> Workshop:
    """Recreate the archived workshop as a new one; the caller commits once, or nothing is kept."""
    source = archive.workshop
    workshop = workshops.create_workshop(
        session=session,
        title=source.title,
        stages=[StageSpec(**stage.model_dump(exclude={"status"})) for stage in archive.stages],
        groups=archive.groups,
        format_key=source.format_key,
        date=source.date,
        start_time=source.start_time,
        venue=source.venue,
        owner_id=owner_id,
    )
    stages = {s.key: s for s in workshops.stages_of(session, workshop.id)}
    groups = {g.name: g for g in workshops.groups_of(session, workshop.id)}
    for spec in archive.stages:
        stages[spec.key].status = spec.status
        session.add(stages[spec.key])
    if source.current_stage is not None and source.current_stage not in stages:
        raise Invalid(
            N_("The archive's current stage “%(key)s” is not one of its stages."),
            key=source.current_stage,
        )
    workshop.current_stage_key = source.current_stage
    workshop.status = source.status
    session.add(workshop)
    events.lock_workshop(session, workshop.id)

    people: dict[str, Participant] = {}
    for person in archive.participants:
        if person.ref in people:
            raise Invalid(N_("The archive names participant “%(ref)s” twice."), ref=person.ref)
        participant = Participant(
            workshop_id=workshop.id,
            group_id=_group(groups, person.group).id,
            name=person.name,
            organization=person.organization,
            role=person.role,
            # Nobody holds a token for an imported participant; a random hash that matches none.
            token_hash=participants.hash_token(secrets.token_urlsafe(32)),
            created_at=person.joined_at or utcnow(),
        )
        session.add(participant)
        people[person.ref] = participant
    session.flush()

    for item in archive.notes:
        stage = stages.get(item.stage)
        if stage is None:
            raise Invalid(N_("This workshop has no stage “%(key)s”."), key=item.stage)
        group = _group(groups, item.group)
        author = _person(people, item.participant)
        created = item.created_at or utcnow()
        note = Note(
            workshop_id=workshop.id,
            stage_id=stage.id,
            group_id=group.id,
            participant_id=author.id if author else None,
            author_user_id=owner_id if item.by_staff else None,
            text=notes.clean_text(item.text),
            created_at=created,
            updated_at=item.updated_at or created,
        )
        session.add(note)
        session.flush()
        # Each note keeps its own place in the log, so the order every screen shows survives.
        event = events.append(
            session,
            workshop_id=workshop.id,
            type=events.NOTE_CREATED,
            payload={"note": notes.as_json(note, stage=stage, group=group, author=author)},
        )
        note.created_seq = event.seq
        if item.deleted_at is not None:
            note.deleted_at = item.deleted_at
            events.append(
                session,
                workshop_id=workshop.id,
                type=events.NOTE_DELETED,
                payload={"note_id": note.id, "stage": stage.key, "group": group.name},
            )
        session.add(note)

    for item in archive.questions:
        asker = _person(people, item.participant)
        question = Question(
            workshop_id=workshop.id,
            participant_id=asker.id if asker else None,
            author_user_id=None if asker else owner_id,
            text=item.text,
            organization=item.organization,
            remark=item.remark,
            created_at=item.asked_at or utcnow(),
        )
        session.add(question)
        session.flush()
        for answer in item.answers:
            session.add(
                Answer(
                    question_id=question.id,
                    organization=answer.organization,
                    text=answer.text,
                    created_at=answer.answered_at or utcnow(),
                )
            )
    for item in archive.comments:
        if item.role not in records.COMMENT_ROLES:
            raise Invalid(
                N_("A comment's role must be one of: %(roles)s."),
                roles=", ".join(records.COMMENT_ROLES),
            )
        session.add(
            Comment(
                workshop_id=workshop.id,
                role=item.role,
                name=item.name,
                organization=item.organization,
                text=item.text,
                created_at=item.created_at or utcnow(),
            )
        )
    seen_feedback: set[str | None] = set()
    for item in archive.feedback:
        giver = _person(people, item.participant)
        key = giver.id if giver else None
        if key is not None and key in seen_feedback:
            raise Invalid(N_("The archive holds two feedback entries from one participant."))
        seen_feedback.add(key)
        created = item.created_at or utcnow()
        session.add(
            Feedback(
                workshop_id=workshop.id,
                participant_id=key,
                text=item.text,
                rating=item.rating,
                created_at=created,
                updated_at=item.updated_at or created,
            )
        )
    session.flush()
    if archive.details is not None:
        records.update_details(session=session, workshop=workshop, changes=archive.details)
    events.append(
        session,
        workshop_id=workshop.id,
        type=WORKSHOP_IMPORTED,
        payload={"notes": len(archive.notes), "questions": len(archive.questions)},
    )
    return workshop


def import_bytes(*, session: Session, raw: bytes, owner_id: int | None) -> Workshop:
    return restore(session=session, archive=load(raw), owner_id=owner_id)


def _group(groups: dict[str, Any], name: str) -> Any:
    if name not in groups:
        raise Invalid(N_("This workshop has no group “%(group)s”."), group=name[:40])
    return groups[name]


def _person(people: dict[str, Participant], ref: str | None) -> Participant | None:
    if ref is None:
        return None
    if ref not in people:
        raise Invalid(N_("The archive refers to an unknown participant “%(ref)s”."), ref=ref[:40])
    return people[ref]
