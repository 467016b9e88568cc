"""Patches for the events of live sorting, rendered once per audience like every other patch.

Column events redraw the group's column (board) or notes region (phones of that group); stage
settings redraw the stage; the timer and the spotlight have regions of their own. Nothing here
depends on who exactly is watching: a hidden stage renders counts and, on phones, a trigger
that lets each phone fetch its own notes with its own cookie.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.domain import boards, reveal
from app.live import sorting_events as kinds
from app.live.hub import Audience, Message, encode
from app.models import Event

if TYPE_CHECKING:
    from app.web.fragments import FragmentRenderer


def participant_messages(
    session: Session,
    batch: Sequence[Event],
    keep_note: Callable[[dict[str, Any]], bool] | None = None,
) -> list[Message]:
    """API events as a participant may receive them: the same bytes for every participant.

    ``keep_note`` drops notes another group's participants may not see from lists in a payload
    (a reveal carries the whole stage).
    """
    secrets = reveal.secrets_of(session, batch[0].workshop_id)
    messages: list[Message] = []
    for event in batch:
        payload = reveal.redact(event.type, json.loads(event.payload), secrets)
        if payload is None:
            continue
        if keep_note is not None and event.type == kinds.STAGE_REVEALED:
            payload = {**payload, "notes": [n for n in payload.get("notes", []) if keep_note(n)]}
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        messages.append((event.seq, encode(seq=event.seq, event=event.type, data=data)))
    return messages


def patch(
    renderer: FragmentRenderer,
    event: Event,
    payload: dict[str, Any],
    audience: Audience,
    state: boards.Board,
) -> str | None:
    if event.type in kinds.COLUMN_EVENTS:
        return column_patch(renderer, event, payload, audience, state)
    if event.type in kinds.STAGE_EVENTS:
        if audience.kind == "board":
            return renderer.render(
                "board/_live.html", state=state, seq=event.seq, oob=True, focus_id=audience.group_id
            )
        return renderer.render(
            "participant/_stage_patch.html",
            state=state,
            seq=event.seq,
            column=state.column(audience.group_id or 0),
        )
    if event.type == kinds.TIMER_CHANGED:
        return renderer.render("sorting/_timer.html", state=state, seq=event.seq, oob=True)
    if event.type == kinds.PRESENTATION_CHANGED:
        if audience.kind == "board":
            return renderer.render("sorting/_spotlight.html", state=state, seq=event.seq, oob=True)
        return renderer.render("sorting/_presenting.html", state=state, seq=event.seq, oob=True)
    return None


def column_patch(
    renderer: FragmentRenderer,
    event: Event,
    payload: dict[str, Any],
    audience: Audience,
    state: boards.Board,
) -> str | None:
    current = state.current
    if current is None:
        return None
    stage_key = payload.get("stage")
    if stage_key is not None and stage_key not in (current.key, current.draws_from):
        return None
    group = next((g for g in state.groups if g.name == payload.get("group")), None)
    if group is None:
        return None
    if audience.group_id is not None and audience.group_id != group.id:
        return None
    column = state.column(group.id)
    parts = []
    if audience.kind == "board":
        parts.append(
            renderer.render(
                "board/_column.html", state=state, column=column, seq=event.seq, oob=True
            )
        )
        presenting = state.live.presentation.group if state.live else None
        if presenting is not None and presenting.id == group.id:
            parts.append(
                renderer.render("sorting/_spotlight.html", state=state, seq=event.seq, oob=True)
            )
    else:
        parts.append(
            renderer.render(
                "participant/_notes.html", state=state, column=column, seq=event.seq, oob=True
            )
        )
    return "\n".join(parts)
