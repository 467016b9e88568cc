"""Render events once per audience: JSON for API clients, HTML patches for boards and phones.

HTML patches are out-of-band swaps of whole regions (a group's column, the stage header) drawn
from the database at render time, so applying one twice or late never corrupts a screen; each
region carries ``data-seq`` and the browser ignores a patch older than what it shows.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from jinja2 import Environment
from sqlmodel import Session

from app import i18n
from app.domain import boards, records, retention, visibility
from app.live import events, sorting_events
from app.live.hub import Audience, Message, encode
from app.models import Event, Workshop
from app.web import sorting_fragments

PATCH = "patch"
API_PARTICIPANT = "api_participant"
"""API clients holding a participant token: payloads filtered by ``reveal.redact``."""


class FragmentRenderer:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def __call__(
        self, session: Session, batch: Sequence[Event], audiences: Collection[Audience]
    ) -> dict[Audience, list[Message]]:
        out: dict[Audience, list[Message]] = {audience: [] for audience in audiences}
        html_audiences = [a for a in audiences if a.kind in ("board", "phone")]
        for audience in audiences:
            if audience.kind not in ("api", API_PARTICIPANT) or not batch:
                continue
            # Once per audience: a group's view is read once for the whole batch.
            mine, keep = list(batch), None
            if audience.group_id is not None:
                view = visibility.group_view(session, batch[0].workshop_id, audience.group_id)
                mine = [
                    e
                    for e in batch
                    if e.type not in records.STAFF_ONLY_EVENTS and view.sees_event(e)
                ]
                keep = view.sees
            if audience.kind == "api":
                out[audience] = [
                    (e.seq, encode(seq=e.seq, event=e.type, data=e.payload)) for e in mine
                ]
            elif mine:
                # Participants: also redacted for hidden stages and moderated notes.
                out[audience] = sorting_fragments.participant_messages(session, mine, keep)
        if not html_audiences or not batch:
            return out
        workshop = session.get(Workshop, batch[0].workshop_id)
        state = boards.board(session, workshop)
        for event in batch:
            payload = json.loads(event.payload)
            for audience in html_audiences:
                with i18n.use_locale(audience.locale):
                    html = self.patch(event, payload, audience, state)
                if html:
                    out[audience].append((event.seq, encode(seq=event.seq, event=PATCH, data=html)))
        return out

    def patch(
        self, event: Event, payload: dict[str, Any], audience: Audience, state: boards.Board
    ) -> str | None:
        if event.type in sorting_events.ALL:
            return sorting_fragments.patch(self, event, payload, audience, state)
        if event.type in (events.NOTE_CREATED, events.NOTE_UPDATED, events.NOTE_DELETED):
            return self._note_patch(event, payload, audience, state)
        if event.type in (events.STAGE_CHANGED, retention.WORKSHOP_CLOSED):
            if audience.kind == "board":
                return self.render(
                    "board/_live.html",
                    state=state,
                    seq=event.seq,
                    oob=True,
                    focus_id=audience.group_id,
                )
            return self.render(
                "participant/_stage_patch.html",
                state=state,
                seq=event.seq,
                column=state.column(audience.group_id or 0),
            )
        if event.type == events.PARTICIPANT_JOINED and audience.kind == "board":
            count = self.render("board/_count.html", state=state, oob=True)
            # The column lists its members, for choosing the recorder.
            column = sorting_fragments.column_patch(self, event, payload, audience, state)
            return count + ("\n" + column if column else "")
        return None

    def _note_patch(
        self, event: Event, payload: dict[str, Any], audience: Audience, state: boards.Board
    ) -> str | None:
        note = payload.get("note") or {}
        stage_key = note.get("stage", payload.get("stage"))
        group_name = note.get("group", payload.get("group"))
        if state.current is None or stage_key != state.current.key:
            return None
        group = next((g for g in state.groups if g.name == group_name), None)
        if group is None:
            return None
        if audience.group_id is not None and audience.group_id != group.id:
            return None
        column = state.column(group.id)
        template = "board/_column.html" if audience.kind == "board" else "participant/_notes.html"
        return self.render(template, state=state, column=column, seq=event.seq, oob=True)

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)
