"""Participants' feedback: one entry each, replaced when sent again."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from app.domain.notes import Actor
from app.domain.records.common import (
    MAX_FEEDBACK,
    clean,
    require_open_stage,
)
from app.errors import Forbidden, Invalid
from app.i18n import N_
from app.live import event_types, events
from app.models import (
    Feedback,
    Workshop,
    utcnow,
)

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
    require_open_stage(session, workshop, "feedback", N_("Feedback is not open right now."))
    existing = session.exec(
        select(Feedback).where(
            Feedback.workshop_id == workshop.id, Feedback.participant_id == actor.participant.id
        )
    ).first()
    if existing is None:
        feedback = insert_feedback(
            session,
            workshop_id=workshop.id,
            participant_id=actor.participant.id,
            text=text,
            rating=rating,
        )
    else:
        feedback = existing
        feedback.text = text
        feedback.rating = rating
        feedback.updated_at = utcnow()
        session.add(feedback)
    session.flush()
    count = session.exec(
        select(func.count()).select_from(Feedback).where(Feedback.workshop_id == workshop.id)
    ).one()
    # Feedback is for the report, not the projector: the event only says how many there are.
    events.append(session, workshop_id=workshop.id, event=event_types.feedback_given(count))
    return feedback


def insert_feedback(
    session: Session,
    *,
    workshop_id: int,
    participant_id: str | None,
    text: str,
    rating: int | None,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Feedback:
    """The one writer of new feedback rows (giving it and the archive import); not flushed."""
    created = created_at or utcnow()
    feedback = Feedback(
        workshop_id=workshop_id,
        participant_id=participant_id,
        text=text,
        rating=rating,
        created_at=created,
        updated_at=updated_at or created,
    )
    session.add(feedback)
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
