"""Staff accounts and who runs which workshop: admins, facilitators and co-facilitators."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import object_session
from sqlmodel import Session, col, delete, or_, select

from app.domain import accounts, staff_sessions
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.models import CoFacilitator, User, Workshop

ROLES = ("admin", "facilitator")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256


@dataclass(frozen=True)
class PasswordSet:
    user: User
    # Only when the server chose it: shown once to whoever asked, never stored in clear.
    generated_password: str | None


def get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such account."))
    return user


def by_username(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise NotFound(N_("No account is called “%(username)s”."), username=username.strip()[:64])
    return user


def all_users(session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(col(User.username))).all()


def create_user(*, session: Session, username: str, role: str, password: str = "") -> PasswordSet:
    """Create an account; an empty password gets a generated one to hand over once."""
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise Invalid(
            N_(
                "A username is 2–64 letters, digits, “.”, “_”, “@” or “-”, "
                "starting with a letter or digit."
            )
        )
    if role not in ROLES:
        raise Invalid(N_("Unknown role “%(role)s”."), role=role[:16])
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(N_("The username “%(username)s” is taken."), username=username)
    chosen, generated = _password(password)
    user = User(username=username, role=role, password_hash=accounts.hash_password(chosen))
    session.add(user)
    session.flush()
    return PasswordSet(user=user, generated_password=generated)


def reset_password(*, session: Session, user: User, password: str = "") -> PasswordSet:
    """Set a new password and sign the account out everywhere."""
    chosen, generated = _password(password)
    user.password_hash = accounts.hash_password(chosen)
    revoke_api_tokens(user)
    session.add(user)
    staff_sessions.end_all(session=session, user_id=user.id)
    session.flush()
    return PasswordSet(user=user, generated_password=generated)


def set_active(*, session: Session, user: User, active: bool, by: User) -> User:
    """Disable or enable an account; a disabled account is signed out at once."""
    if not active and user.id == by.id:
        raise Conflict(N_("You cannot disable your own account."))
    if not active and user.role == "admin" and _active_admins(session) <= 1 and user.is_active:
        raise Conflict(N_("At least one active admin must remain."))
    user.is_active = active
    if not active:
        revoke_api_tokens(user)
        staff_sessions.end_all(session=session, user_id=user.id)
    session.add(user)
    session.flush()
    return user


def revoke_api_tokens(user: User) -> None:
    """Make every API token issued so far stop working (they carry the version they were issued
    with); enabling the account again does not bring them back."""
    user.token_version = (user.token_version or 0) + 1


def set_role(*, session: Session, user: User, role: str, by: User) -> User:
    if role not in ROLES:
        raise Invalid(N_("Unknown role “%(role)s”."), role=role[:16])
    if user.role == "admin" and role != "admin":
        if user.id == by.id:
            raise Conflict(N_("You cannot take away your own admin role."))
        if _active_admins(session) <= 1:
            raise Conflict(N_("At least one active admin must remain."))
    user.role = role
    session.add(user)
    session.flush()
    return user


def _active_admins(session: Session) -> int:
    rows = session.exec(select(User.id).where(User.role == "admin", User.is_active)).all()
    return len(rows)


def _password(password: str) -> tuple[str, str | None]:
    if not password:
        generated = secrets.token_urlsafe(12)
        return generated, generated
    if len(password) < MIN_PASSWORD:
        raise Invalid(N_("A password needs at least %(min)s characters."), min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise Invalid(N_("A password can be at most %(max)s characters."), max=MAX_PASSWORD)
    return password, None


# ---- Who runs a workshop -------------------------------------------------------------------


def runs_by_role_or_ownership(user: User, workshop: Workshop) -> bool:
    """Admins run every workshop, owners their own: the part of ``can_run`` needing no query."""
    return user.role == "admin" or workshop.owner_id == user.id


def can_run(session: Session | None, user: User, workshop: Workshop) -> bool:
    """Admins run every workshop; facilitators their own and those they were added to."""
    if runs_by_role_or_ownership(user, workshop):
        return True
    bound = session or object_session(workshop)
    if bound is None or workshop.id is None or user.id is None:
        return False
    return bound.get(CoFacilitator, (workshop.id, user.id)) is not None


def co_facilitators(session: Session, workshop_id: int) -> Sequence[User]:
    statement = (
        select(User)
        .join(CoFacilitator, col(CoFacilitator.user_id) == col(User.id))
        .where(CoFacilitator.workshop_id == workshop_id)
        .order_by(col(User.username))
    )
    return session.exec(statement).all()


def add_co_facilitator(*, session: Session, workshop: Workshop, username: str) -> User:
    user = by_username(session, username)
    if not user.is_active:
        raise Conflict(N_("This account is disabled."))
    if user.id == workshop.owner_id:
        raise Conflict(N_("%(username)s already runs this workshop."), username=user.username)
    if session.get(CoFacilitator, (workshop.id, user.id)) is None:
        session.add(CoFacilitator(workshop_id=workshop.id, user_id=user.id))
        session.flush()
    return user


def remove_co_facilitator(*, session: Session, workshop: Workshop, user_id: int) -> User:
    user = get(session, user_id)
    session.exec(
        delete(CoFacilitator).where(
            col(CoFacilitator.workshop_id) == workshop.id, col(CoFacilitator.user_id) == user_id
        )
    )
    session.flush()
    return user


def visible_workshops(session: Session, user: User, *, limit: int = 200) -> Sequence[Workshop]:
    """The workshops a staff list shows: all for admins, run or co-run ones for facilitators."""
    statement = select(Workshop).order_by(col(Workshop.created_at).desc())
    if user.role != "admin":
        co_run = select(CoFacilitator.workshop_id).where(CoFacilitator.user_id == user.id)
        statement = statement.where(
            or_(col(Workshop.owner_id) == user.id, col(Workshop.id).in_(co_run))
        )
    return session.exec(statement.limit(limit)).all()
