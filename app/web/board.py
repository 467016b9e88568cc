"""The facilitator's projected board: all groups live, one group large, stage controls, QR."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.domain import boards, notes, workshops
from app.exports import markdown
from app.models import Workshop
from app.web import links
from app.web.deps import PageRunnerWorkshopDep, PageStaffDep, SessionDep
from app.web.pages import render, run_action

router = APIRouter(include_in_schema=False)


@router.get("/w/{workshop_id}/board", name="board:board")
def board_page(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    group: Annotated[int | None, Query()] = None,
) -> Response:
    state = boards.board(session, workshop, group_id=group)
    focus = next((g for g in state.groups if g.id == group), None)
    return render(
        request,
        "board/board.html",
        state=state,
        focus=focus,
        seq=state.seq,
        join_url=links.join_url(request, workshop),
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
    state = boards.board(session, workshop, group_id=group)
    return render(request, "board/_live.html", state=state, seq=state.seq, oob=True, focus_id=group)


@router.post("/w/{workshop_id}/board/stage", name="board:open_stage")
def open_stage(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    stage: Annotated[str, Form(max_length=64)],
) -> Response:
    return _control(
        request,
        session,
        workshop,
        lambda: workshops.open_stage(session=session, workshop=workshop, key=stage),
    )


@router.post("/w/{workshop_id}/board/posting", name="board:posting")
def posting(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    locked: Annotated[bool, Form()],
) -> Response:
    return _control(
        request,
        session,
        workshop,
        lambda: workshops.set_posting_locked(session=session, workshop=workshop, locked=locked),
    )


@router.post("/w/{workshop_id}/board/notes", name="board:post_note")
def post_note(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    group: Annotated[str, Form(max_length=64)],
    stage: Annotated[str, Form(max_length=64)],
    text: Annotated[str, Form(max_length=5000)] = "",
    id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Type in a paper note for any group."""
    return _control(
        request,
        session,
        workshop,
        lambda: notes.post_note(
            session=session,
            workshop=workshop,
            actor=notes.Actor(user=user),
            stage_key=stage,
            text=text,
            group=group,
            note_id=id or None,
        ),
    )


def _control(
    request: Request, session: SessionDep, workshop: Workshop, action: Callable[[], object]
) -> Response:
    back_to = str(request.app.url_path_for("board:board", workshop_id=workshop.id))
    return run_action(request, session, action, back_to=back_to)


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
        code=workshops.format_join_code(workshop.join_code),
    )


@router.get("/w/{workshop_id}/qr.svg", name="board:qr_svg")
def qr_svg(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    g: Annotated[int | None, Query()] = None,
) -> Response:
    if g is not None:
        workshops.find_group(session, workshop.id, g)
    url = links.join_url(request, workshop, g)
    # A standalone document (with its namespace): an <img> shows nothing of an inline fragment.
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, scale=8, border=2, dark="#111")
    return Response(
        out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"}
    )


@router.get("/w/{workshop_id}/report.md", name="board:report_md")
def report_markdown(workshop: PageRunnerWorkshopDep, session: SessionDep) -> Response:
    return Response(
        markdown.render(session, workshop),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": links.download_disposition(workshop, "md")},
    )
