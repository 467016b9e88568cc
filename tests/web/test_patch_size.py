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


def test_an_edit_a_move_and_a_delete_each_touch_one_card(client):
    token = staff_token(client)
    archive = board_archive(groups=10, per_group=40, clusters_per_group=3)
    imported = client.post(
        "/api/v1/workshops/import", content=json.dumps(archive).encode(), headers=bearer(token)
    )
    workshop_id = imported.json()["id"]
    snapshot = client.get(f"/api/v1/workshops/{workshop_id}", headers=bearer(token)).json()
    loose = next(n for n in snapshot["notes"] if n["group"] == "1G" and not n["cluster_id"])
    cluster = next(c for c in snapshot["clusters"] if c["group"] == "1G")
    base = f"/api/v1/workshops/{workshop_id}"
    steps = [
        ("PATCH", f"{base}/notes/{loose['id']}", {"text": "書き直した付箋"}, "place"),
        ("PUT", f"{base}/notes/{loose['id']}/place", {"cluster_id": cluster["id"]}, "place"),
        ("DELETE", f"{base}/notes/{loose['id']}", None, "remove"),
    ]
    hub = client.app.state.hub
    patches = []
    for method, path, body, op in steps:
        before = client.get(base, headers=bearer(token)).json()["last_seq"]
        response = client.request(method, path, json=body, headers=bearer(token))
        assert response.status_code < 300, response.text
        messages = [m for _s, m in hub._replay(workshop_id, Audience("board", "ja"), before) if m]
        assert len(messages) == 1
        html = messages[0].decode()
        assert len(messages[0]) <= LIMIT, (method, len(messages[0]))
        assert f'id="card-{loose["id"]}"' in html and f'data-op="{op}"' in html, html
        assert 'class="column"' not in html  # not the whole column
        patches.append(html)
    # The edit leaves the card among the loose notes; the move puts it into the cluster's list.
    assert 'data-list="board-loose-' in patches[0]
    assert f'data-list="board-cn-{cluster["id"]}"' in patches[1]
