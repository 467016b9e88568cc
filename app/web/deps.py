"""Request dependencies: the database session, who is asking, and what they may reach."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.domain import participants, staff_sessions, users
from app.domain import workshops as workshops_domain
from app.domain.notes import Actor
from app.errors import Forbidden, Unauthorized
from app.i18n import N_
from app.models import Participant, User, Workshop

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STAFF_COOKIE = "fusen_staff"
INVALID_TOKEN = N_("This token is not valid or has expired. Sign in or join again.")


def participant_cookie(workshop_id: int) -> str:
    return f"fusen_p{workshop_id}"


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; writes take the database's write lock from their first statement.

    Async, though the session is used from worker threads: making one does no I/O, and a sync
    generator dependency costs two thread hand-offs per request (enter and exit).
    """
    db = request.app.state.db
    session = db.read_session() if request.method in SAFE_METHODS else db.write_session()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


class LoginRequired(Exception):
    """A page needs a staff login; the handler redirects to the login page."""


class JoinRequired(Exception):
    """A phone page without a participant cookie; the handler sends the phone to the join page."""

    def __init__(self, join_code: str) -> None:
        super().__init__(join_code)
        self.join_code = join_code


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def user_for_token(request: Request, session: Session, token: str) -> User | None:
    claims = request.app.state.signer.read_api_token(token)
    if claims is None:
        return None
    return _current(session.get(User, claims[0]), claims)


def _current(user: User | None, claims: tuple[int, int]) -> User | None:
    """The account a verified token names, if it is still active at the token's version."""
    if user is None or not user.is_active or claims[1] != user.token_version:
        return None
    return user


def staff_from_cookie(request: Request, session: Session) -> User | None:
    value = request.cookies.get(STAFF_COOKIE)
    if not value:
        return None
    return staff_sessions.user_for(session, value)


def resolve_token(request: Request, session: Session, token: str | None) -> Actor:
    """Turn a bearer token into an actor: staff tokens are signed, participant tokens random."""
    if not token:
        raise Unauthorized(N_("Sign in or join the workshop first."))
    if "." in token:
        user = user_for_token(request, session, token)
        if user is not None:
            return Actor(user=user)
    else:
        participant = participants.by_token(session, token)
        if participant is not None:
            return Actor(participant=participant)
    raise Unauthorized(INVALID_TOKEN)


def api_actor(request: Request, session: SessionDep) -> Actor:
    return resolve_token(request, session, _bearer(request))


def api_staff(request: Request, session: SessionDep) -> User:
    actor = api_actor(request, session)
    if actor.user is None:
        raise Forbidden(N_("Only facilitators can do this."))
    return actor.user


def page_staff(request: Request, session: SessionDep) -> User:
    user = staff_from_cookie(request, session)
    if user is None:
        raise LoginRequired()
    return user


ApiActorDep = Annotated[Actor, Depends(api_actor)]
ApiStaffDep = Annotated[User, Depends(api_staff)]
PageStaffDep = Annotated[User, Depends(page_staff)]


def get_workshop(workshop_id: int, session: SessionDep) -> Workshop:
    return workshops_domain.get(session, workshop_id)


WorkshopDep = Annotated[Workshop, Depends(get_workshop)]


def can_run(user: User, workshop: Workshop) -> bool:
    return users.can_run(None, user, workshop)


def require_runner(user: User, workshop: Workshop) -> None:
    if not can_run(user, workshop):
        raise Forbidden(N_("You do not run this workshop."))


def require_member(actor: Actor, workshop: Workshop) -> None:
    """A participant reaches only their own workshop; staff only the workshops they run."""
    if actor.participant is not None and actor.participant.workshop_id != workshop.id:
        raise Forbidden(N_("This token belongs to another workshop."))
    if actor.user is not None:
        require_runner(actor.user, workshop)


@dataclass(frozen=True)
class WorkshopActor:
    workshop: Workshop
    actor: Actor


def api_workshop_actor(workshop_id: int, request: Request, session: SessionDep) -> WorkshopActor:
    """The workshop and who asks, in one dependency: each sync dependency is a thread hop.

    A participant's token (no dot: staff tokens are signed) or the account a verified staff
    token names is read with the workshop in one statement; the errors are the same as reading
    them one after the other.
    """
    token = _bearer(request)
    claims = request.app.state.signer.read_api_token(token) if token and "." in token else None
    if token and "." not in token:
        workshop, participant = participants.workshop_with_holder(session, workshop_id, token)
        if participant is None:
            raise Unauthorized(INVALID_TOKEN)
        actor = Actor(participant=participant)
    elif claims is not None:
        workshop, named = workshops_domain.get_with_user(session, workshop_id, claims[0])
        user = _current(named, claims)
        if user is None:
            raise Unauthorized(INVALID_TOKEN)
        actor = Actor(user=user)
    else:
        workshop = get_workshop(workshop_id, session)
        actor = resolve_token(request, session, token)
    require_member(actor, workshop)
    return WorkshopActor(workshop=workshop, actor=actor)


def api_workshop_staff(workshop: WorkshopDep, user: ApiStaffDep) -> Workshop:
    require_runner(user, workshop)
    return workshop


def page_workshop_staff(workshop: WorkshopDep, user: PageStaffDep) -> Workshop:
    require_runner(user, workshop)
    return workshop


def page_participant(request: Request, workshop: WorkshopDep, session: SessionDep) -> Participant:
    token = request.cookies.get(participant_cookie(workshop.id), "")
    participant = participants.by_token(session, token) if token else None
    return _member_of(workshop, participant)


def page_workshop_participant(
    request: Request, workshop_id: int, session: SessionDep
) -> tuple[Workshop, Participant]:
    """The workshop and the participant of its cookie in one read: a phone's every write."""
    token = request.cookies.get(participant_cookie(workshop_id), "")
    workshop, participant = participants.workshop_with_holder(session, workshop_id, token)
    return workshop, _member_of(workshop, participant)


def _member_of(workshop: Workshop, participant: Participant | None) -> Participant:
    if participant is None or participant.workshop_id != workshop.id:
        raise JoinRequired(workshop.join_code)
    return participant


def page_actor(request: Request, workshop: WorkshopDep, session: SessionDep) -> Actor:
    """The facilitator running this workshop, else the participant of its cookie."""
    user = staff_from_cookie(request, session)
    if user is not None and can_run(user, workshop):
        return Actor(user=user)
    return Actor(participant=page_participant(request, workshop, session))


WorkshopActorDep = Annotated[WorkshopActor, Depends(api_workshop_actor)]
PageActorDep = Annotated[Actor, Depends(page_actor)]
ApiRunnerWorkshopDep = Annotated[Workshop, Depends(api_workshop_staff)]
PageRunnerWorkshopDep = Annotated[Workshop, Depends(page_workshop_staff)]
PageParticipantDep = Annotated[Participant, Depends(page_participant)]
