"""Pages for the record of a session: questions and feedback from phones; answers and comments
entered by the facilitator on the workshop's records page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.domain import boards, records, workshops
from app.domain.notes import Actor
from app.errors import DomainError, Invalid
from app.i18n import N_, gettext
from app.models import Participant, User, Workshop
from app.web.deps import (
    PageParticipantDep,
    PageRunnerWorkshopDep,
    PageStaffDep,
    SessionDep,
    WorkshopDep,
)
from app.web.pages import is_htmx, render, render_error

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


# --- phones --------------------------------------------------------------------------------


@router.post("/w/{workshop_id}/p/questions", name="participant:ask_question")
def ask_question(
    request: Request,
    workshop: WorkshopDep,
    participant: PageParticipantDep,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    organization: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        question = records.ask_question(
            session=session,
            workshop=workshop,
            actor=Actor(participant=participant),
            text=text,
            organization=organization,
        )
    except DomainError as exc:
        session.rollback()
        return _phone(request, session, workshop, participant, exc, question_draft=text)
    session.commit()
    sent = {"kind": "qa", "text": question.text, "organization": question.organization}
    return _sent(request, session, workshop, participant, sent)


@router.post("/w/{workshop_id}/p/feedback", name="participant:give_feedback")
def give_feedback(
    request: Request,
    workshop: WorkshopDep,
    participant: PageParticipantDep,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    rating: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    try:
        feedback = records.give_feedback(
            session=session,
            workshop=workshop,
            actor=Actor(participant=participant),
            text=text,
            rating=_rating(rating),
        )
    except DomainError as exc:
        session.rollback()
        return _phone(request, session, workshop, participant, exc)
    session.commit()
    sent = {"kind": "feedback", "text": feedback.text, "rating": feedback.rating}
    return _sent(request, session, workshop, participant, sent)


def _rating(raw: str) -> int | None:
    if not raw.strip():
        return None
    if not raw.strip().isdigit():
        raise Invalid(N_("A rating must be between 1 and 5."))
    return int(raw.strip())


def _sent(
    request: Request,
    session: Session,
    workshop: Workshop,
    participant: Participant,
    sent: dict[str, Any],
) -> Response:
    """Say what was sent, on the phone page (or just its records region for htmx)."""
    state = boards.board(session, workshop, group_id=participant.group_id)
    context: dict[str, Any] = {
        "state": state,
        "me": participant,
        "seq": state.seq,
        "sent": sent,
        "feedback": records.feedback_by(
            session, workshop_id=workshop.id, participant_id=participant.id
        ),
    }
    if is_htmx(request):
        return render(request, "participant/_records.html", oob=False, **context)
    return render(
        request,
        "participant/home.html",
        group=workshops.find_group(session, workshop.id, participant.group_id),
        column=state.column(participant.group_id),
        **context,
    )


def _phone(
    request: Request,
    session: Session,
    workshop: Workshop,
    participant: Participant,
    exc: DomainError,
    **extra: Any,
) -> Response:
    """The phone page again with the reason, keeping what the participant typed."""
    if is_htmx(request):
        # The form stays as typed; only the reason is shown above it.
        return render_error(request, gettext(exc.message, **exc.params), exc.status_code)
    state = boards.board(session, workshop, group_id=participant.group_id)
    return render(
        request,
        "participant/home.html",
        exc.status_code,
        state=state,
        me=participant,
        group=workshops.find_group(session, workshop.id, participant.group_id),
        column=state.column(participant.group_id),
        seq=state.seq,
        error=gettext(exc.message, **exc.params),
        feedback=records.feedback_by(
            session, workshop_id=workshop.id, participant_id=participant.id
        ),
        **extra,
    )


# --- the facilitator's records page ---------------------------------------------------------


@router.get("/admin/workshops/{workshop_id}/records", name="records:page")
def records_page(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageStaffDep, session: SessionDep
) -> Response:
    return _page(request, session, workshop, user)


@router.post("/admin/workshops/{workshop_id}/records/questions", name="records:ask")
def record_question(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    organization: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.ask_question(
            session=session,
            workshop=workshop,
            actor=Actor(user=user),
            text=text,
            organization=organization,
        ),
        form={"question_text": text, "question_organization": organization},
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/questions/{question_id}/answers",
    name="records:answer",
)
def record_answer(
    request: Request,
    question_id: int,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    organization: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.answer_question(
            session=session,
            workshop=workshop,
            actor=Actor(user=user),
            question_id=question_id,
            organization=organization,
            text=text,
        ),
        form={f"answer_text_{question_id}": text, f"answer_org_{question_id}": organization},
        anchor=f"q{question_id}",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/questions/{question_id}/remark",
    name="records:remark",
)
def record_remark(
    request: Request,
    question_id: int,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    remark: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.set_remark(
            session=session,
            workshop=workshop,
            actor=Actor(user=user),
            question_id=question_id,
            remark=remark,
        ),
        form={f"remark_{question_id}": remark},
        anchor=f"q{question_id}",
    )


@router.post("/admin/workshops/{workshop_id}/records/comments", name="records:comment")
def record_comment(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    role: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
    organization: Annotated[str, Form(max_length=1000)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.add_comment(
            session=session,
            workshop=workshop,
            actor=Actor(user=user),
            role=role,
            name=name,
            organization=organization,
            text=text,
        ),
        form={
            "comment_role": role,
            "comment_name": name,
            "comment_organization": organization,
            "comment_text": text,
        },
        anchor="comments",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/answers/{answer_id}", name="records:edit_answer"
)
def edit_answer(
    request: Request,
    answer_id: IdPath,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    text: Annotated[str, Form(max_length=5000)] = "",
    organization: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.edit_answer(
            session=session,
            workshop=workshop,
            actor=Actor(user=user),
            answer_id=answer_id,
            organization=organization,
            text=text,
        ),
        form={f"edit_answer_text_{answer_id}": text, f"edit_answer_org_{answer_id}": organization},
        anchor=lambda answer: f"q{answer.question_id}",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/answers/{answer_id}/delete",
    name="records:delete_answer",
)
def delete_answer(
    request: Request,
    answer_id: IdPath,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.delete_answer(
            session=session, workshop=workshop, actor=Actor(user=user), answer_id=answer_id
        ),
        form={},
        anchor=lambda question: f"q{question.id}",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/comments/{comment_id}", name="records:edit_comment"
)
def edit_comment(
    request: Request,
    comment_id: IdPath,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    role: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
    organization: Annotated[str, Form(max_length=1000)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.edit_comment(
            session=session,
            workshop=workshop,
            actor=Actor(user=user),
            comment_id=comment_id,
            role=role,
            name=name,
            organization=organization,
            text=text,
        ),
        form={
            f"edit_comment_role_{comment_id}": role,
            f"edit_comment_name_{comment_id}": name,
            f"edit_comment_org_{comment_id}": organization,
            f"edit_comment_text_{comment_id}": text,
        },
        anchor=f"comment-{comment_id}",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/comments/{comment_id}/delete",
    name="records:delete_comment",
)
def delete_comment(
    request: Request,
    comment_id: IdPath,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
) -> Response:
    return _act(
        request,
        session,
        workshop,
        user,
        lambda: records.delete_comment(
            session=session, workshop=workshop, actor=Actor(user=user), comment_id=comment_id
        ),
        form={},
        anchor="comments",
    )


def _act(
    request: Request,
    session: Session,
    workshop: Workshop,
    user: User,
    action: Any,
    *,
    form: dict[str, str],
    anchor: str | Callable[[Any], str] = "questions",
) -> Response:
    try:
        result = action()
    except DomainError as exc:
        session.rollback()
        return _page(
            request,
            session,
            workshop,
            user,
            form=form,
            error=gettext(exc.message, **exc.params),
            status_code=exc.status_code,
        )
    session.commit()
    target = request.app.url_path_for("records:page", workshop_id=workshop.id)
    # Where the changed row lives may be known only from the action's result.
    fragment = anchor(result) if callable(anchor) else anchor
    return RedirectResponse(f"{target}#{fragment}", 303)


def _page(
    request: Request,
    session: Session,
    workshop: Workshop,
    user: User,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/records.html",
        status_code,
        user=user,
        workshop=workshop,
        questions=records.questions_of(session, workshop.id),
        comments=records.comments_of(session, workshop.id),
        feedback=records.feedback_of(session, workshop.id),
        comment_roles=records.COMMENT_ROLES,
        role_label=records.role_label,
        form=form or {},
        error=error,
    )
