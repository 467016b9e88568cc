"""The presentation round: one group in the spotlight, and the order groups present in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.domain import workshops
from app.errors import Invalid
from app.i18n import N_
from app.live import event_types, events
from app.models import Group, Presentation, Workshop


@dataclass(frozen=True)
class State:
    group: Group | None
    order: list[Group]


def state_of(session: Session, workshop_id: int) -> State:
    row = session.get(Presentation, workshop_id)
    groups = workshops.groups_of(session, workshop_id)
    by_id = {group.id: group for group in groups}
    order = list(groups)
    if row is not None and row.order:
        ids = [int(part) for part in row.order.split(",") if part.isdigit()]
        chosen = [by_id[i] for i in ids if i in by_id]
        order = chosen + [g for g in groups if g not in chosen]
    current = by_id.get(row.group_id) if row is not None and row.group_id else None
    return State(group=current, order=order)


def set_presentation(
    *,
    session: Session,
    workshop: Workshop,
    group: str | int | None,
    order: Sequence[str | int] | None = None,
) -> State:
    """Spotlight a group (``None`` ends the spotlight) and optionally set the presenting order."""
    workshops.lock_open(session, workshop)
    chosen = None
    if order is not None:
        chosen = [workshops.find_group(session, workshop.id, ref) for ref in order]
    shown = (
        None if group is None or group == "" else workshops.find_group(session, workshop.id, group)
    )
    return write(session, workshop=workshop, group=shown, order=chosen)


def write(
    session: Session, *, workshop: Workshop, group: Group | None, order: Sequence[Group] | None
) -> State:
    """The one writer of the presenting state (the console and the archive import): the
    spotlight, the order when given, and its event."""
    if order is not None and len({g.id for g in order}) != len(order):
        raise Invalid(N_("Each group can appear only once in the order."))
    row = session.get(Presentation, workshop.id) or Presentation(workshop_id=workshop.id)
    if order is not None:
        row.order = ",".join(str(g.id) for g in order)
    row.group_id = group.id if group is not None else None
    session.add(row)
    session.flush()
    return _changed(session, workshop)


def step(*, session: Session, workshop: Workshop, direction: int) -> State:
    """Move the spotlight to the next (+1) or previous (-1) group in the order."""
    workshops.lock_open(session, workshop)
    current = state_of(session, workshop.id)
    if not current.order:
        raise Invalid(N_("This workshop has no groups."))
    if current.group is None:
        index = 0 if direction > 0 else len(current.order) - 1
    else:
        index = current.order.index(current.group) + (1 if direction > 0 else -1)
        index = max(0, min(index, len(current.order) - 1))
    row = session.get(Presentation, workshop.id) or Presentation(workshop_id=workshop.id)
    row.group_id = current.order[index].id
    session.add(row)
    session.flush()
    return _changed(session, workshop)


def _changed(session: Session, workshop: Workshop) -> State:
    state = state_of(session, workshop.id)
    events.append(
        session,
        workshop_id=workshop.id,
        event=event_types.presentation_changed(
            group=state.group.name if state.group else None, order=[g.name for g in state.order]
        ),
    )
    return state
