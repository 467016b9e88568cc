"""What a participant may see of other groups: plenary stages yes, other tables' notes no.

The phone pages already show a participant only their own group; the JSON API and its event
stream follow the same rule here, so a token cannot read what the phone would not show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.live import event_types
from app.models import Event, Group, Stage

NOTE_EVENTS = (event_types.NOTE_CREATED, event_types.NOTE_UPDATED, event_types.NOTE_DELETED)
ROOM_EVENTS = frozenset(
    {event_types.PRESENTATION_CHANGED, event_types.TIMER_CHANGED, event_types.STAGE_VOTING}
)


@dataclass(frozen=True)
class GroupView:
    """What one group's participants may see: built once per group and batch, then asked per
    event or item, so filtering a stream costs two queries however many events it carries."""

    own: str | None
    plenary: frozenset[str]

    def sees(self, item: dict[str, Any]) -> bool:
        """An item of a payload or snapshot (note, cluster, pick) naming its group and stage."""
        return item.get("group") == self.own or item.get("stage") in self.plenary

    def sees_event(self, event: Event) -> bool:
        """Any event about one group's table (its notes, clusters, picks, dots, roles) goes to
        that group only, unless the stage is plenary; who presents is news for the whole room."""
        if event.type in ROOM_EVENTS:
            return True
        payload = json.loads(event.payload)
        note = payload.get("note") or {}
        group = note.get("group", payload.get("group"))
        if not isinstance(group, str):
            return True
        return self.sees({"group": group, "stage": note.get("stage", payload.get("stage"))})


def group_view(session: Session, workshop_id: int, group_id: int) -> GroupView:
    statement = select(Stage.key).where(Stage.workshop_id == workshop_id, Stage.scope == "plenary")
    group = session.get(Group, group_id)
    return GroupView(
        own=group.name if group else None, plenary=frozenset(session.exec(statement).all())
    )


def filter_snapshot(session: Session, snapshot: dict[str, Any], *, group_id: int) -> dict[str, Any]:
    """The API snapshot as a participant of ``group_id`` may see it."""
    view = group_view(session, snapshot["id"], group_id)
    notes = [n for n in snapshot["notes"] if view.sees(n)]
    filtered = {**snapshot, "notes": notes}
    seen_notes = {n["id"] for n in notes}
    for key in ("clusters", "selections"):
        if key in snapshot:
            filtered[key] = [item for item in snapshot[key] if view.sees(item)]
    if "votes" in snapshot:
        seen_clusters = {c["id"] for c in filtered.get("clusters", [])}
        filtered["votes"] = [
            vote
            for vote in snapshot["votes"]
            if vote.get("note_id") in seen_notes or vote.get("cluster_id") in seen_clusters
        ]
    return filtered
