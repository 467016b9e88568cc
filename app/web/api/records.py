"""What a session records besides notes, through the API: report details, questions and
answers, comments and feedback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from sqlmodel import Session

from app.domain import records
from app.models import Question, Workshop
from app.schemas import (
    AnswerIn,
    CommentIn,
    Created,
    FeedbackIn,
    QuestionIn,
    QuestionPatch,
    ReportDetailsIn,
)
from app.web.actions import ApiRunnerWriteDep, ApiWriteDep
from app.web.api.common import CREATED, PROBLEMS
from app.web.deps import ApiRunnerWorkshopDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["records"], responses=PROBLEMS)
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.patch("/workshops/{workshop_id}", name="api:report_details")
def update_details(body: ReportDetailsIn, write: ApiRunnerWriteDep) -> dict[str, Any]:
    """Fill in report details; only the fields sent change."""
    changes = body.model_dump(exclude_unset=True)
    if "roles" in changes and changes["roles"] is not None:
        changes["roles"] = [
            {k: v for k, v in role.items() if v is not None} for role in changes["roles"]
        ]
    write(records.update_details, changes=changes)
    return details_json(write.session, write.workshop)


@router.get("/workshops/{workshop_id}/records", name="api:records")
def get_records(workshop: ApiRunnerWorkshopDep, session: SessionDep) -> dict[str, Any]:
    """Report details, Q&A, comments and feedback as recorded so far."""
    return {
        **details_json(session, workshop),
        "questions": [
            records.question_json(item.question, item.answers)
            for item in records.questions_of(session, workshop.id)
        ],
        "comments": [records.comment_json(c) for c in records.comments_of(session, workshop.id)],
        "feedback": [
            {"id": f.id, "text": f.text, "rating": f.rating}
            for f in records.feedback_of(session, workshop.id)
        ],
    }


def details_json(session: Session, workshop: Workshop) -> dict[str, Any]:
    details = records.details_of(session, workshop.id)
    return {
        "id": workshop.id,
        "title": workshop.title,
        "date": workshop.date.isoformat() if workshop.date else None,
        "start_time": workshop.start_time,
        "venue": workshop.venue,
        **details.as_json(),
        "counted_participants": records.counted_participants(session, workshop.id),
    }


@router.post("/workshops/{workshop_id}/questions", name="api:ask_question", **CREATED)
def ask_question(body: QuestionIn, write: ApiWriteDep) -> Created:
    """Ask a question: participants while a Q&A stage is open; staff record one at any time."""
    question = write(records.ask_question, text=body.text, organization=body.organization)
    return Created(id=question.id)


@router.post(
    "/workshops/{workshop_id}/questions/{question_id}/answers",
    name="api:answer_question",
    **CREATED,
)
def answer_question(question_id: int, body: AnswerIn, write: ApiWriteDep) -> Created:
    """Record an answer and the organisation that gave it."""
    answer = write(
        records.answer_question,
        question_id=question_id,
        organization=body.organization,
        text=body.text,
    )
    return Created(id=answer.id)


@router.patch("/workshops/{workshop_id}/questions/{question_id}", name="api:edit_question")
def edit_question(question_id: int, body: QuestionPatch, write: ApiWriteDep) -> dict[str, Any]:
    """Set the remark that closes a question in the report."""
    question = write(records.set_remark, question_id=question_id, remark=body.remark)
    return _question_json(write.session, question)


@router.patch("/workshops/{workshop_id}/answers/{answer_id}", name="api:edit_answer")
def edit_answer(answer_id: IdPath, body: AnswerIn, write: ApiWriteDep) -> dict[str, Any]:
    """Correct an answer: the organisation that gave it and its text. Returns the question."""
    answer = write(
        records.edit_answer, answer_id=answer_id, organization=body.organization, text=body.text
    )
    return _question_json(write.session, write.session.get_one(Question, answer.question_id))


@router.delete("/workshops/{workshop_id}/answers/{answer_id}", name="api:delete_answer")
def delete_answer(answer_id: IdPath, write: ApiWriteDep) -> dict[str, Any]:
    """Remove an answer recorded by mistake. Returns the question without it."""
    question = write(records.delete_answer, answer_id=answer_id)
    return _question_json(write.session, question)


def _question_json(session: Session, question: Question) -> dict[str, Any]:
    return records.question_json(question, records.answers_of(session, [question.id])[question.id])


@router.post("/workshops/{workshop_id}/comments", name="api:add_comment", **CREATED)
def add_comment(body: CommentIn, write: ApiWriteDep) -> Created:
    """Keep a comment by an advisor, case presenter or facilitator."""
    comment = write(records.add_comment, **body.model_dump())
    return Created(id=comment.id)


@router.patch("/workshops/{workshop_id}/comments/{comment_id}", name="api:edit_comment")
def edit_comment(comment_id: IdPath, body: CommentIn, write: ApiWriteDep) -> dict[str, Any]:
    """Correct a comment: role, name, organisation and text, all sent again."""
    comment = write(records.edit_comment, comment_id=comment_id, **body.model_dump())
    return records.comment_json(comment)


@router.delete(
    "/workshops/{workshop_id}/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="api:delete_comment",
)
def delete_comment(comment_id: IdPath, write: ApiWriteDep) -> Response:
    """Remove a comment recorded by mistake."""
    write(records.delete_comment, comment_id=comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/workshops/{workshop_id}/feedback", name="api:give_feedback", **CREATED)
def give_feedback(body: FeedbackIn, write: ApiWriteDep) -> Created:
    """A participant's feedback while the feedback stage is open; sending again replaces it."""
    feedback = write(records.give_feedback, text=body.text, rating=body.rating)
    return Created(id=feedback.id)
