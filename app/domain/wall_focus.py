"""Which group the projector wall shows alone when nobody presents: the console's focus.

The focus is the newest ``wall.focused`` event of the workshop: there is no column for it, so
choosing it needs no schema change, and it is a fact of the log like any other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.domain import workshops
from app.live import event_types, events
from app.live.event_types import WALL_FOCUSED as WALL_FOCUSED
from app.models import Event, Group, Workshop


def focus(*, session: Session, workshop: Workshop, group: str | int | None) -> Group | None:
    """Show one group alone on the wall (``None``: every group); return the group."""
    events.lock_workshop(session, workshop.id)
    chosen = (
        None if group is None or group == "" else workshops.find_group(session, workshop.id, group)
    )
    focused = event_types.wall_focused(chosen.name if chosen else None)
    events.append(session, workshop_id=workshop.id, event=focused)
    return chosen


def focused(session: Session, workshop_id: int, groups: Sequence[Group]) -> Group | None:
    """The group the wall shows alone, if the console chose one."""
    statement = (
        select(Event.payload)
        .where(Event.workshop_id == workshop_id, Event.type == WALL_FOCUSED)
        .order_by(col(Event.seq).desc())
        .limit(1)
    )
    payload = session.exec(statement).first()
    name = json.loads(payload).get("group") if payload else None
    return next((g for g in groups if g.name == name), None)
