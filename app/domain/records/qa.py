"""Q&A: questions from the floor and the organisations' answers, each write appending its event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.domain import workshops
from app.domain.notes import Actor
from app.domain.records.common import (
    MAX_ANSWER,
    MAX_ORGANIZATION,
    MAX_QUESTION,
    MAX_REMARK,
    can_record,
    clean,
    one_line,
    require_open_stage,
    require_recorder,
)
from app.errors import NotFound
from app.i18n import N_
from app.live import event_types, events
from app.models import Answer, Question, Workshop, utcnow


@dataclass(frozen=True)
class QuestionWithAnswers:
    question: Question
    answers: tuple[Answer, ...] = field(default_factory=tuple)


# --- Q&A -----------------------------------------------------------------------------------


def ask_question(
    *, session: Session, workshop: Workshop, actor: Actor, text: str, organization: str | None
) -> Question:
    """Add a question: participants while a Q&A stage is open, staff at any time."""
    text = clean(text, field_name="question", limit=MAX_QUESTION, required=True)
    if organization is None and actor.participant is not None:
        organization = actor.participant.organization
    organization = one_line(organization, field_name="organization", limit=MAX_ORGANIZATION)
    events.lock_workshop(session, workshop.id)
    if not can_record(actor):
        require_open_stage(session, workshop, "qa", N_("Questions are not open right now."))
    question = insert_question(
        session,
        workshop_id=workshop.id,
        participant_id=actor.participant.id if actor.participant else None,
        author_user_id=actor.user.id if actor.user else None,
        text=text,
        organization=organization,
    )
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.question_asked(question_json(question, ())),
    )
    return question


def answer_question(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    question_id: int,
    organization: str,
    text: str,
) -> Answer:
    """Record one organisation's answer; a question may get several, kept in the order given."""
    require_recorder(actor)
    organization = one_line(organization, field_name="organization", limit=MAX_ORGANIZATION)
    text = clean(text, field_name="answer", limit=MAX_ANSWER, required=True)
    events.lock_workshop(session, workshop.id)
    question = _question(session, workshop, question_id)
    answer = insert_answer(session, question=question, organization=organization, text=text)
    session.flush()
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.question_answered(with_answers(session, question)),
    )
    return answer


def insert_question(
    session: Session,
    *,
    workshop_id: int,
    participant_id: str | None,
    author_user_id: int | None,
    text: str,
    organization: str,
    remark: str = "",
    asked_at: datetime | None = None,
) -> Question:
    """The one writer of question rows (asking and the archive import), flushed for its id."""
    question = Question(
        workshop_id=workshop_id,
        participant_id=participant_id,
        author_user_id=author_user_id,
        text=text,
        organization=organization,
        remark=remark,
        created_at=asked_at or utcnow(),
    )
    session.add(question)
    session.flush()
    return question


def insert_answer(
    session: Session,
    *,
    question: Question,
    organization: str,
    text: str,
    answered_at: datetime | None = None,
) -> Answer:
    """The one writer of answer rows (recording and the archive import); not yet flushed."""
    answer = Answer(
        question_id=question.id,
        organization=organization,
        text=text,
        created_at=answered_at or utcnow(),
    )
    session.add(answer)
    return answer


def set_remark(
    *, session: Session, workshop: Workshop, actor: Actor, question_id: int, remark: str
) -> Question:
    """Set the facilitator's closing remark on a question (empty text clears it)."""
    require_recorder(actor)
    remark = clean(remark, field_name="remark", limit=MAX_REMARK)
    events.lock_workshop(session, workshop.id)
    question = _question(session, workshop, question_id)
    question.remark = remark
    session.add(question)
    session.flush()
    _question_changed(session, workshop, question)
    return question


def edit_answer(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    answer_id: int,
    organization: str,
    text: str,
) -> Answer:
    """Correct an answer as recorded: its organisation and its text."""
    require_recorder(actor)
    organization = one_line(organization, field_name="organization", limit=MAX_ORGANIZATION)
    text = clean(text, field_name="answer", limit=MAX_ANSWER, required=True)
    events.lock_workshop(session, workshop.id)
    answer, question = _answer(session, workshop, answer_id)
    answer.organization = organization
    answer.text = text
    session.add(answer)
    session.flush()
    _question_changed(session, workshop, question)
    return answer


def delete_answer(
    *, session: Session, workshop: Workshop, actor: Actor, answer_id: int
) -> Question:
    """Remove an answer recorded by mistake; return the question it belonged to."""
    require_recorder(actor)
    events.lock_workshop(session, workshop.id)
    answer, question = _answer(session, workshop, answer_id)
    session.delete(answer)
    session.flush()
    _question_changed(session, workshop, question)
    return question


def _question_changed(session: Session, workshop: Workshop, question: Question) -> None:
    # The whole question travels, answers included, so a listener replaces what it had.
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.question_updated(with_answers(session, question)),
    )


def with_answers(session: Session, question: Question) -> dict[str, Any]:
    """A question's JSON with every answer it has now."""
    return question_json(question, answers_of(session, [question.id])[question.id])


def _answer(session: Session, workshop: Workshop, answer_id: int) -> tuple[Answer, Question]:
    answer = session.get(Answer, answer_id) if 0 < answer_id <= workshops.MAX_ID else None
    question = session.get(Question, answer.question_id) if answer is not None else None
    if answer is None or question is None or question.workshop_id != workshop.id:
        raise NotFound(N_("No such answer."))
    return answer, question


def questions_of(session: Session, workshop_id: int) -> list[QuestionWithAnswers]:
    found = session.exec(
        select(Question).where(Question.workshop_id == workshop_id).order_by(col(Question.id))
    ).all()
    answers = answers_of(session, [q.id for q in found if q.id is not None])
    return [QuestionWithAnswers(question=q, answers=answers.get(q.id, ())) for q in found]


def answers_of(session: Session, question_ids: Sequence[int]) -> dict[int, tuple[Answer, ...]]:
    grouped: dict[int, list[Answer]] = {qid: [] for qid in question_ids}
    if question_ids:
        statement = (
            select(Answer).where(col(Answer.question_id).in_(question_ids)).order_by(col(Answer.id))
        )
        for answer in session.exec(statement).all():
            grouped[answer.question_id].append(answer)
    return {qid: tuple(items) for qid, items in grouped.items()}


def question_json(question: Question, answers: Sequence[Answer]) -> dict[str, Any]:
    return {
        "id": question.id,
        "text": question.text,
        "organization": question.organization,
        "remark": question.remark,
        "answers": [{"id": a.id, "organization": a.organization, "text": a.text} for a in answers],
        "created_at": question.created_at.isoformat(),
    }


def _question(session: Session, workshop: Workshop, question_id: int) -> Question:
    question = session.get(Question, question_id) if 0 < question_id <= workshops.MAX_ID else None
    if question is None or question.workshop_id != workshop.id:
        raise NotFound(N_("No such question."))
    return question
