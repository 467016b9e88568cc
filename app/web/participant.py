"""The phone pages: join with a code or a table's QR, post notes, watch the group's notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.domain import boards, notes, participants, records, workshops
from app.errors import DomainError
from app.i18n import gettext
from app.live import deadline_keeper
from app.models import Participant, Workshop
from app.web import ratelimit
from app.web.deps import PageParticipantDep, SessionDep, WorkshopDep, participant_cookie
from app.web.pages import is_htmx, render, render_error

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
        message = gettext(exc.message, **exc.params)
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
        return RedirectResponse(_home(request, workshop), 303)
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
    try:
        joined = participants.join(
            session=session, workshop=workshop, group=group, name=name, organization=organization
        )
    except DomainError as exc:
        session.rollback()
        return _join_page(
            request,
            session,
            workshop,
            group_id=int(group) if group.isdecimal() else None,
            name=name,
            organization=organization,
            error=gettext(exc.message, **exc.params),
            status_code=exc.status_code,
        )
    session.commit()
    response = RedirectResponse(_home(request, workshop), 303)
    response.set_cookie(
        participant_cookie(workshop.id),
        joined.token,
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
    state = boards.board(session, workshop, group_id=participant.group_id)
    group = workshops.find_group(session, workshop.id, participant.group_id)
    return render(
        request,
        "participant/home.html",
        state=state,
        me=participant,
        group=group,
        column=state.column(participant.group_id),
        seq=state.seq,
        feedback=records.feedback_by(
            session, workshop_id=workshop.id, participant_id=participant.id
        ),
    )


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
    request: Request,
    workshop: WorkshopDep,
    participant: PageParticipantDep,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    stage: Annotated[str, Form(max_length=64)] = "",
    id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    actor = notes.Actor(participant=participant)
    try:
        ratelimit.note_posted(request, participant.id)
        notes.post_note(
            session=session,
            workshop=workshop,
            actor=actor,
            stage_key=stage,
            text=text,
            note_id=id or None,
        )
    except DomainError as exc:
        session.rollback()
        return _phone_error(request, session, workshop, participant, exc, draft=text)
    session.commit()
    return _after_change(request, session, workshop, participant)


@router.post("/w/{workshop_id}/p/notes/{note_id}/edit", name="participant:edit_note")
def edit_note(
    request: Request,
    note_id: str,
    workshop: WorkshopDep,
    participant: PageParticipantDep,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    try:
        notes.edit_note(
            session=session,
            workshop=workshop,
            actor=notes.Actor(participant=participant),
            note_id=note_id,
            text=text,
        )
    except DomainError as exc:
        session.rollback()
        return _phone_error(request, session, workshop, participant, exc)
    session.commit()
    return _after_change(request, session, workshop, participant)


@router.post("/w/{workshop_id}/p/notes/{note_id}/delete", name="participant:delete_note")
def delete_note(
    request: Request,
    note_id: str,
    workshop: WorkshopDep,
    participant: PageParticipantDep,
    session: SessionDep,
) -> Response:
    try:
        notes.delete_note(
            session=session,
            workshop=workshop,
            actor=notes.Actor(participant=participant),
            note_id=note_id,
        )
    except DomainError as exc:
        session.rollback()
        return _phone_error(request, session, workshop, participant, exc)
    session.commit()
    return _after_change(request, session, workshop, participant)


def _after_change(
    request: Request, session: SessionDep, workshop: Workshop, participant: Participant
) -> Response:
    if not is_htmx(request):
        return RedirectResponse(_home(request, workshop), 303)
    # The write is committed: read the answer in a read transaction, so that drawing the list
    # never holds the write lock another phone's post is waiting for.
    with request.app.state.db.read_session() as reader:
        state = boards.board(reader, workshop, group_id=participant.group_id)
        return render(
            request,
            "participant/_notes.html",
            state=state,
            column=state.column(participant.group_id),
            seq=state.seq,
            oob=False,
        )


def _phone_error(
    request: Request,
    session: SessionDep,
    workshop: Workshop,
    participant: Participant,
    exc: DomainError,
    draft: str = "",
) -> Response:
    message = gettext(exc.message, **exc.params)
    if is_htmx(request):
        return render_error(request, message, exc.status_code)
    state = boards.board(session, workshop, group_id=participant.group_id)
    group = workshops.find_group(session, workshop.id, participant.group_id)
    return render(
        request,
        "participant/home.html",
        exc.status_code,
        state=state,
        me=participant,
        group=group,
        column=state.column(participant.group_id),
        seq=state.seq,
        error=message,
        draft=draft,
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


def _home(request: Request, workshop: Workshop) -> str:
    return str(request.app.url_path_for("participant:home", workshop_id=workshop.id))
