"""JSON shapes of the public API. Field names are a contract: extend them, never rename them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.domain.formats import StageSpec


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (the OAuth2 scheme name, not a secret)


class StageOut(BaseModel):
    key: str
    label: str
    label_en: str = ""
    kind: str
    scope: str = "group"
    draws_from: str | None = None


class FormatOut(BaseModel):
    key: str
    name: str
    name_en: str
    stages: list[StageOut]


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=200, description="Japanese label")
    label_en: str = Field(default="", max_length=200)
    prompt: str = Field(default="", max_length=500)
    prompt_en: str = Field(default="", max_length=500)
    kind: str = Field(default="post", max_length=16)
    scope: str = Field(default="group", max_length=16)
    per_person_limit: int | None = Field(default=None, ge=1, le=100)
    draws_from: str | None = Field(default=None, max_length=64)

    def spec(self) -> StageSpec:
        return StageSpec(**self.model_dump())


class WorkshopIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    format: str | None = Field(default=None, max_length=64)
    stages: list[StageIn] | None = Field(default=None, max_length=30)
    groups: list[str] = Field(min_length=1, max_length=50)
    date: dt.date | None = None
    start_time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    venue: str | None = Field(default=None, max_length=200)


class WorkshopCreated(BaseModel):
    id: int
    join_code: str
    join_url: str
    board_url: str


class StageState(BaseModel):
    key: str
    label: str
    label_en: str = ""
    kind: str
    scope: str
    status: str
    draws_from: str | None = None


class GroupOut(BaseModel):
    id: int
    name: str


class NoteOut(BaseModel):
    id: str
    stage: str
    group: str | None
    text: str
    name: str
    organization: str
    participant_id: str | None = None
    created_at: str
    updated_at: str


class WorkshopSnapshot(BaseModel):
    id: int
    title: str
    date: dt.date | None = None
    venue: str | None = None
    join_code: str
    current_stage: str | None
    stages: list[StageState]
    groups: list[GroupOut]
    notes: list[NoteOut]
    participant_count: int
    last_seq: int


class CurrentStageIn(BaseModel):
    stage: str = Field(min_length=1, max_length=64)


class PostingIn(BaseModel):
    locked: bool


class LimitsIn(BaseModel):
    """A workshop's caps; null (or leaving one out) means the site default."""

    max_participants: int | None = Field(default=None, ge=1, le=100_000)
    max_notes: int | None = Field(default=None, ge=1, le=100_000)


class LimitsOut(BaseModel):
    max_participants: int
    max_notes: int
    uses_default: bool


class JoinIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    group: str | int
    name: str | None = Field(default=None, max_length=200)
    organization: str | None = Field(default=None, max_length=200)


class Joined(BaseModel):
    participant_id: str
    token: str
    workshop_id: int
    group: str


class NoteIn(BaseModel):
    id: str | None = Field(default=None, max_length=64)
    stage: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=5000)
    group: str | int | None = None


class NoteEdit(BaseModel):
    text: str = Field(max_length=5000)


class Problem(BaseModel):
    detail: str


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20000)
    organization: str | None = Field(default=None, max_length=1000)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str = Field(default="", max_length=1000)
    text: str = Field(max_length=20000)


class QuestionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remark: str = Field(max_length=20000)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(max_length=40, description="advisor, presenter or facilitator")
    name: str = Field(max_length=1000)
    organization: str | None = Field(default=None, max_length=1000)
    text: str = Field(max_length=20000)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=20000)
    rating: int | None = Field(default=None, ge=1, le=5)


class Created(BaseModel):
    id: int


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(max_length=200)
    names: list[str] | None = Field(default=None, max_length=50)
    name: str | None = Field(default=None, max_length=1000)
    organization: str | None = Field(default=None, max_length=1000)


class ReportDetailsIn(BaseModel):
    """Any subset of the report details; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=1000)
    date: dt.date | None = None
    start_time: str | None = Field(default=None, max_length=10)
    end_time: str | None = Field(default=None, max_length=10)
    venue: str | None = Field(default=None, max_length=1000)
    organizations: list[str] | None = Field(default=None, max_length=500)
    participant_count: int | None = None
    roles: list[RoleIn] | None = Field(default=None, max_length=200)
    purpose: str | None = Field(default=None, max_length=20000)
    materials: str | None = Field(default=None, max_length=20000)
    steps: list[str] | None = Field(default=None, max_length=200)
    theme: str | None = Field(default=None, max_length=20000)
    case_summary: str | None = Field(default=None, max_length=50000)
    closing_summary: str | None = Field(default=None, max_length=50000)
