"""Comments for the report by role (advisor, case presenter, facilitator)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.domain import workshops
from app.domain.notes import Actor
from app.domain.records.common import (
    COMMENT_ROLES,
    MAX_COMMENT,
    MAX_NAME,
    MAX_ORGANIZATION,
    clean,
    one_line,
    require_recorder,
)
from app.errors import Invalid, NotFound
from app.i18n import N_
from app.live import event_types, events
from app.models import Comment, Workshop, utcnow

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
    require_recorder(actor)
    fields = _comment_fields(role=role, name=name, organization=organization, text=text)
    events.lock_workshop(session, workshop.id)
    comment = insert_comment(
        session,
        workshop_id=workshop.id,
        role=fields["role"],
        name=fields["name"],
        organization=fields["organization"],
        text=fields["text"],
    )
    session.flush()
    events.append(
        session, workshop_id=workshop.id, event=event_types.comment_added(comment_json(comment))
    )
    return comment


def insert_comment(
    session: Session,
    *,
    workshop_id: int,
    role: str,
    name: str,
    organization: str,
    text: str,
    created_at: datetime | None = None,
) -> Comment:
    """The one writer of comment rows (recording and the archive import); not yet flushed."""
    comment = Comment(
        workshop_id=workshop_id,
        role=role,
        name=name,
        organization=organization,
        text=text,
        created_at=created_at or utcnow(),
    )
    session.add(comment)
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
    require_recorder(actor)
    fields = _comment_fields(role=role, name=name, organization=organization, text=text)
    events.lock_workshop(session, workshop.id)
    comment = _comment(session, workshop, comment_id)
    for key, value in fields.items():
        setattr(comment, key, value)
    session.add(comment)
    session.flush()
    events.append(
        session, workshop_id=workshop.id, event=event_types.comment_updated(comment_json(comment))
    )
    return comment


def delete_comment(*, session: Session, workshop: Workshop, actor: Actor, comment_id: int) -> int:
    """Remove a comment recorded by mistake; return its id."""
    require_recorder(actor)
    events.lock_workshop(session, workshop.id)
    comment = _comment(session, workshop, comment_id)
    session.delete(comment)
    session.flush()
    events.append(session, workshop_id=workshop.id, event=event_types.comment_deleted(comment_id))
    return comment_id


def _comment_fields(*, role: str, name: str, organization: str | None, text: str) -> dict[str, str]:
    if role not in COMMENT_ROLES:
        raise Invalid(
            N_("A comment's role must be one of: %(roles)s."), roles=", ".join(COMMENT_ROLES)
        )
    return {
        "role": role,
        "name": one_line(name, field_name="name", limit=MAX_NAME, required=True),
        "organization": one_line(organization, field_name="organization", limit=MAX_ORGANIZATION),
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
