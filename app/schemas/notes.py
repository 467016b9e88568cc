"""Sticky notes as posted, edited and read back."""

from __future__ import annotations

from pydantic import BaseModel, Field


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


class NoteIn(BaseModel):
    id: str | None = Field(default=None, max_length=64)
    stage: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=5000)
    group: str | int | None = None


class NoteEdit(BaseModel):
    text: str = Field(max_length=5000)
