"""What a session records besides notes: questions, answers, comments, feedback, report details."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


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


class ReportRoleIn(BaseModel):
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
    roles: list[ReportRoleIn] | None = Field(default=None, max_length=200)
    purpose: str | None = Field(default=None, max_length=20000)
    materials: str | None = Field(default=None, max_length=20000)
    steps: list[str] | None = Field(default=None, max_length=200)
    theme: str | None = Field(default=None, max_length=20000)
    case_summary: str | None = Field(default=None, max_length=50000)
    closing_summary: str | None = Field(default=None, max_length=50000)
