"""The projector wall: every group's notes of the current stage on one screen, no controls.

The facilitator's console (``board.py``) runs the room; the wall only follows it, live, through
its own event stream (``stream.py``, audience ``wall``). Fitting the notes to the screen is done
in the browser (``static/js/wall.js``), which knows the screen's size.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.domain import boards, workshops
from app.web import links
from app.web.deps import PageRunnerWorkshopDep, SessionDep
from app.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/w/{workshop_id}/wall", name="wall:wall")
def wall_page(request: Request, workshop: PageRunnerWorkshopDep, session: SessionDep) -> Response:
    state = boards.board(session, workshop)
    return render(
        request,
        "wall/wall.html",
        state=state,
        seq=state.seq,
        join_url=links.join_url(request, workshop),
        code=workshops.format_join_code(workshop.join_code),
    )
