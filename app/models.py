"""Database tables. Every change that viewers must see also appends an ``Event`` row.

Integer primary keys are declared ``int`` although they are ``None`` until the row is flushed:
every row the code passes around has been read or flushed, so typing them optional would put a
check at each of hundreds of call sites for a state that only exists between ``add`` and
``flush``.
"""

import datetime as dt
import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


class User(SQLModel, table=True):
    """A secretariat admin or a facilitator; participants never have accounts."""

    id: int = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="facilitator", max_length=16)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # API tokens carry the version they were issued with; a reset or disabling bumps it.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Workshop(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    format_key: str | None = Field(default=None, max_length=64)
    date: dt.date | None = None
    start_time: str | None = Field(default=None, max_length=5)
    venue: str | None = Field(default=None, max_length=200)
    join_code: str = Field(max_length=16, unique=True, index=True)
    status: str = Field(default="live", max_length=16)
    current_stage_key: str | None = Field(default=None, max_length=64)
    # The last event's seq; incremented under the row lock, so it also serialises writers.
    last_seq: int = 0
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Stage(SQLModel, table=True):
    """A workshop's own copy of one stage of its format."""

    __table_args__ = (UniqueConstraint("workshop_id", "key"),)

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    position: int
    key: str = Field(max_length=64)
    label: str = Field(max_length=200)
    label_en: str = Field(default="", max_length=200)
    prompt: str = Field(default="", max_length=500)
    prompt_en: str = Field(default="", max_length=500)
    kind: str = Field(default="post", max_length=16)
    scope: str = Field(default="group", max_length=16)
    per_person_limit: int | None = None
    draws_from: str | None = Field(default=None, max_length=64)
    status: str = Field(default="pending", max_length=16)


class Group(SQLModel, table=True):
    __tablename__ = "workshop_group"
    __table_args__ = (UniqueConstraint("workshop_id", "name"),)

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    name: str = Field(max_length=40)
    position: int


class Participant(SQLModel, table=True):
    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=36)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    group_id: int = Field(foreign_key="workshop_group.id", index=True)
    name: str = Field(default="", max_length=60)
    organization: str = Field(default="", max_length=100)
    role: str = Field(default="member", max_length=16)
    # Only a hash is stored: a leaked database must not let anyone act as a participant.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Note(SQLModel, table=True):
    __table_args__ = (
        Index("ix_note_workshop_stage_group", "workshop_id", "stage_id", "group_id"),
        # A participant's notes in a stage: the per-person limit a post checks.
        Index("ix_note_participant_stage", "participant_id", "stage_id"),
    )

    # Chosen by the client so that a retried post on a flaky connection is recognised.
    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=36)
    workshop_id: int = Field(foreign_key="workshop.id")
    stage_id: int = Field(foreign_key="stage.id")
    group_id: int = Field(foreign_key="workshop_group.id")
    participant_id: str | None = Field(default=None, foreign_key="participant.id", max_length=36)
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    # The seq of the event that created it: a total order every screen agrees on.
    created_seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    # Sorting (issue 3): the cluster it sits in, its sortable key there, the note it duplicates,
    # and when the facilitator hid it from participants (moderation; kept in the data).
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    position: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    duplicate_of: str | None = Field(default=None, foreign_key="note.id", max_length=36)
    moderated_at: datetime | None = None


class Event(SQLModel, table=True):
    """One entry of a workshop's gapless log; viewers replay it by ``seq``."""

    __table_args__ = (UniqueConstraint("workshop_id", "seq"),)

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id")
    seq: int
    type: str = Field(max_length=40)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ReportDetails(SQLModel, table=True):
    """What the secretariat adds for the 報告書; one row per workshop, created on first save."""

    __tablename__ = "report_details"

    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True)
    end_time: str | None = Field(default=None, max_length=5)
    # Lists are kept as JSON text: they are only ever read and written whole.
    organizations: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    participant_count: int | None = None
    roles: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False))
    materials: str = Field(default="", sa_column=Column(Text, nullable=False))
    steps: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    theme: str = Field(default="", sa_column=Column(Text, nullable=False))
    case_summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    closing_summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class Question(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    participant_id: str | None = Field(default=None, foreign_key="participant.id", max_length=36)
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    organization: str = Field(default="", max_length=100)
    remark: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    organization: str = Field(default="", max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Comment(SQLModel, table=True):
    """A closing word from an advisor, a case presenter or a facilitator."""

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    role: str = Field(max_length=16)
    name: str = Field(default="", max_length=100)
    organization: str = Field(default="", max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    """A participant's 感想; one per participant, so a resent form replaces instead of doubling."""

    __table_args__ = (UniqueConstraint("workshop_id", "participant_id"),)

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    participant_id: str | None = Field(default=None, foreign_key="participant.id", max_length=36)
    text: str = Field(sa_column=Column(Text, nullable=False))
    rating: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StaffSession(SQLModel, table=True):
    """A signed-in browser. Server-side, so that logout, disabling and a reset end it at once."""

    __tablename__ = "staff_session"

    # sha256 of the random cookie value: the database alone does not let anyone sign in.
    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class CoFacilitator(SQLModel, table=True):
    """A facilitator added to someone else's workshop; they run it like its owner."""

    __tablename__ = "co_facilitator"

    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    added_at: datetime = Field(default_factory=utcnow)


class StoredFormat(SQLModel, table=True):
    """A format the secretariat made; workshops copy its stages, so editing never rewrites one."""

    __tablename__ = "stored_format"

    id: int = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    # The stage list as JSON: a format is edited and copied whole, never queried by stage.
    stages: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class WorkshopRetention(SQLModel, table=True):
    """When a workshop closed, how long its participant data is kept, and when it was purged."""

    __tablename__ = "workshop_retention"

    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True)
    # None: the site default (FUSEN_RETENTION_DAYS).
    retention_days: int | None = None
    closed_at: datetime | None = None
    purged_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Who did what, when: kept for the secretariat, never shown to participants."""

    __tablename__ = "audit_entry"

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # The name is copied so the entry still reads right after the account is renamed or gone.
    user_id: int | None = Field(default=None, foreign_key="user.id")
    username: str = Field(default="", max_length=64)
    action: str = Field(max_length=40)
    workshop_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="", max_length=500)


class Cluster(SQLModel, table=True):
    """A titled pile of notes of one group in one stage (KJ法)."""

    __table_args__ = (
        Index("ix_cluster_workshop_stage_group", "workshop_id", "stage_id", "group_id"),
    )

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id")
    stage_id: int = Field(foreign_key="stage.id")
    group_id: int = Field(foreign_key="workshop_group.id")
    title: str = Field(default="", max_length=200)
    # Fractional-indexing key: moving a cluster rewrites only its own row.
    position: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_seq: int = 0
    deleted_at: datetime | None = None


class Selection(SQLModel, table=True):
    """An item of the source stage picked in a ``select`` stage (the ②→③ funnel).

    Exactly one of ``note_id`` and ``cluster_id`` is set; ``stage_id`` is the select stage.
    """

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    stage_id: int = Field(foreign_key="stage.id")
    group_id: int = Field(foreign_key="workshop_group.id")
    note_id: str | None = Field(default=None, foreign_key="note.id", max_length=36)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id")
    created_seq: int = 0


class Vote(SQLModel, table=True):
    """The dots one participant put on one item in a ``vote`` stage."""

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    stage_id: int = Field(foreign_key="stage.id")
    participant_id: str = Field(foreign_key="participant.id", max_length=36)
    note_id: str | None = Field(default=None, foreign_key="note.id", max_length=36)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id")
    dots: int = 0


class StageControl(SQLModel, table=True):
    """What the facilitator sets on a stage while running it: reveal, dots, timer, sorting."""

    __tablename__ = "stage_control"

    stage_id: int = Field(foreign_key="stage.id", primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    hidden: bool = False
    dots_per_person: int = 3
    dots_per_item: int = 3
    timer_ends_at: datetime | None = None
    timer_locks: bool = False
    # Organising (clusters, moves, duplicates, picks) runs until the facilitator ends it; locking
    # posting does not end it, because grouping the notes is what follows the writing time.
    sorting_done: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})


class WorkshopLimits(SQLModel, table=True):
    """Caps an admin set for one workshop; a missing row or None means the site default."""

    __tablename__ = "workshop_limits"

    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True)
    max_participants: int | None = None
    max_notes: int | None = None


class Presentation(SQLModel, table=True):
    """Which group presents now, and the order the facilitator walks through them."""

    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True)
    group_id: int | None = Field(default=None, foreign_key="workshop_group.id")
    # Group ids, comma-separated, in presenting order.
    order: str = Field(default="", max_length=500)


class NoteTally(SQLModel, table=True):
    """How many live notes one group has in one stage of a workshop.

    Written only by database triggers (``domain/note_tally.py``), like the search index. A new
    note's caps compare against sums of these rows instead of counting the board's notes, so a
    post reads the same few rows at 20 notes and at 2,000.
    """

    __tablename__ = "note_tally"

    workshop_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    stage_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    group_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    live: int = 0


class SearchEntry(SQLModel, table=True):
    """One searchable text (a note, a cluster title, a question …) with what search filters on.

    Written only by database triggers (``domain/search_index.py``), so every writer of the
    source tables keeps it current, bulk updates and retention purges included.
    """

    __tablename__ = "search_entry"
    __table_args__ = (Index("ix_search_entry_kind_ref", "kind", "ref"),)

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    ref: str = Field(max_length=36)
    workshop_id: int = Field(index=True)
    stage_id: int | None = None
    stage_key: str = Field(default="", max_length=64)
    group_name: str = Field(default="", max_length=40)
    organization: str = Field(default="", max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime | None = None


class Series(SQLModel, table=True):
    """Workshops held again and again under one name, e.g. 「地域福祉推進会議」."""

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class SeriesMember(SQLModel, table=True):
    """A workshop's place in a series; a row of its own so ``workshop`` keeps its columns."""

    __tablename__ = "series_member"

    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)


class ThemeAnalysis(SQLModel, table=True):
    """Recurring themes across workshops, as the secretariat renamed, merged and split them."""

    __tablename__ = "theme_analysis"

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    stage_key: str = Field(max_length=64)
    # Workshop ids and themes ([{"title", "notes": [note ids]}]) as JSON: read and written whole.
    workshop_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    themes: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
