"""The JSON API for what a session records besides notes, the report downloads and the import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from starlette.concurrency import run_in_threadpool

from app.domain import records
from app.exports import archive
from app.models import Workshop
from app.schemas import (
    AnswerIn,
    CommentIn,
    Created,
    FeedbackIn,
    QuestionIn,
    QuestionPatch,
    ReportDetailsIn,
)
from app.web import downloads
from app.web.api import PROBLEMS
from app.web.deps import ApiRunnerWorkshopDep, ApiStaffDep, SessionDep, WorkshopActorDep

router = APIRouter(prefix="/api/v1", tags=["records"], responses=PROBLEMS)
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


async def archive_body(request: Request) -> bytes:
    return await downloads.read_limited(request, archive.MAX_BYTES)


@router.post(
    "/workshops/import",
    response_model=Created,
    status_code=status.HTTP_201_CREATED,
    name="api:import_workshop",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}
    },
)
async def import_workshop(
    raw: Annotated[bytes, Depends(archive_body)], user: ApiStaffDep, session: SessionDep
) -> Created:
    """Recreate a workshop from a ``.json`` archive as a new one; all of it or nothing."""
    # The body is read first (the parameter order), so a slow upload never holds the write lock.
    workshop = await run_in_threadpool(_import, session, raw, user.id)
    return Created(id=workshop.id)


def _import(session: SessionDep, raw: bytes, owner_id: int | None) -> Workshop:
    try:
        workshop = archive.import_bytes(
            session=session, raw=raw, owner_id=owner_id, pause=downloads.pause_for_others(session)
        )
    except Exception:
        session.rollback()
        raise
    session.commit()
    return workshop


@router.get("/workshops/{workshop_id}/report.{ext}", name="api:report")
def report(ext: str, workshop: ApiRunnerWorkshopDep, session: SessionDep) -> Response:
    """The report in any format: md, html, docx, xlsx, pdf, csv, or the json archive."""
    return downloads.download(session, workshop, ext)


@router.patch("/workshops/{workshop_id}", name="api:report_details")
def update_details(
    body: ReportDetailsIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict[str, Any]:
    """Fill in report details; only the fields sent change."""
    changes = body.model_dump(exclude_unset=True)
    if "roles" in changes and changes["roles"] is not None:
        changes["roles"] = [
            {k: v for k, v in role.items() if v is not None} for role in changes["roles"]
        ]
    records.update_details(session=session, workshop=workshop, changes=changes)
    session.commit()
    return details_json(session, workshop)


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


def details_json(session: SessionDep, workshop: Workshop) -> dict[str, Any]:
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


@router.post(
    "/workshops/{workshop_id}/questions",
    response_model=Created,
    status_code=status.HTTP_201_CREATED,
    name="api:ask_question",
)
def ask_question(body: QuestionIn, access: WorkshopActorDep, session: SessionDep) -> Created:
    """Ask a question: participants while a Q&A stage is open; staff record one at any time."""
    question = records.ask_question(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        text=body.text,
        organization=body.organization,
    )
    session.commit()
    return Created(id=question.id)


@router.post(
    "/workshops/{workshop_id}/questions/{question_id}/answers",
    response_model=Created,
    status_code=status.HTTP_201_CREATED,
    name="api:answer_question",
)
def answer_question(
    question_id: int, body: AnswerIn, access: WorkshopActorDep, session: SessionDep
) -> Created:
    """Record an answer and the organisation that gave it."""
    answer = records.answer_question(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        question_id=question_id,
        organization=body.organization,
        text=body.text,
    )
    session.commit()
    return Created(id=answer.id)


@router.patch("/workshops/{workshop_id}/questions/{question_id}", name="api:edit_question")
def edit_question(
    question_id: int, body: QuestionPatch, access: WorkshopActorDep, session: SessionDep
) -> dict[str, Any]:
    """Set the remark that closes a question in the report."""
    question = records.set_remark(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        question_id=question_id,
        remark=body.remark,
    )
    session.commit()
    return records.question_json(question, records.answers_of(session, [question.id])[question.id])


@router.patch(
    "/workshops/{workshop_id}/answers/{answer_id}",
    name="api:edit_answer",
)
def edit_answer(
    answer_id: IdPath, body: AnswerIn, access: WorkshopActorDep, session: SessionDep
) -> dict[str, Any]:
    """Correct an answer: the organisation that gave it and its text. Returns the question."""
    answer = records.edit_answer(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        answer_id=answer_id,
        organization=body.organization,
        text=body.text,
    )
    session.commit()
    return _question(session, answer.question_id)


@router.delete(
    "/workshops/{workshop_id}/answers/{answer_id}",
    name="api:delete_answer",
)
def delete_answer(
    answer_id: IdPath, access: WorkshopActorDep, session: SessionDep
) -> dict[str, Any]:
    """Remove an answer recorded by mistake. Returns the question without it."""
    question = records.delete_answer(
        session=session, workshop=access.workshop, actor=access.actor, answer_id=answer_id
    )
    session.commit()
    return _question(session, question.id)


def _question(session: SessionDep, question_id: int) -> dict[str, Any]:
    from app.models import Question

    question = session.get(Question, question_id)
    return records.question_json(question, records.answers_of(session, [question_id])[question_id])


@router.post(
    "/workshops/{workshop_id}/comments",
    response_model=Created,
    status_code=status.HTTP_201_CREATED,
    name="api:add_comment",
)
def add_comment(body: CommentIn, access: WorkshopActorDep, session: SessionDep) -> Created:
    """Keep a comment by an advisor, case presenter or facilitator."""
    comment = records.add_comment(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        role=body.role,
        name=body.name,
        organization=body.organization,
        text=body.text,
    )
    session.commit()
    return Created(id=comment.id)


@router.patch("/workshops/{workshop_id}/comments/{comment_id}", name="api:edit_comment")
def edit_comment(
    comment_id: IdPath, body: CommentIn, access: WorkshopActorDep, session: SessionDep
) -> dict[str, Any]:
    """Correct a comment: role, name, organisation and text, all sent again."""
    comment = records.edit_comment(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        comment_id=comment_id,
        role=body.role,
        name=body.name,
        organization=body.organization,
        text=body.text,
    )
    session.commit()
    return records.comment_json(comment)


@router.delete(
    "/workshops/{workshop_id}/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="api:delete_comment",
)
def delete_comment(comment_id: IdPath, access: WorkshopActorDep, session: SessionDep) -> Response:
    """Remove a comment recorded by mistake."""
    records.delete_comment(
        session=session, workshop=access.workshop, actor=access.actor, comment_id=comment_id
    )
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/workshops/{workshop_id}/feedback",
    response_model=Created,
    status_code=status.HTTP_201_CREATED,
    name="api:give_feedback",
)
def give_feedback(body: FeedbackIn, access: WorkshopActorDep, session: SessionDep) -> Created:
    """A participant's feedback while the feedback stage is open; sending again replaces it."""
    feedback = records.give_feedback(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        text=body.text,
        rating=body.rating,
    )
    session.commit()
    return Created(id=feedback.id)
