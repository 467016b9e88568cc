"""Live sorting: clusters, moves, duplicates, picks, dots, reveal, roles, spotlight and timer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.notes import NoteOut
from app.schemas.workshops import WorkshopSnapshot


class SortedNoteOut(NoteOut):
    cluster_id: int | None = None
    position: str = ""
    duplicate_of: str | None = None
    moderated: bool = False
    hidden: bool = Field(
        default=False, description="Text withheld: the stage is hidden until the reveal"
    )


class ClusterOut(BaseModel):
    id: int
    stage: str
    group: str
    title: str
    position: str


class SelectionOut(BaseModel):
    stage: str
    group: str
    note_id: str | None = None
    cluster_id: int | None = None


class VoteTotalOut(BaseModel):
    stage: str
    note_id: str | None = None
    cluster_id: int | None = None
    total: int


class MyVoteOut(BaseModel):
    stage: str
    note_id: str | None = None
    cluster_id: int | None = None
    dots: int


class StageControlOut(BaseModel):
    stage: str
    hidden: bool
    dots_per_person: int
    dots_per_item: int
    timer_ends_at: str | None = None
    timer_locks: bool = False
    sorting: str = Field(
        "open", description="“not_started” (never opened), “open”, or “done” (frozen)"
    )


class PresentationOut(BaseModel):
    group: str | None = None
    order: list[str]


class RecorderOut(BaseModel):
    participant_id: str
    group: str


class SortedSnapshot(WorkshopSnapshot):
    notes: list[SortedNoteOut]  # type: ignore[assignment]
    clusters: list[ClusterOut] = []
    selections: list[SelectionOut] = []
    votes: list[VoteTotalOut] = []
    my_votes: list[MyVoteOut] | None = None
    stage_controls: list[StageControlOut] = []
    presentation: PresentationOut | None = None
    recorders: list[RecorderOut] = []


class Placement(BaseModel):
    id: str
    cluster_id: int | None = None
    position: str = ""
    duplicate_of: str | None = None


class ClusterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str = Field(min_length=1, max_length=64)
    group: str | int
    title: str = Field(default="", max_length=200)
    notes: list[str] = Field(default_factory=list, max_length=50)


class ClusterEdit(BaseModel):
    """Send ``title`` to rename; send ``after`` (a cluster id, or null for first) to reorder."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    after: int | None = None


class MergeIn(BaseModel):
    into: int


class MoveIn(BaseModel):
    """Where a note goes: a cluster (null = loose) and its place there: ``first``, or after the
    note ``after``; otherwise (or if ``after`` left the cluster meanwhile) at the end."""

    model_config = ConfigDict(extra="forbid")

    cluster_id: int | None = None
    after: str | None = Field(default=None, max_length=64)
    first: bool = False


class DuplicateIn(BaseModel):
    duplicate_of: str | None = Field(default=None, max_length=64)


class SelectionIn(BaseModel):
    stage: str = Field(min_length=1, max_length=64)
    note_id: str | None = Field(default=None, max_length=64)
    cluster_id: int | None = None
    selected: bool = True


class SelectionResult(BaseModel):
    selected: bool
    changed: bool


class VoteIn(BaseModel):
    stage: str = Field(min_length=1, max_length=64)
    note_id: str | None = Field(default=None, max_length=64)
    cluster_id: int | None = None
    dots: int = Field(ge=0, le=20)


class VoteResult(BaseModel):
    dots: int
    total: int
    remaining: int


class VotingIn(BaseModel):
    dots_per_person: int = Field(ge=1, le=20)
    dots_per_item: int = Field(ge=1, le=20)


class RevealIn(BaseModel):
    hidden: bool


class SortingIn(BaseModel):
    done: bool = Field(description="true freezes clusters, moves and picks; false reopens them")


class ModerationIn(BaseModel):
    moderated: bool


class PresentationIn(BaseModel):
    group: str | int | None = None
    order: list[str | int] | None = Field(default=None, max_length=50)


class TimerIn(BaseModel):
    seconds: int | None = Field(default=None, ge=1, le=4 * 3600)
    lock_at_zero: bool = False


class SuggestionOut(BaseModel):
    original_id: str
    duplicate_id: str
    score: float


class ParticipantRoleIn(BaseModel):
    role: str = Field(max_length=16, description="“member” or “recorder”")
