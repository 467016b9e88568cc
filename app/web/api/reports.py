"""A workshop's report in every format, and a workshop recreated from its ``.json`` archive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from app.exports import archive
from app.schemas import Created
from app.web import downloads
from app.web.actions import commit
from app.web.api.common import CREATED, PROBLEMS
from app.web.deps import ApiRunnerWorkshopDep, ApiStaffDep, SessionDep

router = APIRouter(prefix="/api/v1/workshops", responses=PROBLEMS)


async def archive_body(request: Request) -> bytes:
    return await downloads.read_limited(request, archive.MAX_BYTES)


@router.post(
    "/import",
    name="api:import_workshop",
    **CREATED,
    tags=["records"],
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}
    },
)
async def import_workshop(
    raw: Annotated[bytes, Depends(archive_body)], user: ApiStaffDep, session: SessionDep
) -> Created:
    """Recreate a workshop from a ``.json`` archive as a new one; all of it or nothing."""
    # The body is read first (the parameter order), so a slow upload never holds the write lock.
    workshop = await run_in_threadpool(
        commit,
        session,
        lambda: archive.import_bytes(
            session=session, raw=raw, owner_id=user.id, pause=downloads.pause_for_others(session)
        ),
    )
    return Created(id=workshop.id)


# Before ``report.{ext}``: the first route whose path matches answers.
@router.get(
    "/{workshop_id}/report.md",
    response_class=PlainTextResponse,
    name="api:report_md",
    tags=["api"],
)
def report_markdown(workshop: ApiRunnerWorkshopDep, session: SessionDep) -> Response:
    """The report as Markdown, ready to paste or to keep."""
    return downloads.download(session, workshop, "md")


@router.get("/{workshop_id}/report.{ext}", name="api:report", tags=["records"])
def report(ext: str, workshop: ApiRunnerWorkshopDep, session: SessionDep) -> Response:
    """The report in any format: md, html, docx, xlsx, pdf, csv, or the json archive."""
    return downloads.download(session, workshop, ext)
