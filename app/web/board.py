"""The facilitator's projected board: all groups live, one group large, stage controls, QR."""

from __future__ import annotations

import io
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.domain import boards, notes, workshops
from app.exports import markdown
from app.live import deadline_keeper
from app.models import Workshop
from app.web import links
from app.web.actions import PageRunnerWriteDep
from app.web.deps import PageRunnerWorkshopDep, PageStaffDep, SessionDep
from app.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/w/{workshop_id}/board", name="board:board")
def board_page(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    group: Annotated[int | None, Query()] = None,
) -> Response:
    deadline_keeper.catch_up(request.app.state.db, session, workshop.id)
    state = boards.board(session, workshop, group_id=group)
    focus = next((g for g in state.groups if g.id == group), None)
    return render(
        request,
        "board/board.html",
        state=state,
        focus=focus,
        seq=state.seq,
        join_url=links.join_url(request, workshop),
        public_base=links.public_base(request),
        code=workshops.format_join_code(workshop.join_code),
    )


@router.get("/w/{workshop_id}/board/live", name="board:live")
def board_live(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    group: Annotated[int | None, Query()] = None,
) -> Response:
    """The live region alone, fetched after every (re)connect of the event stream."""
    deadline_keeper.catch_up(request.app.state.db, session, workshop.id)
    state = boards.board(session, workshop, group_id=group)
    return render(request, "board/_live.html", state=state, seq=state.seq, oob=True, focus_id=group)


@router.post("/w/{workshop_id}/board/stage", name="board:open_stage")
def open_stage(write: PageRunnerWriteDep, stage: Annotated[str, Form(max_length=64)]) -> Response:
    return write(workshops.open_stage, key=stage)


@router.post("/w/{workshop_id}/board/posting", name="board:posting")
def posting(write: PageRunnerWriteDep, locked: Annotated[bool, Form()]) -> Response:
    return write(workshops.set_posting_locked, locked=locked)


@router.post("/w/{workshop_id}/board/notes", name="board:post_note")
def post_note(
    write: PageRunnerWriteDep,
    user: PageStaffDep,
    group: Annotated[str, Form(max_length=64)],
    stage: Annotated[str, Form(max_length=64)],
    text: Annotated[str, Form(max_length=5000)] = "",
    id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Type in a paper note for any group."""
    return write(
        notes.post_note,
        actor=notes.Actor(user=user),
        stage_key=stage,
        text=text,
        group=group,
        note_id=id or None,
    )


@router.get("/w/{workshop_id}/qr", name="board:qr")
def qr_cards(request: Request, workshop: PageRunnerWorkshopDep, session: SessionDep) -> Response:
    """Printable table cards: one for the room, one per group, a page each."""
    groups = workshops.groups_of(session, workshop.id)
    cards = [(None, links.join_url(request, workshop))] + [
        (group, links.join_url(request, workshop, group.id)) for group in groups
    ]
    return render(
        request,
        "board/qr.html",
        workshop=workshop,
        cards=cards,
        public_base=links.public_base(request),
        code=workshops.format_join_code(workshop.join_code),
    )


# A join link depends on the address the request came to (see links.public_base), so a QR
# image may be kept by this browser only, never by a shared cache.
QR_CACHE = "private, max-age=300"
GroupQuery = Annotated[int | None, Query()]


@router.get("/w/{workshop_id}/qr.svg", name="board:qr_svg")
def qr_svg(
    request: Request, workshop: PageRunnerWorkshopDep, session: SessionDep, g: GroupQuery = None
) -> Response:
    """The join QR as a standalone SVG document (with its namespace, so ``<img>`` shows it)."""
    code = _join_qr(request, session, workshop, g)
    return _qr_file(
        code, "image/svg+xml", kind="svg", scale=8, dark="#111", light="#fff", title="QR"
    )


@router.get("/w/{workshop_id}/qr.png", name="board:qr_png")
def qr_png(
    request: Request, workshop: PageRunnerWorkshopDep, session: SessionDep, g: GroupQuery = None
) -> Response:
    """The join QR as a PNG, for printers and documents that do not take SVG."""
    return _qr_file(_join_qr(request, session, workshop, g), "image/png", kind="png", scale=12)


def _qr_file(code: segno.QRCode, media_type: str, **options: Any) -> Response:
    out = io.BytesIO()
    code.save(out, border=4, **options)
    return Response(out.getvalue(), media_type=media_type, headers={"Cache-Control": QR_CACHE})


def _join_qr(
    request: Request, session: SessionDep, workshop: Workshop, group_id: int | None
) -> segno.QRCode:
    if group_id is not None:
        workshops.find_group(session, workshop.id, group_id)
    return segno.make(links.join_url(request, workshop, group_id), error="m")


@router.get("/w/{workshop_id}/report.md", name="board:report_md")
def report_markdown(workshop: PageRunnerWorkshopDep, session: SessionDep) -> Response:
    return Response(
        markdown.render(session, workshop),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": links.download_disposition(workshop, "md")},
    )
