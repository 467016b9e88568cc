"""Sticky notes through the API: post, correct, remove."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.domain import notes
from app.schemas import NoteEdit, NoteIn, NoteOut
from app.web import ratelimit
from app.web.actions import ApiWriteDep, commit
from app.web.api.common import PROBLEMS
from app.web.deps import api_workshop_actor

router = APIRouter(prefix="/api/v1/workshops/{workshop_id}/notes", tags=["api"], responses=PROBLEMS)


@router.post(
    "",
    response_model=NoteOut,
    status_code=status.HTTP_201_CREATED,
    name="api:post_note",
    responses={200: {"model": NoteOut, "description": "The same id was posted before"}},
)
async def post_note(workshop_id: int, body: NoteIn, request: Request) -> JSONResponse:
    """Post a note. Retrying with the same ``id`` returns the first note and emits nothing."""

    # The busiest write of a workshop runs as one piece of work on one worker thread: the
    # session, who asks, the rate limit, the write and the commit. Each sync dependency would
    # be a thread hand-off of its own, which under load cost as much as the write, and the
    # session's generator dependency cost a tenth of it; the session opens and closes here.
    def write() -> notes.Posted:
        with request.app.state.db.write_session() as session:
            access = api_workshop_actor(workshop_id, request, session)
            if access.actor.participant is not None:
                ratelimit.note_posted(request, access.actor.participant.id)
            return commit(
                session,
                lambda: notes.post_note(
                    session=session,
                    workshop=access.workshop,
                    actor=access.actor,
                    stage_key=body.stage,
                    text=body.text,
                    group=body.group,
                    note_id=body.id,
                ),
            )

    posted = await run_in_threadpool(write)
    # The dict is exactly NoteOut (tests/web/test_write_path.py compares it with the snapshot);
    # answering it directly skips validating what was just built from validated values.
    code = status.HTTP_201_CREATED if posted.created else status.HTTP_200_OK
    return JSONResponse(posted.json, status_code=code)


@router.patch("/{note_id}", response_model=NoteOut, name="api:edit_note")
def edit_note(note_id: str, body: NoteEdit, write: ApiWriteDep) -> dict:
    """Change a note's text: its author while the stage is open, or a facilitator."""
    note = write(notes.edit_note, note_id=note_id, text=body.text)
    return notes.note_json(write.session, note)


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT, name="api:delete_note")
def delete_note(note_id: str, write: ApiWriteDep) -> Response:
    write(notes.delete_note, note_id=note_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
