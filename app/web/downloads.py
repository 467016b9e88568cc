"""Sending a report file, and reading and importing an uploaded archive without harm to others."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import Request, Response
from sqlmodel import Session

from app.errors import Invalid
from app.exports import html, registry
from app.i18n import N_
from app.models import Workshop
from app.web import links


async def read_limited(request: Request, limit: int) -> bytes:
    """Read a request body, refusing it as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> Invalid:
    return Invalid(
        N_("The archive is larger than %(max)s MB and was not imported."),
        max=limit // (1024 * 1024),
    )


def download(session: Session, workshop: Workshop, ext: str, *, inline: bool = False) -> Response:
    fmt = registry.get(ext)
    body = registry.render(session, workshop, fmt.extension)
    headers = {
        "Content-Disposition": links.download_disposition(workshop, fmt.extension),
        "Cache-Control": "no-store",
    }
    if inline:
        headers["Content-Disposition"] = headers["Content-Disposition"].replace(
            "attachment", "inline", 1
        )
    if fmt.extension == "html":
        headers["Content-Security-Policy"] = html.CSP
    return Response(content=body, media_type=fmt.media_type, headers=headers)


# SQLite's busy handler retries a waiting writer every 0.1 s at most; a pause of two intervals
# lets every waiter take the lock before the next chunk. PostgreSQL locks rows, not the file,
# so other workshops never wait for an import there and the chunks follow each other at once.
IMPORT_PAUSE_SECONDS = 0.25


def pause_for_others(session: Session) -> Callable[[], None]:
    """Between chunks of a long import: commit, then step aside so other writers go first."""
    on_sqlite = session.get_bind().dialect.name == "sqlite"

    def pause() -> None:
        session.commit()
        if on_sqlite:
            time.sleep(IMPORT_PAUSE_SECONDS)

    return pause
