"""Who may organise which group's notes: the facilitator any group, a recorder only their own.

The recorder (記録者) is a participant with ``Participant.role == "recorder"``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.domain import workshops
from app.domain.notes import Actor
from app.errors import Forbidden, Invalid, NotFound
from app.i18n import N_
from app.live import event_types, events
from app.models import Group, Note, Participant, Workshop

ROLES = ("member", "recorder")


def require_organiser(actor: Actor, group_id: int) -> None:
    """Refuse anyone but the facilitator or a recorder of ``group_id``."""
    if actor.is_staff:
        return
    participant = actor.participant
    if participant is None or participant.role != "recorder":
        raise Forbidden(N_("Only the group's recorder or the facilitator can organise notes."))
    if participant.group_id != group_id:
        raise Forbidden(N_("A recorder can only organise their own group's notes."))


def set_role(
    *, session: Session, workshop: Workshop, participant_id: str, role: str
) -> Participant:
    """Make a participant their group's recorder, or a member again."""
    if role not in ROLES:
        raise Invalid(N_("A role is either “member” or “recorder”."))
    workshops.lock_open(session, workshop)
    participant = session.get(Participant, str(participant_id))
    if participant is None or participant.workshop_id != workshop.id:
        raise NotFound(N_("No such participant."))
    participant.role = role
    session.add(participant)
    session.flush()
    group = session.get(Group, participant.group_id)
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.participant_role(
            participant_id=participant.id,
            group=group.name if group else None,
            role=role,
            recorders=[p.id for p in recorders_of(session, participant.group_id)],
        ),
    )
    return participant


def recorders_of(session: Session, group_id: int) -> Sequence[Participant]:
    statement = (
        select(Participant)
        .where(Participant.group_id == group_id, Participant.role == "recorder")
        .order_by(col(Participant.created_at))
    )
    return session.exec(statement).all()


def participants_of(
    session: Session, workshop_id: int, *, group_id: int | None = None
) -> Sequence[Participant]:
    """A workshop's participants; for one group, its members and whoever wrote one of its notes
    (staff and people from other tables post into a group too, and their names are shown)."""
    statement = select(Participant).where(Participant.workshop_id == workshop_id)
    if group_id is not None:
        writers = select(Note.participant_id).where(Note.group_id == group_id)
        statement = statement.where(
            or_(col(Participant.group_id) == group_id, col(Participant.id).in_(writers))
        )
    return session.exec(statement.order_by(col(Participant.created_at))).all()


def group_of(session: Session, workshop: Workshop, ref: str | int) -> Group:
    return workshops.find_group(session, workshop.id, ref)
