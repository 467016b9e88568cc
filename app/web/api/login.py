"""Signing in to the API: a staff username and password for a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.domain import accounts
from app.errors import Unauthorized
from app.i18n import N_
from app.schemas import Token
from app.web import ratelimit
from app.web.api.common import PROBLEMS
from app.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["api"], responses=PROBLEMS)


@router.post("/token", response_model=Token, name="api:token")
def create_token(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> Token:
    """Exchange a staff username and password for a bearer token."""
    ratelimit.login_attempt(request)
    user = accounts.authenticate(session, username=username, password=password)
    if user is None:
        raise Unauthorized(N_("Wrong username or password."))
    ratelimit.login_succeeded(request)
    return Token(access_token=request.app.state.signer.api_token(user.id, user.token_version))
