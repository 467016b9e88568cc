"""Staff accounts: password hashing and the first admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from app.models import User

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown name as slow as one for a known name.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_cheap_hashing() -> None:
    """Make hashing nearly free: for test suites only, which hash hundreds of passwords."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    generated_password: str | None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    return user


def ensure_first_admin(session: Session, *, password: str) -> FirstAdmin | None:
    """Create ``admin`` when no account exists; a generated password is returned to print once."""
    if session.exec(select(User.id).limit(1)).first() is not None:
        return None
    generated = None if password else secrets.token_urlsafe(12)
    user = User(username="admin", password_hash=hash_password(generated or password), role="admin")
    session.add(user)
    session.flush()
    return FirstAdmin(username=user.username, generated_password=generated)
