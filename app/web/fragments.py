"""Render events once per audience: JSON for API clients, HTML patches for boards, walls, phones.

One table, ``PATCHES``, says which patch each event type produces; every patch is drawn from
the database at render time, so applying one twice or late never corrupts a screen.

Patches come in two sizes:

- **Card patches** touch what one event touched: a note's card is placed (appended, replaced
  or moved into its list, in board order), or removed, and the group's counters are replaced.
  They are wrapped in ``<template data-region=… data-seq=…>``; ``static/js/app.js`` applies
  them only when the region (a group's column, a phone's notes) shows an older seq, and then
  raises the region's seq. Their size does not grow with the board.
- **Region patches** redraw a whole region (a column, the stage, the spotlight) as an htmx
  out-of-band swap carrying ``data-seq``; the browser drops one older than what it shows.
  They serve rarer events (clusters, stage changes, reveal) and resync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from sqlmodel import Session

from app import i18n
from app.domain import (
    boards,
    layouts,
    records,
    retention,
    reveal,
    visibility,
    wall_focus,
    workshops,
)
from app.live import events
from app.live import sorting_events as kinds
from app.live.hub import Audience, Message, encode
from app.models import Event, Group, Workshop

PATCH = "patch"
RECORD_PATCHES = {
    records.QUESTION_ASKED: "board/_questions.html",
    records.QUESTION_ANSWERED: "board/_questions.html",
    records.QUESTION_UPDATED: "board/_questions.html",
    records.FEEDBACK_GIVEN: "board/_feedback.html",
}
API_PARTICIPANT = "api_participant"
"""API clients holding a participant token: payloads filtered by ``reveal.redact``."""
HTML_KINDS = ("board", "wall", "phone")
"""Audiences that receive HTML patches: the facilitator console, the projector wall, phones."""


@dataclass(frozen=True)
class Ctx:
    """What every patch function is given: one event, one audience, the state at render time."""

    renderer: FragmentRenderer
    event: Event
    payload: dict[str, Any]
    audience: Audience
    state: boards.Board

    @property
    def seq(self) -> int:
        return self.event.seq

    def render(self, name: str, **context: Any) -> str:
        return self.renderer.render(name, state=self.state, seq=self.seq, **context)


class FragmentRenderer:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def __call__(
        self, session: Session, batch: Sequence[Event], audiences: Collection[Audience]
    ) -> dict[Audience, list[Message]]:
        out: dict[Audience, list[Message]] = {audience: [] for audience in audiences}
        html_audiences = [a for a in audiences if a.kind in HTML_KINDS]
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
                out[audience] = participant_messages(session, mine, keep)
        if not html_audiences or not batch:
            return out
        payloads = [json.loads(event.payload) for event in batch]
        states = _States(session, batch, payloads)
        for event, payload in zip(batch, payloads, strict=True):
            state = states.of(event, payload)
            for audience in html_audiences:
                with i18n.use_locale(audience.locale):
                    html = self.patch(event, payload, audience, state)
                if html:
                    out[audience].append((event.seq, encode(seq=event.seq, event=PATCH, data=html)))
        return out

    def patch(
        self, event: Event, payload: dict[str, Any], audience: Audience, state: boards.Board
    ) -> str | None:
        """The patch ``audience`` gets for ``event``, or None when it shows nothing of it."""
        draw = PATCHES.get(event.type)
        if draw is None:
            return None
        return draw(Ctx(self, event, payload, audience, state))

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)


class _States:
    """The board as patches of one batch draw it, read once per batch at render time.

    A note or cluster event redraws one group's cards or column, so when a batch touches a few
    groups only, each of them is read alone (its notes, clusters and members): the CPU spent on
    one new note then follows the size of its group, not of the board. Anything else (a stage
    change, a reveal, the head count, a replay spanning many groups) reads the whole board once.
    """

    MAX_GROUPS = 3
    """More groups than this in one batch: one read of the whole board is cheaper."""

    def __init__(
        self, session: Session, batch: Sequence[Event], payloads: Sequence[dict[str, Any]]
    ) -> None:
        self.session = session
        workshop = session.get(Workshop, batch[0].workshop_id)
        assert workshop is not None  # noqa: S101  (events outlive no workshop)
        self.workshop = workshop
        self.by_group: dict[int, boards.Board] = {}
        self.whole: boards.Board | None = None
        names = {g.name: g.id for g in workshops.groups_of(session, workshop.id)}
        self.scope: dict[int, int] = {}
        for event, payload in zip(batch, payloads, strict=True):
            group_id = (
                names.get(_group_name(payload))
                if PATCHES.get(event.type)
                in (
                    note_patch,
                    column_patch,
                )
                else None
            )
            if group_id is None:
                self.scope.clear()
                break
            self.scope[event.seq] = group_id
        if len(set(self.scope.values())) > self.MAX_GROUPS:
            self.scope.clear()

    def of(self, event: Event, payload: dict[str, Any]) -> boards.Board:
        group_id = self.scope.get(event.seq)
        if group_id is None:
            if self.whole is None:
                self.whole = boards.board(self.session, self.workshop)
            return self.whole
        state = self.by_group.get(group_id)
        if state is None:
            state = self.by_group[group_id] = boards.board(
                self.session, self.workshop, group_id=group_id
            )
        return state


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


# ---- Region patches ----------------------------------------------------------------------


def stage_patch(ctx: Ctx) -> str:
    """The whole live region: a new stage, a reveal, new dot rules."""
    kind = ctx.audience.kind
    if kind == "board":
        return ctx.render("board/_live.html", oob=True, focus_id=ctx.audience.group_id)
    if kind == "wall":
        return ctx.render("wall/_live.html", oob=True)
    return ctx.render("participant/_stage_patch.html", column=ctx.state.column(_phone_group(ctx)))


def column_patch(ctx: Ctx) -> str | None:
    """Redraw the group's column (and the spotlight when that group presents)."""
    group = _shown_group(ctx)
    if group is None:
        return None
    column = ctx.state.column(group.id)
    kind = ctx.audience.kind
    if kind == "phone":
        return ctx.render("participant/_notes.html", column=column, oob=True)
    if kind == "wall":
        return ctx.render("wall/_group.html", column=column, oob=True)
    parts = [ctx.render("board/_column.html", column=column, oob=True)]
    presenting = _presenting(ctx.state)
    if presenting is not None and presenting.id == group.id:
        parts.append(ctx.render("sorting/_spotlight.html", oob=True))
    return "\n".join(parts)


def wall_patch(ctx: Ctx) -> str | None:
    """The console chose what the wall shows: only the wall redraws."""
    return ctx.render("wall/_live.html", oob=True) if ctx.audience.kind == "wall" else None


def records_patch(ctx: Ctx) -> str | None:
    """A Q&A stage redraws its question list on the console and the wall; a feedback stage its
    count. Phones show their own confirmation instead."""
    if ctx.audience.kind not in ("board", "wall") or ctx.state.current is None:
        return None
    feedback = ctx.event.type == records.FEEDBACK_GIVEN
    if ctx.state.current.kind != ("feedback" if feedback else "qa"):
        return None
    return ctx.render(RECORD_PATCHES[ctx.event.type], oob=True)


def timer_patch(ctx: Ctx) -> str:
    return ctx.render("sorting/_timer.html", oob=True)


def presentation_patch(ctx: Ctx) -> str:
    kind = ctx.audience.kind
    if kind == "board":
        return ctx.render("sorting/_spotlight.html", oob=True)
    if kind == "wall":
        return ctx.render("wall/_live.html", oob=True)
    return ctx.render("sorting/_presenting.html", oob=True)


def joined_patch(ctx: Ctx) -> str | None:
    """A new participant: the head count, and the group's member list for choosing recorders."""
    if ctx.audience.kind != "board":
        return None
    parts = [ctx.render("board/_count.html", oob=True)]
    group = _shown_group(ctx)
    layout = ctx.state.sorting.get(group.id) if group is not None else None
    if layout is not None:
        parts.append(ctx.render("sorting/_roles.html", layout=layout, oob=True))
    return "\n".join(parts)


# ---- Card patches ------------------------------------------------------------------------


def note_patch(ctx: Ctx) -> str | None:
    """A note posted, edited, deleted or moved: place or remove its card, update the counts.

    Where a card alone cannot say it (a hidden stage shows counts only, a vote stage ranks),
    the column is redrawn instead.
    """
    group = _shown_group(ctx)
    if group is None:
        return None
    layout = ctx.state.sorting.get(group.id)
    if layout is None or layout.hidden or layout.mode == "vote":
        return column_patch(ctx)
    viewer = ctx.audience.kind
    template = "wall/_card.html" if viewer == "wall" else "sorting/_card.html"
    cards, drawn = [], set()
    for note_id in _note_ids(ctx.payload):
        found = layouts.locate(layout, note_id)
        if found is None:
            cards.append(_removal(ctx, note_id))
            continue
        item, place_in, added = found
        if item.note.id in drawn:
            continue
        drawn.add(item.note.id)
        if item.note.id != note_id:
            # Folded under another note now: its own card goes, the original's shows it.
            cards.append(_removal(ctx, note_id))
        cards.append(
            ctx.render(
                template,
                item=item,
                layout=layout,
                viewer=viewer,
                added=added,
                place_in=f"{viewer}-{place_in}",
            )
        )
    region = {"phone": "phone-notes", "wall": f"wall-col-{group.id}"}.get(viewer, f"col-{group.id}")
    return ctx.render(
        "sorting/_card_patch.html",
        region=region,
        layout=layout,
        viewer=viewer,
        # Each card was rendered (and escaped) by its own template above.
        cards=[Markup(card) for card in cards],  # noqa: S704
    )


def _removal(ctx: Ctx, note_id: str) -> str:
    return ctx.renderer.render("sorting/_card_remove.html", viewer=ctx.audience.kind, id=note_id)


def _note_ids(payload: dict[str, Any]) -> list[str]:
    if "notes" in payload:
        return [placement["id"] for placement in payload["notes"]]
    note = payload.get("note") or {}
    return [str(note.get("id") or payload.get("id") or payload.get("note_id"))]


# ---- Which event draws which patch: once, here -------------------------------------------

PATCHES: dict[str, Callable[[Ctx], str | None]] = {
    events.NOTE_CREATED: note_patch,
    events.NOTE_UPDATED: note_patch,
    events.NOTE_DELETED: note_patch,
    kinds.NOTE_MOVED: note_patch,
    events.STAGE_CHANGED: stage_patch,
    retention.WORKSHOP_CLOSED: stage_patch,
    events.PARTICIPANT_JOINED: joined_patch,
    kinds.CLUSTER_CREATED: column_patch,
    kinds.CLUSTER_UPDATED: column_patch,
    kinds.CLUSTER_DISSOLVED: column_patch,
    kinds.CLUSTER_MERGED: column_patch,
    kinds.NOTE_DUPLICATE: column_patch,
    kinds.SELECTION_CHANGED: column_patch,
    kinds.VOTE_CHANGED: column_patch,
    kinds.NOTE_MODERATED: column_patch,
    kinds.PARTICIPANT_ROLE: column_patch,
    kinds.STAGE_VOTING: stage_patch,
    kinds.STAGE_REVEALED: stage_patch,
    kinds.TIMER_CHANGED: timer_patch,
    kinds.PRESENTATION_CHANGED: presentation_patch,
    wall_focus.WALL_FOCUSED: wall_patch,
    **dict.fromkeys(RECORD_PATCHES, records_patch),
}


def _shown_group(ctx: Ctx) -> Group | None:
    """The event's group, when this audience shows it in the current stage."""
    state = ctx.state
    current = state.current
    if current is None:
        return None
    note = ctx.payload.get("note") or {}
    stage_key = note.get("stage", ctx.payload.get("stage"))
    group_name = _group_name(ctx.payload)
    if stage_key is not None and stage_key not in (current.key, current.draws_from):
        return None
    group = next((g for g in state.groups if g.name == group_name), None)
    if group is None:
        return None
    if ctx.audience.group_id is not None and ctx.audience.group_id != group.id:
        return None
    alone = _wall_alone(state) if ctx.audience.kind == "wall" else None
    if alone is not None and alone.id != group.id:
        return None  # the wall shows another group alone
    return group


def _group_name(payload: dict[str, Any]) -> Any:
    """The group an event names, on its note or on itself."""
    note = payload.get("note") or {}
    return note.get("group", payload.get("group"))


def _phone_group(ctx: Ctx) -> int:
    return ctx.audience.group_id or 0


def _presenting(state: boards.Board) -> Group | None:
    return state.live.presentation.group if state.live else None


def _wall_alone(state: boards.Board) -> Group | None:
    """The group the wall shows alone: who presents, else the console's focus."""
    return _presenting(state) or state.wall_focus
