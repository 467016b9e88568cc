"""What the four records share: limits, labels, text cleaning, and who may write them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlmodel import Session, col, select, update

from app import i18n
from app.domain import workshops
from app.domain.notes import Actor
from app.errors import Conflict, Forbidden, Invalid
from app.i18n import N_
from app.live import event_types
from app.models import (
    Answer,
    Comment,
    Feedback,
    Participant,
    Question,
    Stage,
    Workshop,
)

# Records are read by staff only (``GET /records`` is theirs), so a participant's event stream
# never carries them either: an advisor's comment is not a participant's to read.
STAFF_ONLY_EVENTS = frozenset(
    {
        event_types.QUESTION_ASKED,
        event_types.QUESTION_ANSWERED,
        event_types.QUESTION_UPDATED,
        event_types.COMMENT_ADDED,
        event_types.COMMENT_UPDATED,
        event_types.COMMENT_DELETED,
        event_types.FEEDBACK_GIVEN,
        event_types.REPORT_UPDATED,
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


def one_line(value: str | None, *, field_name: str, limit: int, required: bool = False) -> str:
    return " ".join(clean(value, field_name=field_name, limit=limit, required=required).split())


def can_record(actor: Actor) -> bool:
    """Staff and group recorders write the record; everyone else only asks and gives feedback."""
    return actor.is_staff or (
        actor.participant is not None and actor.participant.role == "recorder"
    )


# --- shared --------------------------------------------------------------------------------


def open_stage_of_kind(session: Session, workshop: Workshop, kind: str) -> Stage | None:
    """The current stage if it is of ``kind`` and open, else nothing."""
    stage = workshops.current_stage(session, workshop)
    if stage is not None and stage.kind == kind and stage.status == "open":
        return stage
    return None


def require_open_stage(session: Session, workshop: Workshop, kind: str, message: str) -> None:
    if open_stage_of_kind(session, workshop, kind) is None:
        raise Conflict(message)


def require_recorder(actor: Actor) -> None:
    if not can_record(actor):
        raise Forbidden(N_("Only the facilitator or a recorder can do this."))


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
    question_ids = select(Question.id).where(Question.workshop_id == workshop_id)
    session.exec(
        update(Question)
        .where(col(Question.workshop_id) == workshop_id)
        .values(text="", organization="", remark="")
        .execution_options(synchronize_session=False)
    )
    session.exec(
        update(Answer)
        .where(col(Answer.question_id).in_(question_ids))
        .values(text="", organization="")
        .execution_options(synchronize_session=False)
    )
    session.exec(
        update(Comment)
        .where(col(Comment.workshop_id) == workshop_id)
        .values(text="", name="", organization="")
        .execution_options(synchronize_session=False)
    )
    session.exec(
        update(Feedback)
        .where(col(Feedback.workshop_id) == workshop_id)
        .values(text="")
        .execution_options(synchronize_session=False)
    )
