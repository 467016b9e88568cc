"""Sticky notes: post, edit and delete, each appending its event in the same transaction."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import BindParameter, ColumnElement, ScalarSelect, Select, Table, bindparam, case
from sqlalchemy import select as core_select
from sqlmodel import Session, col, func, select

from app.domain import limits, timers, workshops
from app.domain import text as text_domain
from app.domain.formats import POSTABLE_KINDS
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.live import event_types, events
from app.models import Group, Note, Participant, Stage, StageControl, User, Workshop, utcnow

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
    """The note as written (``json`` is what the API answers), and whether this post made it."""

    note_id: str
    created: bool
    json: dict[str, Any]


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
    """Post a note; posting the same id again returns the first note and changes nothing.

    The hot path of a workshop: (whether a given id is taken,) one lock-and-seq UPDATE, one
    read of the stage, its controls, the target group and every count the caps compare, two
    INSERTs; the answer is built from what was written.
    """
    given = note_id not in (None, "")
    note_id = _note_id(note_id)
    connection = session.connection()  # Core statements skip the ORM's per-statement work
    if given and connection.execute(_NOTE_TAKEN, {"note_id": note_id}).first() is not None:
        existing = session.get(Note, note_id)
        if existing is not None:
            note = _same_author_or_conflict(existing, workshop, actor)
            return Posted(note_id=note.id, created=False, json=note_json(session, note))
    text = clean_text(text)
    reserved = events.reserve_seq(session, workshop.id)
    workshops.refuse_if_closed(reserved.status)
    seq = reserved.seq
    placed = _place(session, workshop, actor, stage_key, group)
    stage, target = placed.stage, placed.group
    _require_open(stage, placed.countdown)
    limits.require_room(placed.counts)
    if actor.participant is not None and stage.per_person_limit is not None:
        if placed.own_posts >= stage.per_person_limit:
            raise Conflict(
                N_("You can post at most %(max)s notes in this stage."),
                max=stage.per_person_limit,
            )
    now = utcnow()
    participant_id = actor.participant.id if actor.participant else None
    connection.execute(
        NOTE_INSERT,
        {
            "id": note_id,
            "workshop_id": workshop.id,
            "stage_id": stage.id,
            "group_id": target.id,
            "participant_id": participant_id,
            "author_user_id": actor.user.id if actor.user else None,
            "text": text,
            "created_seq": seq,
            "created_at": now,
            "updated_at": now,
        },
    )
    payload = _payload(
        note_id=note_id,
        stage=stage,
        group=target,
        text=text,
        author=actor.participant,
        created_at=now,
        updated_at=now,
        participant_id=participant_id,
    )
    events.append(
        session, workshop_id=workshop.id, event=event_types.note_created(payload), seq=seq
    )
    return Posted(note_id=note_id, created=True, json=payload)


_NOTE: Table = Note.__table__  # type: ignore[attr-defined]
NOTE_INSERT = _NOTE.insert()
_NOTE_TAKEN = select(_NOTE.c.id).where(_NOTE.c.id == bindparam("note_id"))


class _StageFacts(Protocol):
    """What a post reads of its stage: a ``Stage`` row, or the columns of one."""

    @property
    def id(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def per_person_limit(self) -> int | None: ...


class _GroupFacts(Protocol):
    """What a post reads of its group: a ``Group`` row, or the columns of one."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...


class _Countdown(NamedTuple):
    """What a post checks of its stage's controls: a countdown that locks posting at zero."""

    ends_at: datetime | None
    locks: bool

    @classmethod
    def of(cls, control: StageControl | None) -> _Countdown:
        if control is None:
            return cls(None, False)
        return cls(control.timer_ends_at, control.timer_locks)


class _Placed(NamedTuple):
    """Where a note goes, and what its caps compare against, as read under the lock."""

    stage: _StageFacts
    countdown: _Countdown
    group: _GroupFacts
    counts: limits.NoteCounts
    own_posts: int  # the poster's live notes in the stage (0 when the stage sets no limit)


class _PlaceRow(NamedTuple):
    """A row of the one read of a post, by the labels ``_placing`` gives its columns."""

    stage_id: int
    stage_key: str
    stage_label: str
    stage_kind: str
    stage_status: str
    per_person_limit: int | None
    group_id: int
    group_name: str
    timer_ends_at: datetime | None
    timer_locks: bool | None
    in_workshop: int
    in_stage: int
    in_column: int
    own_cap: int | None
    own_posts: int


class _StageRead(NamedTuple):
    id: int
    key: str
    label: str
    kind: str
    status: str
    per_person_limit: int | None


class _GroupRead(NamedTuple):
    id: int
    name: str


def _own_posts(
    stage_id: limits.IntValue, participant_id: str | BindParameter[str]
) -> ScalarSelect[int]:
    """The poster's live notes in the stage, for its per-person limit."""
    return (
        select(func.count())
        .select_from(Note)
        .where(
            col(Note.stage_id) == stage_id,
            col(Note.participant_id) == participant_id,
            col(Note.deleted_at).is_(None),
        )
        .scalar_subquery()
    )


def _placing(matches_group: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """One read for the whole check of a post, built once per kind of target group.

    Building this expression per request cost more than running it; the values are bound.
    Plain columns, not ORM entities: loading three rows into the identity map cost more than
    the read, and nothing of them changes.
    """
    own_posts = _own_posts(col(Stage.id), bindparam("participant_id"))
    counts = limits.note_count_columns(bindparam("workshop_id"), col(Stage.id), col(Group.id))
    return (
        core_select(
            col(Stage.id).label("stage_id"),
            col(Stage.key).label("stage_key"),
            col(Stage.label).label("stage_label"),
            col(Stage.kind).label("stage_kind"),
            col(Stage.status).label("stage_status"),
            col(Stage.per_person_limit).label("per_person_limit"),
            col(Group.id).label("group_id"),
            col(Group.name).label("group_name"),
            col(StageControl.timer_ends_at).label("timer_ends_at"),
            col(StageControl.timer_locks).label("timer_locks"),
            counts[0].label("in_workshop"),
            counts[1].label("in_stage"),
            counts[2].label("in_column"),
            counts[3].label("own_cap"),
            case((col(Stage.per_person_limit).is_(None), 0), else_=own_posts).label("own_posts"),
        )
        .select_from(Stage)
        .join(Group, matches_group)
        .outerjoin(StageControl, col(StageControl.stage_id) == col(Stage.id))
        .where(
            col(Stage.workshop_id) == bindparam("workshop_id"),
            col(Stage.key) == bindparam("stage_key"),
        )
    )


_PLACE_IN_OWN_GROUP = _placing(col(Group.id) == bindparam("group_id"))
_PLACE_IN_NAMED_GROUP = _placing(
    (col(Group.workshop_id) == bindparam("workshop_id"))
    & (col(Group.name) == bindparam("group_name"))
)


@dataclass(frozen=True)
class Draft:
    """A note to write in bulk with the times it already has (an archive import, a new series
    session's carried-over picks)."""

    stage: Stage
    group: Group
    text: str
    author: Participant | None = None
    author_user_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


def write_batch(session: Session, *, workshop_id: int, drafts: Sequence[Draft]) -> list[Note]:
    """Write many notes with one seq allocation and one insert each for notes and events.

    Row by row, 50,000 notes took minutes. Each note keeps its own place in the log, and a note
    that is already deleted is logged as deleted right after it, so a replay ends where the
    tables are. The caller may still change the returned rows (their cluster) before a flush.
    """
    written: list[Note] = []
    entries: list[event_types.NewEvent] = []
    for draft in drafts:
        created = draft.created_at or utcnow()
        note = Note(
            workshop_id=workshop_id,
            stage_id=draft.stage.id,
            group_id=draft.group.id,
            participant_id=draft.author.id if draft.author else None,
            author_user_id=draft.author_user_id,
            text=clean_text(draft.text),
            created_at=created,
            updated_at=draft.updated_at or created,
            deleted_at=draft.deleted_at,
        )
        written.append(note)
        shown = as_json(note, stage=draft.stage, group=draft.group, author=draft.author)
        entries.append(event_types.note_created(shown))
        if draft.deleted_at is not None:
            entries.append(
                event_types.note_deleted(
                    note_id=note.id, stage=draft.stage.key, group=draft.group.name
                )
            )
    logged = iter(events.append_many(session, workshop_id=workshop_id, entries=entries))
    for note, draft in zip(written, drafts, strict=True):
        note.created_seq = next(logged).seq
        if draft.deleted_at is not None:
            next(logged)
    session.add_all(written)
    session.flush()
    return written


def _place(
    session: Session, workshop: Workshop, actor: Actor, stage_key: str, group: str | int | None
) -> _Placed:
    """The stage, its controls, the group a note goes to and the counts, read together."""
    participant = actor.participant
    params: dict[str, Any] = {
        "workshop_id": workshop.id,
        "stage_key": stage_key,
        "participant_id": participant.id if participant else None,
    }
    statement = None
    if participant is not None and group in (None, ""):
        statement = _PLACE_IN_OWN_GROUP
        params["group_id"] = participant.group_id
    elif participant is None and isinstance(group, str) and group.strip():
        statement = _PLACE_IN_NAMED_GROUP
        params["group_name"] = group.strip()
    if statement is not None:
        found = session.connection().execute(statement, params).first()
        if found is not None:
            read = _PlaceRow._make(found)
            read_stage = _StageRead(
                read.stage_id,
                read.stage_key,
                read.stage_label,
                read.stage_kind,
                read.stage_status,
                read.per_person_limit,
            )
            counts = limits.NoteCounts(
                read.in_workshop, read.in_stage, read.in_column, read.own_cap
            )
            return _Placed(
                read_stage,
                _Countdown(read.timer_ends_at, bool(read.timer_locks)),
                _GroupRead(read.group_id, read.group_name),
                counts,
                read.own_posts,
            )
    # A group given by id, or refused: the slower path names what is wrong.
    stage = workshops.stage_by_key(session, workshop.id, stage_key)
    target = _target_group(session, workshop, actor, group)
    counts = limits.note_counts(session, workshop.id, stage.id, target.id)
    own_posts = 0
    if participant is not None and stage.per_person_limit is not None:
        own_posts = session.exec(select(_own_posts(stage.id, participant.id))).one()
    return _Placed(
        stage, _Countdown.of(session.get(StageControl, stage.id)), target, counts, own_posts
    )


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
        shown = as_json(note, stage=stage, group=group, author=author)
        events.append(session, workshop_id=workshop.id, event=event_types.note_updated(shown))
    return note


def delete_note(*, session: Session, workshop: Workshop, actor: Actor, note_id: str) -> Note:
    """Soft-delete: the note leaves every screen but stays in the data until the purge."""
    workshops.lock_open(session, workshop)
    note, stage = _editable(session, workshop, actor, note_id)
    note.deleted_at = utcnow()
    session.add(note)
    session.flush()
    group = session.get(Group, note.group_id)
    gone = event_types.note_deleted(
        note_id=note.id, stage=stage.key, group=group.name if group else None
    )
    events.append(session, workshop_id=workshop.id, event=gone)
    return note


def _editable(
    session: Session, workshop: Workshop, actor: Actor, note_id: str
) -> tuple[Note, Stage]:
    note = session.get(Note, str(note_id))
    if note is None or note.workshop_id != workshop.id or note.deleted_at is not None:
        raise NotFound(N_("No such note."))
    stage = workshops.stage_row(session, note.stage_id)
    if not actor.is_staff:
        if actor.participant is None or note.participant_id != actor.participant.id:
            raise Forbidden(N_("You can only change your own notes."))
        _require_open(stage, _Countdown.of(session.get(StageControl, stage.id)))
    return note, stage


def _require_open(stage: _StageFacts, countdown: _Countdown) -> None:
    if stage.kind not in POSTABLE_KINDS:
        raise Conflict(N_("Notes cannot be posted in this stage."))
    if stage.status != "open":
        raise Conflict(
            N_("The stage “%(stage)s” is not open for posting right now."), stage=stage.label
        )
    # A countdown that closes posting at zero is checked here, on every write.
    timers.refuse_after_locking_countdown(countdown.ends_at, locks=countdown.locks)


def _target_group(
    session: Session, workshop: Workshop, actor: Actor, group: str | int | None
) -> Group:
    if actor.participant is not None:
        own = workshops.group_row(session, actor.participant.group_id)
        if group is not None and group != "":
            if workshops.find_group(session, workshop.id, group) != own:
                raise Forbidden(N_("You can only post to your own group."))
        return own
    if group is None or group == "":
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


def live_note_rows(session: Session, *, workshop_id: int) -> Sequence[Any]:
    """A workshop's live notes as plain read-only rows, in posting order.

    For read models of a whole workshop: loading a thousand ORM objects costs several times
    the query itself. The rows carry the same attribute names as ``Note``.
    """
    table = Note.__table__  # type: ignore[attr-defined]
    statement = (
        select(table)
        .where(table.c.workshop_id == workshop_id, table.c.deleted_at.is_(None))
        .order_by(table.c.created_seq)
    )
    return session.execute(statement).all()


def as_json(
    note: Note, *, stage: Stage, group: Group | None, author: Participant | None
) -> dict[str, Any]:
    return _payload(
        note_id=note.id,
        stage=stage,
        group=group,
        text=note.text,
        author=author,
        created_at=note.created_at,
        updated_at=note.updated_at,
        participant_id=note.participant_id,
    )


def _payload(
    *,
    note_id: str,
    stage: _StageFacts,
    group: _GroupFacts | None,
    text: str,
    author: Participant | None,
    created_at: datetime,
    updated_at: datetime,
    participant_id: str | None,
) -> dict[str, Any]:
    """A note as events and the API carry it: one shape, whether read or just written."""
    return {
        "id": note_id,
        "stage": stage.key,
        "group": group.name if group else None,
        "text": text,
        "name": author.name if author else "",
        "organization": author.organization if author else "",
        "participant_id": participant_id,
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
    }


def note_json(session: Session, note: Note) -> dict[str, Any]:
    return as_json(
        note,
        stage=workshops.stage_row(session, note.stage_id),
        group=session.get(Group, note.group_id),
        author=session.get(Participant, note.participant_id) if note.participant_id else None,
    )
