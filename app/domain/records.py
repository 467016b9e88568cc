"""What the session leaves besides notes: Q&A, comments by role, feedback, and report details.

Each write locks the workshop and appends its event like a note does, so boards and API clients
hear about a new question or comment the same way they hear about a note.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, func, select

from app import i18n
from app.domain import workshops
from app.domain.notes import Actor
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.live import events
from app.models import (
    Answer,
    Comment,
    Feedback,
    Participant,
    Question,
    ReportDetails,
    Stage,
    Workshop,
    utcnow,
)

QUESTION_ASKED = "question.asked"
QUESTION_ANSWERED = "question.answered"
QUESTION_UPDATED = "question.updated"
COMMENT_ADDED = "comment.added"
COMMENT_UPDATED = "comment.updated"
COMMENT_DELETED = "comment.deleted"
FEEDBACK_GIVEN = "feedback.given"
REPORT_UPDATED = "report.updated"
# Records are read by staff only (``GET /records`` is theirs), so a participant's event stream
# never carries them either: an advisor's comment is not a participant's to read.
STAFF_ONLY_EVENTS = frozenset(
    {
        QUESTION_ASKED,
        QUESTION_ANSWERED,
        QUESTION_UPDATED,
        COMMENT_ADDED,
        COMMENT_UPDATED,
        COMMENT_DELETED,
        FEEDBACK_GIVEN,
        REPORT_UPDATED,
    }
)

MAX_QUESTION = 500
MAX_ANSWER = 2000
MAX_REMARK = 1000
MAX_COMMENT = 2000
MAX_FEEDBACK = 1000
MAX_NAME = 100
MAX_ORGANIZATION = 100
MAX_ROLE = 40
MAX_ORGANIZATIONS = 100
MAX_ROLES = 50
MAX_ROLE_NAMES = 10
MAX_STEPS = 30
MAX_STEP = 500
MAX_PARTICIPANTS = 100_000
MAX_LONG_TEXT = {
    "purpose": 2000,
    "materials": 1000,
    "theme": 2000,
    "case_summary": 5000,
    "closing_summary": 5000,
}

# Who may leave a comment for the report, in the order a 報告書 prints them.
COMMENT_ROLES: dict[str, str] = {
    "advisor": N_("Advisor"),
    "presenter": N_("Case presenter"),
    "facilitator": N_("Facilitator"),
}
# Roles of the header table; any other text is kept as the secretariat typed it.
ROLE_LABELS: dict[str, str] = {
    "facilitator": N_("Facilitator"),
    "recorder": N_("Recorder"),
    "presenter": N_("Case presenter"),
    "listener": N_("Listener"),
    "advisor": N_("Advisor"),
}
FIELD_LABELS: dict[str, str] = {
    "text": N_("Text"),
    "question": N_("Question"),
    "answer": N_("Answer"),
    "remark": N_("Remark"),
    "name": N_("Name"),
    "organization": N_("Organisation"),
    "role": N_("Role"),
    "feedback": N_("Feedback"),
    "title": N_("Title"),
    "venue": N_("Venue"),
    "purpose": N_("Purpose"),
    "materials": N_("Materials"),
    "theme": N_("Theme"),
    "case_summary": N_("Case summary"),
    "closing_summary": N_("Closing summary"),
    "step": N_("Step"),
}
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Role:
    role: str
    names: tuple[str, ...]
    organization: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "names": list(self.names), "organization": self.organization}


@dataclass(frozen=True)
class Details:
    """The report details as plain values; lists already decoded."""

    end_time: str | None = None
    organizations: tuple[str, ...] = ()
    participant_count: int | None = None
    roles: tuple[Role, ...] = ()
    purpose: str = ""
    materials: str = ""
    steps: tuple[str, ...] = ()
    theme: str = ""
    case_summary: str = ""
    closing_summary: str = ""
    saved: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "end_time": self.end_time,
            "organizations": list(self.organizations),
            "participant_count": self.participant_count,
            "roles": [role.as_json() for role in self.roles],
            "purpose": self.purpose,
            "materials": self.materials,
            "steps": list(self.steps),
            "theme": self.theme,
            "case_summary": self.case_summary,
            "closing_summary": self.closing_summary,
        }


@dataclass(frozen=True)
class QuestionWithAnswers:
    question: Question
    answers: tuple[Answer, ...] = field(default_factory=tuple)


def role_label(role: str) -> str:
    """The translated name of a known role key, or the text as the secretariat typed it."""
    known = ROLE_LABELS.get(role) or COMMENT_ROLES.get(role)
    return i18n.gettext(known) if known else role


def clean(value: str | None, *, field_name: str, limit: int, required: bool = False) -> str:
    """Normalise free text the way notes are: NFC, no control characters, trimmed, limited."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    label = i18n.gettext(FIELD_LABELS.get(field_name, field_name))
    if required and not text:
        raise Invalid(N_("“%(field)s” cannot be empty."), field=label)
    if len(text) > limit:
        raise Invalid(
            N_("“%(field)s” can be at most %(max)s characters (this one has %(count)s)."),
            field=label,
            max=limit,
            count=len(text),
        )
    return text


def _one_line(value: str | None, *, field_name: str, limit: int, required: bool = False) -> str:
    return " ".join(clean(value, field_name=field_name, limit=limit, required=required).split())


# --- Q&A -----------------------------------------------------------------------------------


def can_record(actor: Actor) -> bool:
    """Staff and group recorders write the record; everyone else only asks and gives feedback."""
    return actor.is_staff or (
        actor.participant is not None and actor.participant.role == "recorder"
    )


def ask_question(
    *, session: Session, workshop: Workshop, actor: Actor, text: str, organization: str | None
) -> Question:
    """Add a question: participants while a Q&A stage is open, staff at any time."""
    text = clean(text, field_name="question", limit=MAX_QUESTION, required=True)
    if organization is None and actor.participant is not None:
        organization = actor.participant.organization
    organization = _one_line(organization, field_name="organization", limit=MAX_ORGANIZATION)
    events.lock_workshop(session, workshop.id)
    if not can_record(actor):
        _require_open_stage(session, workshop, "qa", N_("Questions are not open right now."))
    question = Question(
        workshop_id=workshop.id,
        participant_id=actor.participant.id if actor.participant else None,
        author_user_id=actor.user.id if actor.user else None,
        text=text,
        organization=organization,
    )
    session.add(question)
    session.flush()
    _emit(session, workshop, QUESTION_ASKED, {"question": question_json(question, ())})
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
    _require_recorder(actor)
    organization = _one_line(organization, field_name="organization", limit=MAX_ORGANIZATION)
    text = clean(text, field_name="answer", limit=MAX_ANSWER, required=True)
    events.lock_workshop(session, workshop.id)
    question = _question(session, workshop, question_id)
    answer = Answer(question_id=question.id, organization=organization, text=text)
    session.add(answer)
    session.flush()
    _emit(
        session,
        workshop,
        QUESTION_ANSWERED,
        {"question": question_json(question, answers_of(session, [question.id])[question.id])},
    )
    return answer


def set_remark(
    *, session: Session, workshop: Workshop, actor: Actor, question_id: int, remark: str
) -> Question:
    """Set the facilitator's closing remark on a question (empty text clears it)."""
    _require_recorder(actor)
    remark = clean(remark, field_name="remark", limit=MAX_REMARK)
    events.lock_workshop(session, workshop.id)
    question = _question(session, workshop, question_id)
    question.remark = remark
    session.add(question)
    session.flush()
    _emit(
        session,
        workshop,
        QUESTION_UPDATED,
        {"question": question_json(question, answers_of(session, [question.id])[question.id])},
    )
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
    _require_recorder(actor)
    organization = _one_line(organization, field_name="organization", limit=MAX_ORGANIZATION)
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
    _require_recorder(actor)
    events.lock_workshop(session, workshop.id)
    answer, question = _answer(session, workshop, answer_id)
    session.delete(answer)
    session.flush()
    _question_changed(session, workshop, question)
    return question


def _question_changed(session: Session, workshop: Workshop, question: Question) -> None:
    # The whole question travels, answers included, so a listener replaces what it had.
    _emit(
        session,
        workshop,
        QUESTION_UPDATED,
        {"question": question_json(question, answers_of(session, [question.id])[question.id])},
    )


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


# --- comments ------------------------------------------------------------------------------


def add_comment(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    role: str,
    name: str,
    text: str,
    organization: str | None = None,
) -> Comment:
    """Keep a comment by an advisor, case presenter or facilitator for the report."""
    _require_recorder(actor)
    fields = _comment_fields(role=role, name=name, organization=organization, text=text)
    events.lock_workshop(session, workshop.id)
    comment = Comment(workshop_id=workshop.id, **fields)
    session.add(comment)
    session.flush()
    _emit(session, workshop, COMMENT_ADDED, {"comment": comment_json(comment)})
    return comment


def edit_comment(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    comment_id: int,
    role: str,
    name: str,
    text: str,
    organization: str | None = None,
) -> Comment:
    """Correct a comment as recorded: who gave it and what they said."""
    _require_recorder(actor)
    fields = _comment_fields(role=role, name=name, organization=organization, text=text)
    events.lock_workshop(session, workshop.id)
    comment = _comment(session, workshop, comment_id)
    for key, value in fields.items():
        setattr(comment, key, value)
    session.add(comment)
    session.flush()
    _emit(session, workshop, COMMENT_UPDATED, {"comment": comment_json(comment)})
    return comment


def delete_comment(*, session: Session, workshop: Workshop, actor: Actor, comment_id: int) -> int:
    """Remove a comment recorded by mistake; return its id."""
    _require_recorder(actor)
    events.lock_workshop(session, workshop.id)
    comment = _comment(session, workshop, comment_id)
    session.delete(comment)
    session.flush()
    _emit(session, workshop, COMMENT_DELETED, {"comment": {"id": comment_id}})
    return comment_id


def _comment_fields(*, role: str, name: str, organization: str | None, text: str) -> dict[str, str]:
    if role not in COMMENT_ROLES:
        raise Invalid(
            N_("A comment's role must be one of: %(roles)s."), roles=", ".join(COMMENT_ROLES)
        )
    return {
        "role": role,
        "name": _one_line(name, field_name="name", limit=MAX_NAME, required=True),
        "organization": _one_line(organization, field_name="organization", limit=MAX_ORGANIZATION),
        "text": clean(text, field_name="text", limit=MAX_COMMENT, required=True),
    }


def _comment(session: Session, workshop: Workshop, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id) if 0 < comment_id <= workshops.MAX_ID else None
    if comment is None or comment.workshop_id != workshop.id:
        raise NotFound(N_("No such comment."))
    return comment


def comments_of(session: Session, workshop_id: int) -> list[Comment]:
    """Comments grouped by role in report order, each role's in the order they were given."""
    found = session.exec(
        select(Comment).where(Comment.workshop_id == workshop_id).order_by(col(Comment.id))
    ).all()
    order = {role: index for index, role in enumerate(COMMENT_ROLES)}
    return sorted(found, key=lambda c: order.get(c.role, len(order)))


def comment_json(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "role": comment.role,
        "name": comment.name,
        "organization": comment.organization,
        "text": comment.text,
    }


# --- feedback ------------------------------------------------------------------------------


def give_feedback(
    *, session: Session, workshop: Workshop, actor: Actor, text: str, rating: int | None
) -> Feedback:
    """Save a participant's feedback while the feedback stage is open; sending again replaces it."""
    if actor.participant is None:
        raise Forbidden(N_("Only participants give feedback."))
    text = clean(text, field_name="feedback", limit=MAX_FEEDBACK)
    if rating is not None and not 1 <= rating <= 5:
        raise Invalid(N_("A rating must be between 1 and 5."))
    if not text and rating is None:
        raise Invalid(N_("Write a few words or choose a rating."))
    events.lock_workshop(session, workshop.id)
    _require_open_stage(session, workshop, "feedback", N_("Feedback is not open right now."))
    existing = session.exec(
        select(Feedback).where(
            Feedback.workshop_id == workshop.id, Feedback.participant_id == actor.participant.id
        )
    ).first()
    feedback = existing or Feedback(workshop_id=workshop.id, participant_id=actor.participant.id)
    feedback.text = text
    feedback.rating = rating
    feedback.updated_at = utcnow()
    session.add(feedback)
    session.flush()
    count = session.exec(
        select(func.count()).select_from(Feedback).where(Feedback.workshop_id == workshop.id)
    ).one()
    # Feedback is for the report, not the projector: the event only says how many there are.
    _emit(session, workshop, FEEDBACK_GIVEN, {"count": count})
    return feedback


def feedback_of(session: Session, workshop_id: int) -> list[Feedback]:
    statement = (
        select(Feedback).where(Feedback.workshop_id == workshop_id).order_by(col(Feedback.id))
    )
    return list(session.exec(statement).all())


def feedback_by(session: Session, *, workshop_id: int, participant_id: str) -> Feedback | None:
    return session.exec(
        select(Feedback).where(
            Feedback.workshop_id == workshop_id, Feedback.participant_id == participant_id
        )
    ).first()


# --- report details ------------------------------------------------------------------------


def details_of(session: Session, workshop_id: int) -> Details:
    row = session.get(ReportDetails, workshop_id)
    if row is None:
        return Details()
    return Details(
        end_time=row.end_time,
        organizations=tuple(json.loads(row.organizations)),
        participant_count=row.participant_count,
        roles=tuple(
            Role(
                role=item["role"],
                names=tuple(item.get("names", ())),
                organization=item.get("organization", ""),
            )
            for item in json.loads(row.roles)
        ),
        purpose=row.purpose,
        materials=row.materials,
        steps=tuple(json.loads(row.steps)),
        theme=row.theme,
        case_summary=row.case_summary,
        closing_summary=row.closing_summary,
        saved=True,
    )


UNSET: Any = object()


def update_details(
    *,
    session: Session,
    workshop: Workshop,
    changes: dict[str, Any],
) -> Details:
    """Apply the fields present in ``changes``; title, date, time and venue live on the workshop.

    Only keys present are touched, so a form that shows half the fields never blanks the rest.
    """
    unknown = set(changes) - set(DETAIL_FIELDS) - set(WORKSHOP_FIELDS)
    if unknown:
        raise Invalid(N_("Unknown field “%(field)s”."), field=sorted(unknown)[0][:40])
    cleaned = {key: _clean_detail(key, value) for key, value in changes.items()}
    events.lock_workshop(session, workshop.id)
    row = session.get(ReportDetails, workshop.id) or ReportDetails(workshop_id=workshop.id)
    for key, value in cleaned.items():
        if key in WORKSHOP_FIELDS:
            setattr(workshop, key, value)
        elif key in ("organizations", "steps"):
            setattr(row, key, json.dumps(list(value), ensure_ascii=False))
        elif key == "roles":
            row.roles = json.dumps([r.as_json() for r in value], ensure_ascii=False)
        else:
            setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(workshop)
    session.add(row)
    session.flush()
    _emit(session, workshop, REPORT_UPDATED, {"fields": sorted(cleaned)})
    return details_of(session, workshop.id)


def steps_from_format(stages: Sequence[Stage]) -> tuple[str, ...]:
    """Suggested 進め方 for a workshop whose secretariat has not written its own yet."""
    return tuple(stage.label for stage in stages)


def counted_participants(session: Session, workshop_id: int) -> int:
    return workshops.participant_count(session, workshop_id)


WORKSHOP_FIELDS = ("title", "date", "start_time", "venue")
DETAIL_FIELDS = (
    "end_time",
    "organizations",
    "participant_count",
    "roles",
    "purpose",
    "materials",
    "steps",
    "theme",
    "case_summary",
    "closing_summary",
)


def _clean_detail(key: str, value: Any) -> Any:
    if key == "title":
        title = _one_line(value, field_name="title", limit=workshops.MAX_TITLE, required=True)
        return title
    if key == "venue":
        return _one_line(value, field_name="venue", limit=200) or None
    if key in ("start_time", "end_time"):
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not TIME_PATTERN.match(value):
            raise Invalid(N_("Enter the time as HH:MM."))
        return value
    if key == "date":
        return value
    if key == "participant_count":
        if value in (None, ""):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(N_("The participant count must be a whole number."))
        if not 0 <= value <= MAX_PARTICIPANTS:
            raise Invalid(
                N_("The participant count must be between 0 and %(max)s."), max=MAX_PARTICIPANTS
            )
        return value
    if key == "organizations":
        items = [
            _one_line(item, field_name="organization", limit=MAX_ORGANIZATION)
            for item in _as_list(value)
        ]
        items = [item for item in items if item]
        if len(items) > MAX_ORGANIZATIONS:
            raise Invalid(N_("At most %(max)s organisations can be listed."), max=MAX_ORGANIZATIONS)
        return tuple(items)
    if key == "steps":
        steps = [clean(item, field_name="step", limit=MAX_STEP) for item in _as_list(value)]
        steps = [step for step in steps if step]
        if len(steps) > MAX_STEPS:
            raise Invalid(N_("At most %(max)s steps can be listed."), max=MAX_STEPS)
        return tuple(steps)
    if key == "roles":
        return tuple(_clean_role(item) for item in _as_list(value, limit=MAX_ROLES))
    return clean(value, field_name=key, limit=MAX_LONG_TEXT[key])


def _as_list(value: Any, limit: int = 1000) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise Invalid(N_("Expected a list."))
    if len(value) > limit:
        raise Invalid(N_("At most %(max)s entries can be listed."), max=limit)
    return list(value)


def _clean_role(item: Any) -> Role:
    if isinstance(item, Role):
        item = item.as_json()
    if not isinstance(item, dict):
        raise Invalid(N_("Each role needs a role and names."))
    role = _one_line(item.get("role"), field_name="role", limit=MAX_ROLE, required=True)
    raw_names = item.get("names")
    if raw_names is None:
        raw_names = [item.get("name", "")]
    names = [
        _one_line(name, field_name="name", limit=MAX_NAME)
        for name in _as_list(raw_names, limit=MAX_ROLE_NAMES)
    ]
    return Role(
        role=role,
        names=tuple(name for name in names if name),
        organization=_one_line(
            item.get("organization"), field_name="organization", limit=MAX_ORGANIZATION
        ),
    )


# --- shared --------------------------------------------------------------------------------


def open_stage_of_kind(session: Session, workshop: Workshop, kind: str) -> Stage | None:
    """The current stage if it is of ``kind`` and open, else nothing."""
    stage = workshops.current_stage(session, workshop)
    if stage is not None and stage.kind == kind and stage.status == "open":
        return stage
    return None


def _require_open_stage(session: Session, workshop: Workshop, kind: str, message: str) -> None:
    if open_stage_of_kind(session, workshop, kind) is None:
        raise Conflict(message)


def _require_recorder(actor: Actor) -> None:
    if not can_record(actor):
        raise Forbidden(N_("Only the facilitator or a recorder can do this."))


def _emit(session: Session, workshop: Workshop, type: str, payload: dict[str, Any]) -> None:
    events.append(session, workshop_id=workshop.id, type=type, payload=payload)


def participant_names(session: Session, ids: Sequence[str]) -> dict[str, Participant]:
    if not ids:
        return {}
    found = session.exec(select(Participant).where(col(Participant.id).in_(set(ids)))).all()
    return {p.id: p for p in found}


def purge_personal_data(session: Session, workshop_id: int) -> None:
    """Clear what people wrote or were named in: questions, answers, comments, feedback.

    Ratings and the number of each record stay, for the series statistics; the report details
    are the secretariat's own record and stay as written.
    """
    from sqlalchemy import update

    question_ids = select(Question.id).where(Question.workshop_id == workshop_id)
    session.execute(
        update(Question)
        .where(col(Question.workshop_id) == workshop_id)
        .values(text="", organization="", remark="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Answer)
        .where(col(Answer.question_id).in_(question_ids))
        .values(text="", organization="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Comment)
        .where(col(Comment.workshop_id) == workshop_id)
        .values(text="", name="", organization="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Feedback)
        .where(col(Feedback.workshop_id) == workshop_id)
        .values(text="")
        .execution_options(synchronize_session=False)
    )
