"""A participant's token reads only what their phone shows: their own group's notes."""

from __future__ import annotations

from app.live import events
from app.live.hub import Audience
from tests.factories import bearer, join, make_workshop, open_stage, post_note, staff_token


def test_participant_snapshot_and_event_stream_hold_only_their_groups_notes(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    one = join(client, workshop["join_code"], "1G")
    two = join(client, workshop["join_code"], "2G")
    post_note(client, one["token"], workshop["id"], "strengths", "table one")
    post_note(client, two["token"], workshop["id"], "strengths", "table two")

    seen = client.get(f"/api/v1/workshops/{workshop['id']}", headers=bearer(one["token"])).json()
    assert [n["text"] for n in seen["notes"]] == ["table one"]
    staff = client.get(f"/api/v1/workshops/{workshop['id']}", headers=bearer(token)).json()
    assert sorted(n["text"] for n in staff["notes"]) == ["table one", "table two"]

    with client.app.state.db.read_session() as session:
        batch = events.read_after(session, workshop_id=workshop["id"], after=0, limit=100)
        group_one = seen["groups"][0]["id"]
        limited = Audience("api", group_id=group_one)
        everyone = Audience("api")
        rendered = client.app.state.hub.render(session, batch, [limited, everyone])
    limited_bytes = b"".join(data for _seq, data in rendered[limited])
    everyone_bytes = b"".join(data for _seq, data in rendered[everyone])
    assert b"table one" in limited_bytes and b"table two" not in limited_bytes
    assert b"table two" in everyone_bytes
