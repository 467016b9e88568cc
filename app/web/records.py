"""Pages for the record of a session: questions and feedback from phones; answers and comments
entered by the facilitator on the workshop's records page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.domain import records
from app.domain.notes import Actor
from app.errors import Invalid
from app.i18n import N_
from app.models import Feedback, Workshop
from app.web.actions import StaffPage, Write, answer_page, reason, redirect
from app.web.deps import PageRunnerWorkshopDep, PageStaffDep, SessionDep
from app.web.pages import is_htmx, render
from app.web.phone import PhoneWrite, PhoneWriteDep, phone_context

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Text = Annotated[str, Form(max_length=5000)]
Line = Annotated[str, Form(max_length=1000)]
Role = Annotated[str, Form(max_length=40)]


# --- phones --------------------------------------------------------------------------------


@router.post("/w/{workshop_id}/p/questions", name="participant:ask_question")
def ask_question(write: PhoneWriteDep, text: Text = "", organization: Line = "") -> Response:
    return write(
        records.ask_question,
        text=text,
        organization=organization,
        kept={"question_draft": text},
        done=lambda question: _sent(
            write, {"kind": "qa", "text": question.text, "organization": question.organization}
        ),
    )


@router.post("/w/{workshop_id}/p/feedback", name="participant:give_feedback")
def give_feedback(
    write: PhoneWriteDep, text: Text = "", rating: Annotated[str, Form(max_length=4)] = ""
) -> Response:
    return write(
        _give_feedback,
        text=text,
        rating=rating,
        done=lambda feedback: _sent(
            write, {"kind": "feedback", "text": feedback.text, "rating": feedback.rating}
        ),
    )


def _give_feedback(
    *, session: Session, workshop: Workshop, actor: Actor, text: str, rating: str
) -> Feedback:
    """Feedback with the rating as typed: a malformed one is refused like any other reason."""
    return records.give_feedback(
        session=session, workshop=workshop, actor=actor, text=text, rating=_rating(rating)
    )


def _rating(raw: str) -> int | None:
    if not raw.strip():
        return None
    if not raw.strip().isdigit():
        raise Invalid(N_("A rating must be between 1 and 5."))
    return int(raw.strip())


def _sent(write: PhoneWrite, sent: dict[str, Any]) -> Response:
    """Say what was sent, on the phone page (or just its records region for htmx)."""
    context = phone_context(write.session, write.workshop, write.participant)
    if is_htmx(write.request):
        return render(write.request, "participant/_records.html", oob=False, sent=sent, **context)
    return render(write.request, "participant/home.html", sent=sent, **context)


# --- the facilitator's records page ---------------------------------------------------------


@dataclass(frozen=True)
class RecordsDesk(StaffPage):
    """A write from the records page: on success back to the changed row, on a refusal the
    page again with the reason and the form as typed."""

    def __call__(
        self,
        write: Callable[..., Any],
        /,
        *,
        form: dict[str, str],
        anchor: str | Callable[[Any], str] = "questions",
        **params: Any,
    ) -> Response:
        target = self.request.app.url_path_for("records:page", workshop_id=self.workshop.id)
        return answer_page(
            self.request,
            self.session,
            Write(self.session, self.workshop, Actor(user=self.user)).bind(write, **params),
            refused=lambda exc: self.page(
                form=form, error=reason(exc), status_code=exc.status_code
            ),
            # Where the changed row lives may be known only from the write's result.
            done=lambda result: redirect(
                f"{target}#{anchor(result) if callable(anchor) else anchor}"
            ),
        )

    def page(
        self,
        *,
        form: dict[str, str] | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Response:
        session, workshop = self.session, self.workshop
        return render(
            self.request,
            "admin/records.html",
            status_code,
            user=self.user,
            workshop=workshop,
            questions=records.questions_of(session, workshop.id),
            comments=records.comments_of(session, workshop.id),
            feedback=records.feedback_of(session, workshop.id),
            comment_roles=records.COMMENT_ROLES,
            role_label=records.role_label,
            form=form or {},
            error=error,
        )


async def records_desk(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageStaffDep, session: SessionDep
) -> RecordsDesk:
    return RecordsDesk(request, session, workshop, user)


RecordsDeskDep = Annotated[RecordsDesk, Depends(records_desk)]


@router.get("/admin/workshops/{workshop_id}/records", name="records:page")
def records_page(desk: RecordsDeskDep) -> Response:
    return desk.page()


@router.post("/admin/workshops/{workshop_id}/records/questions", name="records:ask")
def record_question(desk: RecordsDeskDep, text: Text = "", organization: Line = "") -> Response:
    return desk(
        records.ask_question,
        text=text,
        organization=organization,
        form={"question_text": text, "question_organization": organization},
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/questions/{question_id}/answers",
    name="records:answer",
)
def record_answer(
    question_id: int, desk: RecordsDeskDep, text: Text = "", organization: Line = ""
) -> Response:
    return desk(
        records.answer_question,
        question_id=question_id,
        organization=organization,
        text=text,
        form={f"answer_text_{question_id}": text, f"answer_org_{question_id}": organization},
        anchor=f"q{question_id}",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/questions/{question_id}/remark",
    name="records:remark",
)
def record_remark(question_id: int, desk: RecordsDeskDep, remark: Text = "") -> Response:
    return desk(
        records.set_remark,
        question_id=question_id,
        remark=remark,
        form={f"remark_{question_id}": remark},
        anchor=f"q{question_id}",
    )


@router.post("/admin/workshops/{workshop_id}/records/comments", name="records:comment")
def record_comment(
    desk: RecordsDeskDep, role: Role = "", name: Line = "", organization: Line = "", text: Text = ""
) -> Response:
    return desk(
        records.add_comment,
        role=role,
        name=name,
        organization=organization,
        text=text,
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
    answer_id: IdPath, desk: RecordsDeskDep, text: Text = "", organization: Line = ""
) -> Response:
    return desk(
        records.edit_answer,
        answer_id=answer_id,
        organization=organization,
        text=text,
        form={f"edit_answer_text_{answer_id}": text, f"edit_answer_org_{answer_id}": organization},
        anchor=lambda answer: f"q{answer.question_id}",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/answers/{answer_id}/delete",
    name="records:delete_answer",
)
def delete_answer(answer_id: IdPath, desk: RecordsDeskDep) -> Response:
    return desk(
        records.delete_answer,
        answer_id=answer_id,
        form={},
        anchor=lambda question: f"q{question.id}",
    )


@router.post(
    "/admin/workshops/{workshop_id}/records/comments/{comment_id}", name="records:edit_comment"
)
def edit_comment(
    comment_id: IdPath,
    desk: RecordsDeskDep,
    role: Role = "",
    name: Line = "",
    organization: Line = "",
    text: Text = "",
) -> Response:
    return desk(
        records.edit_comment,
        comment_id=comment_id,
        role=role,
        name=name,
        organization=organization,
        text=text,
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
def delete_comment(comment_id: IdPath, desk: RecordsDeskDep) -> Response:
    return desk(records.delete_comment, comment_id=comment_id, form={}, anchor="comments")
