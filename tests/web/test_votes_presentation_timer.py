"""Dot voting, the presentation round and the stage timer."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.models import StageControl, utcnow
from tests.factories import join, open_stage, post_note
from tests.sorting_factories import api, running_workshop, sign_in_staff

VOTING_STAGES = [
    {"key": "ideas", "label": "アイデア"},
    {"key": "dots", "label": "投票", "kind": "vote", "draws_from": "ideas"},
]


def _voting_workshop(client):
    ws = running_workshop(client, stages=VOTING_STAGES, format=None, first_stage="ideas")
    author = join(client, ws["code"], "1G")["token"]
    ws["ideas"] = [
        post_note(client, author, ws["id"], "ideas", t)["id"] for t in ("案A", "案B", "案C")
    ]
    open_stage(client, ws["staff"], ws["id"], "dots")
    set_dots = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/dots/voting",
        json={"dots_per_person": 3, "dots_per_item": 2},
    )
    assert set_dots.status_code == 200, set_dots.text
    return ws


def _vote(client, ws, token, note_id, dots):
    return api(
        client,
        token,
        "PUT",
        f"/workshops/{ws['id']}/votes",
        json={"stage": "dots", "note_id": note_id, "dots": dots},
    )


def test_each_participant_has_n_dots_and_at_most_m_on_one_item(client):
    ws = _voting_workshop(client)
    voter = join(client, ws["code"], "1G")["token"]
    a, b, c = ws["ideas"]
    assert _vote(client, ws, voter, a, 2).json() == {"dots": 2, "total": 2, "remaining": 1}
    too_many_on_one = _vote(client, ws, voter, b, 3)
    assert too_many_on_one.status_code == 409
    assert "At most 2 dots" in too_many_on_one.json()["detail"]
    assert _vote(client, ws, voter, b, 1).json()["remaining"] == 0
    out_of_dots = _vote(client, ws, voter, c, 1)
    assert out_of_dots.status_code == 409
    assert "only 0 dots left" in out_of_dots.json()["detail"]
    assert _vote(client, ws, voter, a, 0).json() == {"dots": 0, "total": 0, "remaining": 2}
    staff = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/votes",
        json={"stage": "dots", "note_id": a, "dots": 1},
    )
    assert staff.status_code == 403


def test_board_ranks_items_by_dots_live(client):
    ws = _voting_workshop(client)
    a, b, c = ws["ideas"]
    for _ in range(2):
        voter = join(client, ws["code"], "1G")["token"]
        _vote(client, ws, voter, c, 2)
        _vote(client, ws, voter, b, 1)
    snapshot = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()
    assert {(v["note_id"], v["total"]) for v in snapshot["votes"]} == {(c, 4), (b, 2)}
    sign_in_staff(client)
    page = client.get(f"/w/{ws['id']}/board").text
    assert page.index("案C") < page.index("案B") < page.index("案A")


def test_presentation_spotlights_groups_in_order_and_phones_show_who_presents(client):
    ws = running_workshop(client, groups=["1G", "2G", "3G"])
    phone = join(client, ws["code"], "2G")
    base = f"/workshops/{ws['id']}"
    ordered = api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/presentation",
        json={"group": None, "order": ["3G", "1G", "2G"]},
    )
    assert ordered.json() == {"group": None, "order": ["3G", "1G", "2G"]}
    assert api(client, ws["staff"], "POST", f"{base}/presentation/next").json()["group"] == "3G"
    assert api(client, ws["staff"], "POST", f"{base}/presentation/next").json()["group"] == "1G"
    assert api(client, ws["staff"], "POST", f"{base}/presentation/previous").json()["group"] == "3G"
    client.cookies.set(f"fusen_p{ws['id']}", phone["token"])
    assert "Now presenting: 3G" in client.get(f"/w/{ws['id']}/p").text
    bad = api(client, ws["staff"], "POST", f"{base}/presentation/sideways")
    assert bad.status_code == 422


def test_timer_that_locks_at_zero_closes_posting(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    started = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/shared_issues/timer",
        json={"seconds": 300, "lock_at_zero": True},
    )
    assert started.json()["timer_locks"] is True
    post_note(client, member, ws["id"], "shared_issues", "間に合った")
    with client.app.state.db.write_session() as session:  # let five minutes pass
        control = session.exec(
            select(StageControl).where(
                StageControl.workshop_id == ws["id"], StageControl.timer_locks.is_(True)
            )
        ).one()
        control.timer_ends_at = utcnow() - timedelta(seconds=1)
        session.add(control)
        session.commit()
    late = api(
        client,
        member,
        "POST",
        f"/workshops/{ws['id']}/notes",
        json={"stage": "shared_issues", "text": "遅刻"},
    )
    assert late.status_code == 409
    # Refused by the deadline itself, or by the lock it already put on the stage.
    assert "Time is up" in late.json()["detail"] or "not open" in late.json()["detail"]
    snapshot = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()
    assert {s["key"]: s["status"] for s in snapshot["stages"]}["shared_issues"] == "locked"
    # Reopening is the facilitator's call, and the spent countdown does not close it again.
    reopened = api(
        client, ws["staff"], "PUT", f"/workshops/{ws['id']}/posting", json={"locked": False}
    )
    assert reopened.status_code == 200, reopened.text
    post_note(client, member, ws["id"], "shared_issues", "再開")
