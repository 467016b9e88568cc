"""The audit log of staff actions: who did what to which workshop or account, and when."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.domain import text
from app.models import AuditEntry, User

MAX_DETAIL = 500

# action → what the log page says; msgids, translated where the page is rendered.
ACTIONS: dict[str, str] = {
    "login": "signed in",
    "login.failed": "failed to sign in",
    "logout": "signed out",
    "user.create": "created an account",
    "user.disable": "disabled an account",
    "user.enable": "enabled an account",
    "user.role": "changed a role",
    "user.password": "reset a password",
    "format.create": "created a format",
    "format.update": "edited a format",
    "workshop.create": "created a workshop",
    "workshop.close": "closed a workshop",
    "workshop.retention": "changed how long data is kept",
    "workshop.purge": "purged participant data",
    "workshop.cofacilitator.add": "added a co-facilitator",
    "workshop.cofacilitator.remove": "removed a co-facilitator",
    "retention.purge": "ran the scheduled purge",
}


def record(
    session: Session,
    *,
    action: str,
    user: User | None = None,
    username: str = "",
    workshop_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """Add an entry in the caller's transaction: it exists exactly when the action did."""
    entry = AuditEntry(
        user_id=user.id if user else None,
        username=text.plain(user.username if user else username)[:64],
        action=action[:40],
        workshop_id=workshop_id,
        # Details quote what people typed (titles, names): cleaned like any stored text.
        detail=text.plain(detail)[:MAX_DETAIL],
    )
    session.add(entry)
    session.flush()
    return entry


def recent(
    session: Session, *, limit: int = 200, workshop_id: int | None = None
) -> Sequence[AuditEntry]:
    statement = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if workshop_id is not None:
        statement = statement.where(AuditEntry.workshop_id == workshop_id)
    return session.exec(statement.limit(limit)).all()
