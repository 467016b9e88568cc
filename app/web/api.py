"""The JSON API under ``/api/v1``. Same domain functions as the pages; the route commits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from app import i18n
from app.domain import (
    accounts,
    audit,
    format_store,
    limits,
    notes,
    participants,
    sorting_snapshot,
    visibility,
    workshops,
)
from app.errors import Forbidden, Invalid, Unauthorized
from app.i18n import N_
from app.live import deadline_keeper
from app.schemas import (
    CurrentStageIn,
    FormatOut,
    Joined,
    JoinIn,
    LimitsIn,
    LimitsOut,
    NoteEdit,
    NoteIn,
    NoteOut,
    PostingIn,
    Problem,
    StageOut,
    Token,
    WorkshopCreated,
    WorkshopIn,
)
from app.schemas import SortedSnapshot
from app.web import downloads, links, ratelimit
from app.web.deps import (
    ApiRunnerWorkshopDep,
    ApiStaffDep,
    SessionDep,
    WorkshopActorDep,
    api_workshop_actor,
)

PROBLEMS = {
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


@router.get("/formats", response_model=list[FormatOut], name="api:formats")
def list_formats(session: SessionDep) -> list[FormatOut]:
    """Built-in formats and the secretariat's own."""
    locale_en = i18n.current_locale() == "en"
    return [
        FormatOut(
            key=fmt.key,
            name=fmt.name_en if locale_en else fmt.name,
            name_en=fmt.name_en,
            stages=[
                StageOut(
                    key=s.key,
                    label=s.label,
                    label_en=s.label_en,
                    kind=s.kind,
                    scope=s.scope,
                    draws_from=s.draws_from,
                )
                for s in fmt.stages
            ],
        )
        for fmt in format_store.all_formats(session)
    ]


@router.post(
    "/workshops",
    response_model=WorkshopCreated,
    status_code=status.HTTP_201_CREATED,
    name="api:create_workshop",
)
def create_workshop(
    body: WorkshopIn, request: Request, session: SessionDep, user: ApiStaffDep
) -> WorkshopCreated:
    """Create a workshop from a built-in format or from its own list of stages."""
    if body.stages:
        stages = [stage.spec() for stage in body.stages]
        format_key = None
    elif body.format:
        fmt = format_store.get_format(session, body.format)
        stages, format_key = list(fmt.stages), fmt.key
    else:
        raise Invalid(N_("Give either a format or a list of stages."))
    workshop = workshops.create_workshop(
        session=session,
        title=body.title,
        stages=stages,
        groups=body.groups,
        format_key=format_key,
        date=body.date,
        start_time=body.start_time,
        venue=body.venue,
        owner_id=user.id,
    )
    audit.record(
        session, action="workshop.create", user=user, workshop_id=workshop.id, detail=body.title
    )
    session.commit()
    return WorkshopCreated(
        id=workshop.id,
        join_code=workshop.join_code,
        join_url=links.join_url(request, workshop),
        board_url=links.absolute(request, "board:board", workshop_id=workshop.id),
    )


@router.get("/workshops/{workshop_id}", response_model=SortedSnapshot, name="api:workshop")
def get_workshop(request: Request, access: WorkshopActorDep, session: SessionDep) -> dict:
    """The workshop as it is now; resume its event stream after ``last_seq``.

    A participant sees their own group's notes and those of plenary stages, and of hidden
    stages only their own; moderated notes not at all.
    """
    deadline_keeper.catch_up(request.app.state.db, session, access.workshop.id)
    snapshot = sorting_snapshot.snapshot(session, access.workshop, access.actor)
    if access.actor.participant is not None:
        group_id = access.actor.participant.group_id
        snapshot = visibility.filter_snapshot(session, snapshot, group_id=group_id)
    return snapshot


@router.put("/workshops/{workshop_id}/current-stage", name="api:current_stage")
def set_current_stage(
    body: CurrentStageIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict:
    """Open a stage for posting; the stage open before it is locked."""
    changed = workshops.open_stage(session=session, workshop=workshop, key=body.stage)
    session.commit()
    return {"current_stage": changed.current_stage, "seq": changed.event_seq}


@router.put("/workshops/{workshop_id}/posting", name="api:posting")
def set_posting(body: PostingIn, workshop: ApiRunnerWorkshopDep, session: SessionDep) -> dict:
    """Lock posting in the current stage, or open it again."""
    changed = workshops.set_posting_locked(session=session, workshop=workshop, locked=body.locked)
    session.commit()
    return {"current_stage": changed.current_stage, "seq": changed.event_seq}


@router.put("/workshops/{workshop_id}/limits", response_model=LimitsOut, name="api:limits")
def set_limits(
    body: LimitsIn, workshop: ApiRunnerWorkshopDep, user: ApiStaffDep, session: SessionDep
) -> LimitsOut:
    """Cap this workshop's participants and notes (secretariat admins only)."""
    if user.role != "admin":
        raise Forbidden(N_("Only the secretariat can change a workshop's limits."))
    caps = limits.set_caps(
        session=session,
        workshop=workshop,
        max_participants=body.max_participants,
        max_notes=body.max_notes,
    )
    session.commit()
    return LimitsOut(
        max_participants=caps.max_participants,
        max_notes=caps.max_notes,
        uses_default=caps.uses_default,
    )


@router.post("/join", response_model=Joined, status_code=status.HTTP_201_CREATED, name="api:join")
def join(body: JoinIn, request: Request, session: SessionDep) -> Joined:
    """Join a workshop by its code; the token returned is the participant's only key."""
    workshop = ratelimit.workshop_for_code(request, session, body.code)
    joined = participants.join(
        session=session,
        workshop=workshop,
        group=body.group,
        name=body.name or "",
        organization=body.organization or "",
    )
    session.commit()
    group = workshops.find_group(session, workshop.id, joined.participant.group_id)
    return Joined(
        participant_id=joined.participant.id,
        token=joined.token,
        workshop_id=workshop.id,
        group=group.name,
    )


@router.post(
    "/workshops/{workshop_id}/notes",
    response_model=NoteOut,
    status_code=status.HTTP_201_CREATED,
    name="api:post_note",
    responses={200: {"model": NoteOut, "description": "The same id was posted before"}},
)
async def post_note(
    workshop_id: int,
    body: NoteIn,
    session: SessionDep,
    request: Request,
) -> JSONResponse:
    """Post a note. Retrying with the same ``id`` returns the first note and emits nothing."""

    # The busiest write of a workshop runs as one piece of work on one worker thread: who
    # asks, the rate limit, the write and the commit. Each sync dependency would be a thread
    # hand-off of its own, which under load cost as much as the write.
    def write() -> notes.Posted:
        access = api_workshop_actor(workshop_id, request, session)
        if access.actor.participant is not None:
            ratelimit.note_posted(request, access.actor.participant.id)
        posted = notes.post_note(
            session=session,
            workshop=access.workshop,
            actor=access.actor,
            stage_key=body.stage,
            text=body.text,
            group=body.group,
            note_id=body.id,
        )
        session.commit()
        return posted

    posted = await run_in_threadpool(write)
    # The dict is exactly NoteOut (tests/web/test_write_path.py compares it with the snapshot);
    # answering it directly skips validating what was just built from validated values.
    code = status.HTTP_201_CREATED if posted.created else status.HTTP_200_OK
    return JSONResponse(posted.json, status_code=code)


@router.patch(
    "/workshops/{workshop_id}/notes/{note_id}", response_model=NoteOut, name="api:edit_note"
)
def edit_note(note_id: str, body: NoteEdit, access: WorkshopActorDep, session: SessionDep) -> dict:
    """Change a note's text: its author while the stage is open, or a facilitator."""
    note = notes.edit_note(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        note_id=note_id,
        text=body.text,
    )
    session.commit()
    return notes.note_json(session, note)


@router.delete(
    "/workshops/{workshop_id}/notes/{note_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="api:delete_note",
)
def delete_note(note_id: str, access: WorkshopActorDep, session: SessionDep) -> Response:
    notes.delete_note(
        session=session, workshop=access.workshop, actor=access.actor, note_id=note_id
    )
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/workshops/{workshop_id}/report.md",
    response_class=PlainTextResponse,
    name="api:report_md",
)
def report_markdown(workshop: ApiRunnerWorkshopDep, session: SessionDep) -> Response:
    """The report as Markdown, ready to paste or to keep."""
    return downloads.download(session, workshop, "md")
