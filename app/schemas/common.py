"""Shapes every part of the API shares: errors, created ids and the sign-in token."""

from __future__ import annotations

from pydantic import BaseModel


class Problem(BaseModel):
    detail: str


class Created(BaseModel):
    id: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (the OAuth2 scheme name, not a secret)
