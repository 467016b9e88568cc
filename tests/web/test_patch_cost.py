"""Drawing one new note for the live streams costs the same whatever else the board holds.

A board of 20 notes and one of 362 (the other groups grown to 40 notes each) get the same new
note in a group of two notes. The hub's renderer draws it for a console, a wall and a phone;
the SQL statements it runs and the rows it loads must not grow with the rest of the board, and
the bytes must be those the whole board draws.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from app import i18n
from app.domain import boards
from app.live import events
from app.live.hub import Audience, encode
from app.models import Cluster, Note, Participant, Workshop
from app.web.fragments import PATCH
from tests.board_archives import board_archive
from tests.factories import bearer, staff_token


def _archive(per_group: dict[str, int]) -> dict[str, Any]:
    """Ten groups of up to 40 notes of ②, each group trimmed to its own size."""
    archive = board_archive(groups=10, per_group=40, clusters_per_group=3)
    archive["notes"] = [
        note
        for note in archive["notes"]
        if int(note["ref"].split("-")[1]) < per_group.get(note["group"], 40)
    ]
    return archive


@contextmanager
def _counted(session) -> Iterator[dict[str, int]]:
    """SQL statements ``session`` runs, and note, cluster and participant rows it loads, while
    open (the app's background tasks share the engine, so only this session is counted)."""
    seen = {"statements": 0, "rows": 0}
    connection = session.connection()

    def on_execute(*_args: Any) -> None:
        seen["statements"] += 1

    def on_load(_target: Any, context: Any) -> None:
        if context.session is session:
            seen["rows"] += 1

    event.listen(connection, "before_cursor_execute", on_execute)
    for model in (Note, Cluster, Participant):
        event.listen(model, "load", on_load)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", on_execute)
        for model in (Note, Cluster, Participant):
            event.remove(model, "load", on_load)


def _render_one_note(client, per_group: dict[str, int]) -> dict[str, int]:
    token = staff_token(client)
    archive = _archive(per_group)
    imported = client.post(
        "/api/v1/workshops/import", content=json.dumps(archive).encode(), headers=bearer(token)
    )
    assert imported.status_code == 201, imported.text
    workshop_id = imported.json()["id"]
    snapshot = client.get(f"/api/v1/workshops/{workshop_id}", headers=bearer(token)).json()
    assert len(snapshot["notes"]) == len(archive["notes"])
    group_id = next(g["id"] for g in snapshot["groups"] if g["name"] == "1G")
    note_id = str(uuid.uuid4())
    posted = client.post(
        f"/api/v1/workshops/{workshop_id}/notes",
        json={"stage": "shared_issues", "group": "1G", "text": "新しい付箋", "id": note_id},
        headers=bearer(token),
    )
    assert posted.status_code == 201, posted.text

    hub = client.app.state.hub
    db = client.app.state.db
    audiences = [Audience("board"), Audience("wall"), Audience("phone", "ja", group_id)]
    with db.read_session() as session:
        batch = events.read_after(
            session, workshop_id=workshop_id, after=snapshot["last_seq"], limit=10
        )
        assert [e.type for e in batch] == [events.NOTE_CREATED]
        with _counted(session) as cost:
            rendered = hub.render(session, batch, audiences)

    # The same bytes as drawn from the whole board.
    with db.read_session() as session:
        whole = boards.board(session, session.get(Workshop, workshop_id))
        payload = json.loads(batch[0].payload)
        for audience in audiences:
            with i18n.use_locale(audience.locale):
                html = hub.render.patch(batch[0], payload, audience, whole)
            assert html and note_id in html, audience
            expected = encode(seq=batch[0].seq, event=PATCH, data=html)
            assert rendered[audience] == [(batch[0].seq, expected)], audience
    return cost


def test_rendering_one_note_does_not_grow_with_the_board(client):
    small = _render_one_note(client, dict.fromkeys((f"{g}G" for g in range(1, 11)), 2))
    large = _render_one_note(client, {"1G": 2})
    print("statements and rows to draw one note.created at 20 / 362 notes:", small, large)
    assert large["statements"] == small["statements"], (small, large)
    assert large["rows"] == small["rows"], (small, large)
    # The group's own rows only: its 3 notes, 3 clusters and the note's (staff) author none.
    assert large["rows"] <= 10, large
