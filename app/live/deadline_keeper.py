"""Close posting when a countdown that locks at zero runs out, with nobody needing to click.

One task per server process sleeps until the earliest locking deadline (at most ``CHECK_SECONDS``
so a timer set in another process is seen soon) and applies it in a write transaction; the
event it appends reaches every board, phone and API stream like a facilitator's click would. A
restarted server applies what ran out while it was down on its first pass. Several processes
doing the same is harmless: the domain re-checks under the workshop's row lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import Database
from app.domain import stage_states
from app.models import utcnow

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0


def apply_due(db: Database, workshop_id: int | None = None) -> list[int]:
    """Apply every overdue locking countdown (of one workshop, or of all); return the workshops."""
    with db.read_session() as session:
        due = stage_states.due_workshops(session)
    if workshop_id is not None:
        due = [wid for wid in due if wid == workshop_id]
    for wid in due:
        with db.write_session() as session:
            stage_states.close_due_posting(session=session, workshop_id=wid)
            session.commit()
    return due


def catch_up(db: Database, session: Session, workshop_id: int) -> None:
    """Apply an overdue deadline before a page reads the workshop (the keeper may be asleep).

    The request's own transaction is ended afterwards, so what it reads next includes the lock.
    """
    if not stage_states.has_due(session, workshop_id):
        return
    session.rollback()
    apply_due(db, workshop_id)


def _seconds_to_next(db: Database) -> float:
    with db.read_session() as session:
        deadline: datetime | None = stage_states.next_deadline(session)
    if deadline is None:
        return CHECK_SECONDS
    return max(0.0, min(CHECK_SECONDS, (deadline - utcnow()).total_seconds()))


class DeadlineKeeper:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="deadline-keeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await run_in_threadpool(apply_due, self.db)
                wait = await run_in_threadpool(_seconds_to_next, self.db)
            except Exception:
                log.exception("applying countdown deadlines failed")
                wait = CHECK_SECONDS
            await asyncio.sleep(wait)
