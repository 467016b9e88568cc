"""What a participant may see of other groups: plenary stages yes, other tables' notes no.

The phone pages already show a participant only their own group; the JSON API and its event
stream follow the same rule here, so a token cannot read what the phone would not show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from app.live import events
from app.models import Event, Group, Stage

NOTE_EVENTS = (events.NOTE_CREATED, events.NOTE_UPDATED, events.NOTE_DELETED)
ROOM_EVENTS = frozenset({"presentation.changed", "timer.changed", "stage.voting"})


def _plenary_stage_keys(session: Session, workshop_id: int) -> set[str]:
    statement = select(Stage.key).where(Stage.workshop_id == workshop_id, Stage.scope == "plenary")
    return set(session.exec(statement).all())


def _group_name(session: Session, group_id: int) -> str | None:
    group = session.get(Group, group_id)
    return group.name if group else None


def filter_snapshot(session: Session, snapshot: dict[str, Any], *, group_id: int) -> dict[str, Any]:
    """The API snapshot as a participant of ``group_id`` may see it."""
    plenary = _plenary_stage_keys(session, snapshot["id"])
    own = _group_name(session, group_id)
    notes = [n for n in snapshot["notes"] if n["group"] == own or n["stage"] in plenary]
    filtered = {**snapshot, "notes": notes}
    seen_notes = {n["id"] for n in notes}
    for key in ("clusters", "selections"):
        if key in snapshot:
            filtered[key] = [
                item
                for item in snapshot[key]
                if item.get("group") == own or item.get("stage") in plenary
            ]
    if "votes" in snapshot:
        seen_clusters = {c["id"] for c in filtered.get("clusters", [])}
        filtered["votes"] = [
            vote
            for vote in snapshot["votes"]
            if vote.get("note_id") in seen_notes or vote.get("cluster_id") in seen_clusters
        ]
    return filtered


def event_visible(session: Session, event: Event, *, group_id: int | None) -> bool:
    """Whether a viewer limited to ``group_id`` (None: no limit) may receive this event.

    Any event about one group's table (its notes, clusters, picks, dots, roles) goes to that
    group only, unless the stage is plenary; who presents is news for the whole room.
    """
    if group_id is None or event.type in ROOM_EVENTS:
        return True
    payload = json.loads(event.payload)
    note = payload.get("note") or {}
    group = note.get("group", payload.get("group"))
    if not isinstance(group, str):
        return True
    stage = note.get("stage", payload.get("stage"))
    if stage in _plenary_stage_keys(session, event.workshop_id):
        return True
    return group == _group_name(session, group_id)


def note_filter(session: Session, workshop_id: int, group_id: int) -> Callable[[dict], bool]:
    """Keep a note dict of an event payload (e.g. a reveal's list) if this group may see it."""
    plenary = _plenary_stage_keys(session, workshop_id)
    own = _group_name(session, group_id)
    return lambda note: note.get("group") == own or note.get("stage") in plenary
