"""Workshops, their formats and stages, joining, and the snapshot a client starts from."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.domain.formats import StageSpec
from app.schemas.notes import NoteOut


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
