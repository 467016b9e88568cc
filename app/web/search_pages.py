"""The search page across workshops, its CSV and Excel downloads, and ``GET /api/v1/notes``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.domain import format_store, search, search_index, series
from app.exports import search_results
from app.models import User
from app.web.api.common import PROBLEMS
from app.web.deps import ApiStaffDep, PageStaffDep, SessionDep
from app.web.pages import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["notes"], responses=PROBLEMS)

# A download stops here: beyond it, narrow the filters or page through the API.
MAX_DOWNLOAD = 100_000
PAGE_SIZE = 50


def read_filters(
    q: Annotated[str, Query(max_length=search.MAX_QUERY, description="Words to find")] = "",
    date_from: Annotated[str, Query(max_length=20, description="YYYY-MM-DD")] = "",
    date_to: Annotated[str, Query(max_length=20, description="YYYY-MM-DD")] = "",
    format: Annotated[str, Query(max_length=64, description="Format key")] = "",
    series: Annotated[str, Query(max_length=20, description="Series id")] = "",
    stage: Annotated[str, Query(max_length=64, description="Stage key")] = "",
    group: Annotated[str, Query(max_length=40, description="Group name, e.g. 3G")] = "",
    organization: Annotated[str, Query(max_length=100)] = "",
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> search.Filters:
    """The filters of the search page and the notes API, validated once."""
    return search.parse_filters(
        q=q,
        date_from=date_from,
        date_to=date_to,
        format_key=format,
        series=series,
        stage=stage,
        group=group,
        organization=organization,
        kinds=kind or (),
    )


FiltersDep = Annotated[search.Filters, Depends(read_filters)]
CursorDep = Annotated[str, Query(max_length=20, description="next_cursor of the previous page")]


def _stream(request: Request, user: User, filters: search.Filters, *, oldest_first: bool):  # type: ignore[no-untyped-def]
    """Hits read page by page with a session of their own, opened when the body is sent."""

    def hits() -> Iterator[search.Hit]:
        with request.app.state.db.read_session() as session:
            yield from search.iterate(
                session, user=user, filters=filters, cap=MAX_DOWNLOAD, newest_first=not oldest_first
            )

    return hits()


def _attachment(extension: str) -> dict[str, str]:
    name = f"fusen-{dt.date.today().isoformat()}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def _without(query: str, name: str) -> str:
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != name])


@router.get("/admin/search", name="search:page")
def search_page(
    request: Request,
    user: PageStaffDep,
    session: SessionDep,
    filters: FiltersDep,
    after: CursorDep = "",
) -> Response:
    asked = bool(request.url.query) and filters != search.Filters()
    page = None
    if asked:
        page = search.search(
            session, user=user, filters=filters, limit=PAGE_SIZE, after=search.parse_cursor(after)
        )
    query = _without(request.url.query, "after")
    return render(
        request,
        "search/search.html",
        user=user,
        filters=filters,
        page=page,
        query=query,
        formats=format_store.all_formats(session),
        series_list=series.all_series(session),
        stages=search.stage_choices(session, user),
        kinds=[(k, search_results.kind_label(k)) for k in search_index.KINDS],
        kind_label=search_results.kind_label,
    )


@router.get("/admin/search.csv", name="search:csv")
def search_csv(request: Request, user: PageStaffDep, filters: FiltersDep) -> Response:
    hits = _stream(request, user, filters, oldest_first=False)
    return StreamingResponse(
        search_results.csv_chunks(hits),
        media_type="text/csv; charset=utf-8",
        headers=_attachment("csv"),
    )


@router.get("/admin/search.xlsx", name="search:xlsx")
def search_xlsx(request: Request, user: PageStaffDep, filters: FiltersDep) -> Response:
    body = search_results.workbook(_stream(request, user, filters, oldest_first=False))
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment("xlsx"),
    )


def _notes_only(filters: search.Filters) -> search.Filters:
    return dataclasses.replace(filters, kinds=("note",))


@api_router.get("/notes", name="api:notes")
def list_notes(
    session: SessionDep,
    user: ApiStaffDep,
    filters: FiltersDep,
    cursor: CursorDep = "",
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 100,
) -> dict:
    """Notes of every workshop you may see, oldest first, with the search page's filters.

    Pass ``next_cursor`` back as ``cursor`` for the next page; it is null on the last one.
    Moderated, deleted and purged notes, and notes of a stage not yet revealed, never appear.
    """
    page = search.search(
        session,
        user=user,
        filters=_notes_only(filters),
        limit=limit,
        after=search.parse_cursor(cursor),
        newest_first=False,
    )
    return {
        "items": [search_results.note_json(hit) for hit in page.hits],
        "next_cursor": page.next_cursor,
    }


@api_router.get("/notes.csv", name="api:notes_csv")
def notes_csv(request: Request, user: ApiStaffDep, filters: FiltersDep) -> Response:
    """The same notes as one CSV file (UTF-8 with a BOM, so Excel reads Japanese)."""
    hits = _stream(request, user, _notes_only(filters), oldest_first=True)
    return StreamingResponse(
        search_results.csv_chunks(hits),
        media_type="text/csv; charset=utf-8",
        headers=_attachment("csv"),
    )


@api_router.get("/notes.jsonl", name="api:notes_jsonl")
def notes_jsonl(request: Request, user: ApiStaffDep, filters: FiltersDep) -> Response:
    """The same notes as JSON Lines: one note object per line."""
    hits = _stream(request, user, _notes_only(filters), oldest_first=True)
    return StreamingResponse(
        search_results.jsonl_chunks(hits),
        media_type="application/x-ndjson; charset=utf-8",
        headers=_attachment("jsonl"),
    )
