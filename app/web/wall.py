"""The projector wall: every group's notes of the current stage on one screen, no controls.

The facilitator's console (``board.py``) runs the room; the wall only follows it, live, through
its own event stream (``stream.py``, audience ``wall``). Fitting the notes to the screen is done
in the browser (``static/js/wall.js``), which knows the screen's size.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.domain import boards, wall_focus, workshops
from app.web import links
from app.web.actions import PageRunnerWriteDep
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


@router.post("/w/{workshop_id}/wall/focus", name="wall:focus")
def focus(write: PageRunnerWriteDep, group: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Show one group alone on the wall (an empty ``group``: every group)."""
    if group.isdecimal() and len(group) < 10:
        write = dataclasses.replace(write, back_to=f"{write.back_to}?group={int(group)}")
    return write(wall_focus.focus, group=group or None)
