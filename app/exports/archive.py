"""A versioned JSON archive of everything a workshop holds, and its import as a new workshop.

The archive names things by content and local references (``p1``, ``n1``), never by database
ids, so exporting an imported workshop gives the same archive again.

Live sorting travels in the same version 1: ``clusters``, ``selections``, ``votes``,
``stage_controls`` and ``presentation``, and each note's ``cluster``, ``position``,
``duplicate_of`` and ``moderated_at``. These keys are optional on import, so an archive written
before sorting existed still reads as a workshop with nothing sorted. A stage timer's end time is
left out: it belonged to the moment the workshop ran, and would be long past on import.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import delete, update
from sqlmodel import Session, SQLModel, col, select

from app.domain import (
    clusters,
    formats,
    notes,
    participants,
    presentation,
    records,
    reveal,
    selections,
    stage_controls,
    votes,
    workshops,
)
from app.domain import text as text_domain
from app.domain.formats import StageSpec
from app.errors import Invalid
from app.i18n import N_
from app.live import events
from app.live import sorting_events as kinds
from app.models import (
    Answer,
    Cluster,
    Comment,
    Feedback,
    Note,
    Participant,
    Presentation,
    Question,
    Selection,
    Stage,
    StageControl,
    Vote,
    Workshop,
    utcnow,
)

KIND = "fusen-workshop-archive"
VERSION = 1
MAX_BYTES = 20 * 1024 * 1024
# A chunked import commits after about this much writing, so others wait at most about as long.
CHUNK_SECONDS = 0.25
NOTES_PER_BATCH = 50
MAX_ITEMS = 50_000
WORKSHOP_IMPORTED = "workshop.imported"
POSITION_KEY = r"^[0-9A-Za-z]*$"


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


# --- the archive's shape, checked before anything is written ------------------------------


# Fields that keep their line breaks; every other text of the archive is one line.
MULTILINE_FIELDS = frozenset({"text", "remark"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any, info: ValidationInfo) -> Any:
        """Imported text is cleaned by the function typed text goes through (no NUL, no bidi
        overrides, NFC): an archive is just another way of typing."""
        multiline = info.field_name in MULTILINE_FIELDS
        if isinstance(value, str):
            return text_domain.plain(value, multiline=multiline)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [text_domain.plain(item, multiline=multiline) for item in value]
        return value


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
    cluster: str | None = Field(default=None, max_length=40)
    position: str = Field(default="", max_length=200, pattern=POSITION_KEY)
    duplicate_of: str | None = Field(default=None, max_length=40)
    moderated_at: dt.datetime | None = None


class ClusterIn(_Strict):
    ref: str = Field(min_length=1, max_length=40)
    stage: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    title: str = Field(default="", max_length=clusters.MAX_TITLE)
    position: str = Field(default="", max_length=200, pattern=POSITION_KEY)


class SelectionIn(_Strict):
    stage: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    note: str | None = Field(default=None, max_length=40)
    cluster: str | None = Field(default=None, max_length=40)


class VoteIn(_Strict):
    stage: str = Field(min_length=1, max_length=64)
    participant: str = Field(min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=40)
    cluster: str | None = Field(default=None, max_length=40)
    dots: int = Field(ge=1, le=votes.MAX_DOTS)


class StageControlIn(_Strict):
    stage: str = Field(min_length=1, max_length=64)
    hidden: bool = False
    dots_per_person: int = Field(default=3, ge=1, le=votes.MAX_DOTS)
    dots_per_item: int = Field(default=3, ge=1, le=votes.MAX_DOTS)
    timer_locks: bool = False
    sorting_done: bool = False


class PresentationIn(_Strict):
    group: str | None = Field(default=None, max_length=workshops.MAX_GROUP_NAME)
    order: list[str] = Field(default_factory=list, max_length=workshops.MAX_GROUPS)


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
    clusters: list[ClusterIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    selections: list[SelectionIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    votes: list[VoteIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    stage_controls: list[StageControlIn] = Field(
        default_factory=list, max_length=formats.MAX_STAGES
    )
    presentation: PresentationIn | None = None


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
    except RecursionError:
        raise Invalid(N_("This file is not a Fusen archive: it is nested too deeply.")) from None
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
    except RecursionError:
        raise Invalid(N_("This file is not a Fusen archive: it is nested too deeply.")) from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error.get("loc", ()))
        raise Invalid(
            N_("The archive is damaged at “%(where)s”: %(problem)s"),
            where=where[:100],
            problem=str(error.get("msg", ""))[:200],
        ) from None


# --- import --------------------------------------------------------------------------------


def restore(
    *,
    session: Session,
    archive: ArchiveIn,
    owner_id: int | None,
    pause: Callable[[], None] | None = None,
) -> Workshop:
    """Recreate the archived workshop as a new one; the caller commits, or nothing is kept.

    With ``pause``, the notes are written in chunks of about ``CHUNK_SECONDS``: ``pause``
    commits what was written and lets other workshops' writers take the lock, so a
    50,000-note import never holds it for long. The workshop stays closed (nobody can join a
    half-imported one) until the last chunk; a failure part-way removes what was written.
    """
    check_sorting(archive)
    check_references(archive)
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
    # Before the notes, so a hidden stage is hidden from its first note on.
    _restore_controls(session, workshop=workshop, stages=stages, archive=archive)

    if pause is None:
        _restore_rows(session, workshop, archive, stages, groups, owner_id, None)
        return workshop
    workshop.status = "closed"
    session.add(workshop)
    try:
        _restore_rows(session, workshop, archive, stages, groups, owner_id, pause)
    except Exception:
        session.rollback()
        discard(session, workshop.id)
        session.commit()
        raise
    workshop.status = source.status
    session.add(workshop)
    return workshop


def _restore_rows(
    session: Session,
    workshop: Workshop,
    archive: ArchiveIn,
    stages: dict[str, Stage],
    groups: dict[str, Any],
    owner_id: int | None,
    pause: Callable[[], None] | None,
) -> None:
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

    placed: dict[str, Note] = {}
    chunk_started = time.monotonic()
    for first in range(0, len(archive.notes), NOTES_PER_BATCH):
        if pause is not None and time.monotonic() - chunk_started > CHUNK_SECONDS:
            pause()
            chunk_started = time.monotonic()
        batch = archive.notes[first : first + NOTES_PER_BATCH]
        _restore_notes(session, workshop, batch, stages, groups, people, owner_id, placed)
    _restore_sorting(
        session,
        workshop=workshop,
        archive=archive,
        stages=stages,
        groups=groups,
        people=people,
        placed=placed,
    )

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


def _restore_notes(
    session: Session,
    workshop: Workshop,
    batch: Sequence[NoteIn],
    stages: dict[str, Stage],
    groups: dict[str, Any],
    people: dict[str, Participant],
    owner_id: int | None,
    placed: dict[str, Note],
) -> None:
    """Write a batch of notes with one insert each for notes and events (row by row, 50,000
    notes took minutes). Each note keeps its own place in the log, so the order survives."""
    written: list[tuple[Note, NoteIn, Stage, Any, Participant | None]] = []
    for item in batch:
        stage = stages[item.stage]
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
            deleted_at=item.deleted_at,
        )
        written.append((note, item, stage, group, author))
    entries: list[tuple[str, dict[str, Any]]] = []
    for note, item, stage, group, author in written:
        json_note = notes.as_json(note, stage=stage, group=group, author=author)
        entries.append((events.NOTE_CREATED, {"note": json_note}))
        if item.deleted_at is not None:
            entries.append(
                (
                    events.NOTE_DELETED,
                    {"note_id": note.id, "stage": stage.key, "group": group.name},
                )
            )
    logged = iter(events.append_many(session, workshop_id=workshop.id, entries=entries))
    for note, item, _stage, _group_row, _author in written:
        note.created_seq = next(logged).seq
        if item.deleted_at is not None:
            next(logged)
        placed[item.ref] = note
    session.add_all([note for note, *_ in written])
    session.flush()


def check_references(archive: ArchiveIn) -> None:
    """Refuse an archive whose notes, questions or feedback name what it does not hold, before
    anything is written (a chunked import has committed chunks by the time it meets them)."""
    stage_keys = {stage.key for stage in archive.stages}
    group_names = set(archive.groups)
    refs: set[str] = set()
    for person in archive.participants:
        if person.ref in refs:
            raise Invalid(N_("The archive names participant “%(ref)s” twice."), ref=person.ref)
        refs.add(person.ref)
        if person.group not in group_names:
            raise Invalid(N_("This workshop has no group “%(group)s”."), group=person.group[:40])
    for item in archive.notes:
        if item.stage not in stage_keys:
            raise Invalid(N_("This workshop has no stage “%(key)s”."), key=item.stage)
        if item.group not in group_names:
            raise Invalid(N_("This workshop has no group “%(group)s”."), group=item.group[:40])
    named = [n.participant for n in archive.notes] + [q.participant for q in archive.questions]
    named += [f.participant for f in archive.feedback]
    for ref in named:
        if ref is not None and ref not in refs:
            raise Invalid(
                N_("The archive refers to an unknown participant “%(ref)s”."), ref=ref[:40]
            )
    for comment in archive.comments:
        if comment.role not in records.COMMENT_ROLES:
            raise Invalid(
                N_("A comment's role must be one of: %(roles)s."),
                roles=", ".join(records.COMMENT_ROLES),
            )


def discard(session: Session, workshop_id: int) -> None:
    """Delete every row of a workshop (a chunked import that failed part-way)."""
    session.execute(
        update(Note).where(col(Note.workshop_id) == workshop_id).values(duplicate_of=None)
    )
    questions = select(Question.id).where(Question.workshop_id == workshop_id)
    session.execute(delete(Answer).where(col(Answer.question_id).in_(questions)))
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "workshop_id" in table.c and table.name != "workshop":
            session.execute(delete(table).where(table.c.workshop_id == workshop_id))
    session.execute(delete(Workshop).where(col(Workshop.id) == workshop_id))


def check_sorting(archive: ArchiveIn) -> None:
    """Refuse sorting state whose references do not resolve, before anything is written.

    The rules are the ones the sorting screens keep: a note sits only in a cluster of its own
    stage and group, a duplicate points at a root note beside it, and picks and dots land only
    on items of the stage a select or vote stage draws from.
    """
    stages = {s.key: s for s in archive.stages}
    groups = set(archive.groups)
    people = {p.ref for p in archive.participants}
    for stage_key in {c.stage for c in archive.clusters} | {
        c.stage for c in archive.stage_controls
    }:
        _stage(stages, stage_key)
    for group in {c.group for c in archive.clusters}:
        _group(dict.fromkeys(groups), group)
    piles: dict[str, ClusterIn] = {}
    for pile in archive.clusters:
        if pile.ref in piles:
            raise Invalid(N_("The archive names cluster “%(ref)s” twice."), ref=pile.ref)
        piles[pile.ref] = pile
    by_ref: dict[str, NoteIn] = {}
    twice: set[str] = set()
    for item in archive.notes:
        if item.ref in by_ref:
            twice.add(item.ref)
        by_ref[item.ref] = item
    # Older archives may repeat a note reference nobody points at; only a pointer needs it unique.
    pointed = {n.duplicate_of for n in archive.notes} | {
        item.note for item in [*archive.selections, *archive.votes]
    }
    for ref in sorted(twice & {ref for ref in pointed if ref is not None}):
        raise Invalid(N_("The archive names note “%(ref)s” twice."), ref=ref)
    for item in archive.notes:
        if item.cluster is not None:
            pile = _ref(
                piles, item.cluster, N_("The archive refers to an unknown cluster “%(ref)s”.")
            )
            if (pile.stage, pile.group) != (item.stage, item.group):
                raise Invalid(
                    N_("Note “%(note)s” sits in cluster “%(cluster)s” of another stage or group."),
                    note=item.ref,
                    cluster=pile.ref,
                )
        if item.duplicate_of is not None:
            root = _ref(
                by_ref, item.duplicate_of, N_("The archive refers to an unknown note “%(ref)s”.")
            )
            if (
                root.ref == item.ref
                or root.duplicate_of is not None
                or (root.stage, root.group) != (item.stage, item.group)
            ):
                raise Invalid(
                    N_("Note “%(note)s” cannot be a duplicate of note “%(of)s”."),
                    note=item.ref,
                    of=root.ref,
                )
    seen: set[tuple[str, ...]] = set()
    for pick in archive.selections:
        origin = _item_of(stages, piles, by_ref, stage_key=pick.stage, kind="select", item=pick)
        if origin.group != pick.group:
            raise Invalid(
                N_("The archive picks “%(ref)s” for another group than its own."),
                ref=pick.note or pick.cluster or "",
            )
        key = ("pick", pick.stage, pick.note or "", pick.cluster or "")
        if key in seen:
            raise Invalid(N_("The archive holds the same pick or vote twice."))
        seen.add(key)
    for vote in archive.votes:
        _item_of(stages, piles, by_ref, stage_key=vote.stage, kind="vote", item=vote)
        if vote.participant not in people:
            raise Invalid(
                N_("The archive refers to an unknown participant “%(ref)s”."),
                ref=vote.participant[:40],
            )
        key = ("vote", vote.stage, vote.participant, vote.note or "", vote.cluster or "")
        if key in seen:
            raise Invalid(N_("The archive holds the same pick or vote twice."))
        seen.add(key)
    controlled: set[str] = set()
    for control in archive.stage_controls:
        if control.stage in controlled:
            raise Invalid(N_("The archive sets stage “%(key)s” twice."), key=control.stage)
        controlled.add(control.stage)
        if control.dots_per_item > control.dots_per_person:
            raise Invalid(N_("Dots on one item cannot exceed the dots each person has."))
    if archive.presentation is not None:
        shown = archive.presentation
        for name in [*shown.order, *([shown.group] if shown.group is not None else [])]:
            _group(dict.fromkeys(groups), name)
        if len(set(shown.order)) != len(shown.order):
            raise Invalid(N_("Each group can appear only once in the order."))


def _item_of(
    stages: dict[str, StageIn],
    piles: dict[str, ClusterIn],
    by_ref: dict[str, NoteIn],
    *,
    stage_key: str,
    kind: str,
    item: SelectionIn | VoteIn,
) -> ClusterIn | NoteIn:
    """The note or cluster a pick or a vote names, checked against the stage it draws from."""
    stage = _stage(stages, stage_key)
    if stage.kind != kind or not stage.draws_from:
        raise Invalid(
            N_("Stage “%(key)s” of the archive cannot hold picks or dots of this kind."),
            key=stage.key,
        )
    if (item.note is None) == (item.cluster is None):
        raise Invalid(N_("Choose either a note or a cluster."))
    origin: ClusterIn | NoteIn
    if item.note is not None:
        origin = _ref(by_ref, item.note, N_("The archive refers to an unknown note “%(ref)s”."))
    else:
        origin = _ref(
            piles, item.cluster or "", N_("The archive refers to an unknown cluster “%(ref)s”.")
        )
    if origin.stage != stage.draws_from:
        raise Invalid(
            N_("“%(ref)s” is not an item of stage “%(stage)s”."),
            ref=origin.ref,
            stage=stage.draws_from,
        )
    return origin


def _stage(stages: dict[str, StageIn], key: str) -> StageIn:
    if key not in stages:
        raise Invalid(N_("This workshop has no stage “%(key)s”."), key=key[:64])
    return stages[key]


def _ref(known: dict[str, Any], ref: str, message: str) -> Any:
    if ref not in known:
        raise Invalid(message, ref=ref[:40])
    return known[ref]


def _restore_controls(
    session: Session, *, workshop: Workshop, stages: dict[str, Stage], archive: ArchiveIn
) -> None:
    for item in archive.stage_controls:
        stage = stages[item.stage]
        session.add(
            StageControl(
                stage_id=stage.id,
                workshop_id=workshop.id,
                hidden=item.hidden,
                dots_per_person=item.dots_per_person,
                dots_per_item=item.dots_per_item,
                timer_locks=item.timer_locks,
                sorting_done=item.sorting_done,
            )
        )
        session.flush()
        if item.hidden:
            events.append(
                session,
                workshop_id=workshop.id,
                type=kinds.STAGE_REVEALED,
                payload={"stage": stage.key, "hidden": True, "notes": []},
            )
        if stage.kind == "vote":
            events.append(
                session,
                workshop_id=workshop.id,
                type=kinds.STAGE_VOTING,
                payload={
                    "stage": stage.key,
                    "dots_per_person": item.dots_per_person,
                    "dots_per_item": item.dots_per_item,
                },
            )


def _restore_sorting(
    session: Session,
    *,
    workshop: Workshop,
    archive: ArchiveIn,
    stages: dict[str, Stage],
    groups: dict[str, Any],
    people: dict[str, Participant],
    placed: dict[str, Note],
) -> None:
    """Rebuild clusters, duplicates, moderation, picks, dots and the presenting order.

    Each change appends the event the sorting screens would have sent for it, so a subscriber
    replaying the log ends with the board the tables hold. Deleted notes get their place back
    silently: the log already told subscribers they are gone.
    """
    members: dict[str, list[NoteIn]] = {}
    for source in archive.notes:
        if source.cluster is not None:
            members.setdefault(source.cluster, []).append(source)
    made: dict[str, Cluster] = {}
    for item in archive.clusters:
        stage, group = stages[item.stage], groups[item.group]
        pile = Cluster(
            workshop_id=workshop.id,
            stage_id=stage.id,
            group_id=group.id,
            title=clusters.clean_title(item.title),
            position=item.position,
        )
        session.add(pile)
        session.flush()
        inside = []
        for source in members.get(item.ref, []):
            note = placed[source.ref]
            note.cluster_id = pile.id
            note.position = source.position
            session.add(note)
            if note.deleted_at is None:
                inside.append(note)
        session.flush()
        event = events.append(
            session,
            workshop_id=workshop.id,
            type=kinds.CLUSTER_CREATED,
            payload={
                "stage": stage.key,
                "group": group.name,
                "cluster": clusters.cluster_json(pile, stage=stage, group=group),
                "notes": [clusters.placement(note) for note in inside],
            },
        )
        pile.created_seq = event.seq
        session.add(pile)
        made[item.ref] = pile
    for source in archive.notes:
        note = placed[source.ref]
        if source.duplicate_of is None and source.moderated_at is None:
            continue
        note.duplicate_of = placed[source.duplicate_of].id if source.duplicate_of else None
        note.moderated_at = source.moderated_at
        session.add(note)
        session.flush()
        if note.deleted_at is not None:
            continue
        stage, group = stages[source.stage], groups[source.group]
        if note.duplicate_of is not None:
            events.append(
                session,
                workshop_id=workshop.id,
                type=kinds.NOTE_DUPLICATE,
                payload={
                    "stage": stage.key,
                    "group": group.name,
                    "note_id": note.id,
                    "duplicate_of": note.duplicate_of,
                    "notes": [clusters.placement(note)],
                },
            )
        if note.moderated_at is not None:
            events.append(
                session,
                workshop_id=workshop.id,
                type=kinds.NOTE_MODERATED,
                payload={
                    "stage": stage.key,
                    "group": group.name,
                    "note_id": note.id,
                    "moderated": True,
                    "note": reveal.full_note_json(session, note),
                },
            )
    for pick in archive.selections:
        note_id = placed[pick.note].id if pick.note else None
        cluster_id = made[pick.cluster].id if pick.cluster else None
        row = Selection(
            workshop_id=workshop.id,
            stage_id=stages[pick.stage].id,
            group_id=groups[pick.group].id,
            note_id=note_id,
            cluster_id=cluster_id,
        )
        session.add(row)
        session.flush()
        event = events.append(
            session,
            workshop_id=workshop.id,
            type=kinds.SELECTION_CHANGED,
            payload={
                "stage": pick.stage,
                "group": pick.group,
                "note_id": note_id,
                "cluster_id": cluster_id,
                "selected": True,
            },
        )
        row.created_seq = event.seq
        session.add(row)
    group_name = {g.id: g.name for g in groups.values()}
    for vote in archive.votes:
        note_id = placed[vote.note].id if vote.note else None
        cluster_id = made[vote.cluster].id if vote.cluster else None
        stage = stages[vote.stage]
        voter = people[vote.participant]
        session.add(
            Vote(
                workshop_id=workshop.id,
                stage_id=stage.id,
                participant_id=voter.id,
                note_id=note_id,
                cluster_id=cluster_id,
                dots=vote.dots,
            )
        )
        session.flush()
        item_group = placed[vote.note].group_id if vote.note else made[vote.cluster or ""].group_id
        events.append(
            session,
            workshop_id=workshop.id,
            type=kinds.VOTE_CHANGED,
            payload={
                "stage": stage.key,
                "group": group_name[item_group],
                "note_id": note_id,
                "cluster_id": cluster_id,
                "total": votes.item_total(
                    session, stage_id=stage.id, note_id=note_id, cluster_id=cluster_id
                ),
                "participant_id": voter.id,
                "dots": vote.dots,
            },
        )
    if archive.presentation is not None:
        shown = archive.presentation
        session.add(
            Presentation(
                workshop_id=workshop.id,
                group_id=groups[shown.group].id if shown.group is not None else None,
                order=",".join(str(groups[name].id) for name in shown.order),
            )
        )
        session.flush()
        state = presentation.state_of(session, workshop.id)
        events.append(
            session,
            workshop_id=workshop.id,
            type=kinds.PRESENTATION_CHANGED,
            payload={
                "group": state.group.name if state.group else None,
                "order": [g.name for g in state.order],
            },
        )
    session.flush()


def import_bytes(
    *, session: Session, raw: bytes, owner_id: int | None, pause: Callable[[], None] | None = None
) -> Workshop:
    return restore(session=session, archive=load(raw), owner_id=owner_id, pause=pause)


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
