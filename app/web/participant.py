"""The phone pages: join with a code or a table's QR, post notes, watch the group's notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.domain import boards, notes, participants, workshops
from app.errors import DomainError
from app.live import deadline_keeper
from app.models import Participant, Workshop
from app.web import ratelimit
from app.web.actions import answer_page, reason, redirect
from app.web.deps import PageParticipantDep, SessionDep, WorkshopDep, participant_cookie
from app.web.pages import is_htmx, render
from app.web.phone import PhoneWrite, PhoneWriteDep, home_path, phone_page

router = APIRouter(include_in_schema=False)

COOKIE_MAX_AGE = 2 * 24 * 3600


@router.get("/", name="participant:index")
def index(request: Request, code: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    return render(request, "participant/index.html", code=code or "", code_error=None)


@router.get("/join", name="participant:find")
def find(
    request: Request, session: SessionDep, code: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """The code form on the start page lands here; a wrong code is answered on the same page."""
    try:
        workshop = ratelimit.workshop_for_code(request, session, code)
    except DomainError as exc:
        message = reason(exc)
        response = render(
            request, "participant/index.html", exc.status_code, code=code, code_error=message
        )
        response.headers.update(getattr(exc, "headers", None) or {})
        return response
    return RedirectResponse(
        request.app.url_path_for("participant:join", code=workshop.join_code), 303
    )


@router.get("/j/{code}", name="participant:join")
def join_form(
    request: Request,
    code: str,
    session: SessionDep,
    g: Annotated[int | None, Query()] = None,
) -> Response:
    workshop = ratelimit.workshop_for_code(request, session, code)
    current = _current_participant(request, session, workshop)
    if current is not None and (g is None or g == current.group_id):
        return RedirectResponse(home_path(request, workshop), 303)
    return _join_page(request, session, workshop, group_id=g)


@router.post("/j/{code}", name="participant:join_post")
def join_post(
    request: Request,
    code: str,
    session: SessionDep,
    group: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    organization: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    workshop = ratelimit.workshop_for_code(request, session, code)
    return answer_page(
        request,
        session,
        lambda: participants.join(
            session=session, workshop=workshop, group=group, name=name, organization=organization
        ),
        refused=lambda exc: _join_page(
            request,
            session,
            workshop,
            group_id=int(group) if group.isdecimal() else None,
            name=name,
            organization=organization,
            error=reason(exc),
            status_code=exc.status_code,
        ),
        done=lambda joined: _joined(request, workshop, joined.token),
    )


def _joined(request: Request, workshop: Workshop, token: str) -> Response:
    """On to the phone page, with the participant's only key in a cookie."""
    response = redirect(home_path(request, workshop))
    response.set_cookie(
        participant_cookie(workshop.id),
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/w/{workshop_id}/p", name="participant:home")
def home(
    request: Request, workshop: WorkshopDep, participant: PageParticipantDep, session: SessionDep
) -> Response:
    deadline_keeper.catch_up(request.app.state.db, session, workshop.id)
    return phone_page(request, session, workshop, participant)


@router.get("/w/{workshop_id}/p/live", name="participant:live")
def live(
    request: Request, workshop: WorkshopDep, participant: PageParticipantDep, session: SessionDep
) -> Response:
    """Everything live on the phone, as out-of-band patches: fetched after every (re)connect."""
    deadline_keeper.catch_up(request.app.state.db, session, workshop.id)
    state = boards.board(session, workshop, group_id=participant.group_id)
    return render(
        request,
        "participant/_stage_patch.html",
        state=state,
        seq=state.seq,
        column=state.column(participant.group_id),
    )


@router.post("/w/{workshop_id}/p/notes", name="participant:post_note")
def post_note(
    write: PhoneWriteDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    stage: Annotated[str, Form(max_length=64)] = "",
    id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    def post() -> None:
        ratelimit.note_posted(write.request, write.participant.id)
        notes.post_note(
            session=write.session,
            workshop=write.workshop,
            actor=notes.Actor(participant=write.participant),
            stage_key=stage,
            text=text,
            note_id=id or None,
        )

    return write.run(post, done=lambda _: _after_change(write), kept={"draft": text})


@router.post("/w/{workshop_id}/p/notes/{note_id}/edit", name="participant:edit_note")
def edit_note(
    note_id: str, write: PhoneWriteDep, text: Annotated[str, Form(max_length=5000)] = ""
) -> Response:
    return write(notes.edit_note, note_id=note_id, text=text, done=lambda _: _after_change(write))


@router.post("/w/{workshop_id}/p/notes/{note_id}/delete", name="participant:delete_note")
def delete_note(note_id: str, write: PhoneWriteDep) -> Response:
    return write(notes.delete_note, note_id=note_id, done=lambda _: _after_change(write))


def _after_change(write: PhoneWrite) -> Response:
    if not is_htmx(write.request):
        return redirect(home_path(write.request, write.workshop))
    # The write is committed: read the answer in a read transaction, so that drawing the list
    # never holds the write lock another phone's post is waiting for.
    with write.request.app.state.db.read_session() as reader:
        state = boards.board(reader, write.workshop, group_id=write.participant.group_id)
        return render(
            write.request,
            "participant/_notes.html",
            state=state,
            column=state.column(write.participant.group_id),
            seq=state.seq,
            oob=False,
        )


def _join_page(
    request: Request,
    session: SessionDep,
    workshop: Workshop,
    *,
    group_id: int | None,
    name: str = "",
    organization: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    groups = workshops.groups_of(session, workshop.id)
    fixed = next((g for g in groups if g.id == group_id), None)
    return render(
        request,
        "participant/join.html",
        status_code,
        workshop=workshop,
        groups=groups,
        fixed_group=fixed,
        name=name,
        organization=organization,
        error=error,
    )


def _current_participant(
    request: Request, session: SessionDep, workshop: Workshop
) -> Participant | None:
    token = request.cookies.get(participant_cookie(workshop.id), "")
    participant = participants.by_token(session, token) if token else None
    return participant if participant and participant.workshop_id == workshop.id else None
