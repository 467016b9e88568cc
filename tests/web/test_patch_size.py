"""A new note costs a stream the same few bytes whether the board holds 20 notes or 1,000.

Boards of each size are imported in one request, one note is posted, and the bytes a board,
a wall and a phone stream receive for it are read from the hub's own replay (what a subscriber
resuming just before the note gets).
"""

from __future__ import annotations

import json
import uuid

from app.live.hub import Audience
from tests.board_archives import board_archive
from tests.factories import bearer, staff_token

LIMIT = 4096  # bytes per note.created on a board of 1,000 notes


def _bytes_for_one_note(client, notes: int) -> dict[str, int]:
    token = staff_token(client)
    archive = board_archive(groups=10, per_group=notes // 10, clusters_per_group=3)
    imported = client.post(
        "/api/v1/workshops/import", content=json.dumps(archive).encode(), headers=bearer(token)
    )
    assert imported.status_code == 201, imported.text
    workshop_id = imported.json()["id"]
    snapshot = client.get(f"/api/v1/workshops/{workshop_id}", headers=bearer(token)).json()
    assert len(snapshot["notes"]) == notes
    group_id = next(g["id"] for g in snapshot["groups"] if g["name"] == "1G")
    before = snapshot["last_seq"]
    posted = client.post(
        f"/api/v1/workshops/{workshop_id}/notes",
        json={
            "stage": "shared_issues",
            "group": "1G",
            "text": "新しい付箋",
            "id": str(uuid.uuid4()),
        },
        headers=bearer(token),
    )
    assert posted.status_code == 201, posted.text
    hub = client.app.state.hub
    sizes = {}
    for kind, group in (("board", None), ("wall", None), ("phone", group_id)):
        messages = [m for _seq, m in hub._replay(workshop_id, Audience(kind, "ja", group), before)]
        received = [m for m in messages if m]
        assert len(received) == 1, (kind, received)
        assert posted.json()["id"].encode() in received[0]
        sizes[kind] = len(received[0])
    return sizes


def test_bytes_a_stream_receives_for_one_note_do_not_grow_with_the_board(client):
    small = _bytes_for_one_note(client, 20)
    large = _bytes_for_one_note(client, 400)
    largest = _bytes_for_one_note(client, 1000)
    print("bytes per note.created at 20 / 400 / 1,000 notes:", small, large, largest)
    for kind in small:
        assert large[kind] <= small[kind] * 1.5, (kind, small, large)
        assert largest[kind] <= LIMIT, (kind, largest)
