"""What the API routers share: the error answers every route may give, documented once, and
the answer of a route that creates something (201 and the new id)."""

from __future__ import annotations

from typing import Any

from fastapi import status

from app.schemas import Created, Problem

PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem}
    for code in (
        status.HTTP_401_UNAUTHORIZED,
        status.HTTP_403_FORBIDDEN,
        status.HTTP_404_NOT_FOUND,
        status.HTTP_409_CONFLICT,
        status.HTTP_413_CONTENT_TOO_LARGE,
        status.HTTP_429_TOO_MANY_REQUESTS,
    )
}

CREATED: dict[str, Any] = {"response_model": Created, "status_code": status.HTTP_201_CREATED}
