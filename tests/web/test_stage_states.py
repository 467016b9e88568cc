"""Posting and sorting are separate states; a countdown's lock changes the stage itself."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.domain import stage_states
from app.live import deadline_keeper
from app.main import create_app
from app.models import Stage, StageControl, utcnow
from tests.factories import join, open_stage, post_note
from tests.html_tree import parse
from tests.sorting_factories import api, running_workshop, sign_in_staff, subscriber_payloads


def _stages(client, ws):
    snapshot = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()
    return {s["key"]: s["status"] for s in snapshot["stages"]}


def _cluster(client, ws, stage, notes):
    return api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={"stage": stage, "group": "1G", "notes": notes},
    )


def _sorting(client, ws, stage, done):
    return api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/{stage}/sorting",
        json={"done": done},
    )


def test_locking_posting_keeps_clusters_and_moves_open(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    a, b = (post_note(client, member, ws["id"], "shared_issues", t)["id"] for t in "AB")
    api(client, ws["staff"], "PUT", f"/workshops/{ws['id']}/posting", json={"locked": True})

    made = _cluster(client, ws, "shared_issues", [a])
    assert made.status_code == 201, made.text
    moved = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/notes/{b}/place",
        json={"cluster_id": made.json()["id"]},
    )
    assert moved.status_code == 200, moved.text
    late = api(
        client,
        member,
        "POST",
        f"/workshops/{ws['id']}/notes",
        json={"stage": "shared_issues", "text": "C"},
    )
    assert late.status_code == 409  # posting itself stays closed


def test_sorting_done_freezes_and_resume_reopens(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    a = post_note(client, member, ws["id"], "shared_issues", "A")["id"]
    assert _sorting(client, ws, "shared_issues", True).json()["sorting"] == "done"
    refused = _cluster(client, ws, "shared_issues", [a])
    assert refused.status_code == 409
    assert "done" in refused.json()["detail"]
    # Posting is a separate state: still open.
    post_note(client, member, ws["id"], "shared_issues", "B")
    assert _sorting(client, ws, "shared_issues", False).json()["sorting"] == "open"
    assert _cluster(client, ws, "shared_issues", [a]).status_code == 201
    changes = [p for e, p in subscriber_payloads(client, ws["id"]) if e == "stage.changed"]
    sorting = [{s["key"]: s["sorting"] for s in p["stages"]}["shared_issues"] for p in changes]
    assert sorting[-2:] == ["done", "open"]


def test_a_stage_never_opened_cannot_be_sorted(client):
    ws = running_workshop(client, first_stage="strengths")
    assert _cluster(client, ws, "shared_issues", []).status_code == 409
    assert _sorting(client, ws, "shared_issues", True).status_code == 422


def test_second_stage_stays_sortable_while_the_third_is_open(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    a, b = (post_note(client, member, ws["id"], "shared_issues", t)["id"] for t in "AB")
    open_stage(client, ws["staff"], ws["id"], "hard_problems")
    assert _stages(client, ws)["shared_issues"] == "locked"

    made = _cluster(client, ws, "shared_issues", [a, b])
    assert made.status_code == 201, made.text
    picked = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/selections",
        json={"stage": "hard_problems", "cluster_id": made.json()["id"], "selected": True},
    )
    assert picked.status_code == 200, picked.text
    _sorting(client, ws, "shared_issues", True)
    assert _cluster(client, ws, "shared_issues", [a]).status_code == 409


def test_board_offers_sorting_done_and_says_sorting_is_open_after_lock(client):
    ws = running_workshop(client)
    api(client, ws["staff"], "PUT", f"/workshops/{ws['id']}/posting", json={"locked": True})
    sign_in_staff(client)
    page = parse(client.get(f"/w/{ws['id']}/board").text)
    assert page.by_testid("sorting-status").text() == "Sorting is open"
    toggle = page.by_testid("sorting-toggle")
    assert toggle.text() == "Sorting done"
    field = toggle.ancestor("form").find(lambda e: e.attrs.get("name") == "done")
    assert field.attrs["value"] == "true"


def _run_out(client, ws, stage_key="shared_issues"):
    """Move the stage's locking deadline into the past, as if the time had passed."""
    with client.app.state.db.write_session() as session:
        stage = session.exec(
            select(Stage).where(Stage.workshop_id == ws["id"], Stage.key == stage_key)
        ).one()
        control = session.get(StageControl, stage.id)
        control.timer_ends_at = utcnow() - timedelta(seconds=1)
        session.add(control)
        session.commit()


def _start_locking_timer(client, ws):
    started = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/shared_issues/timer",
        json={"seconds": 600, "lock_at_zero": True},
    )
    assert started.status_code == 200, started.text


def test_deadline_locks_the_stage_once_and_tells_everyone(client):
    ws = running_workshop(client)
    _start_locking_timer(client, ws)
    db = client.app.state.db
    with db.write_session() as session:
        # Not yet due: nothing changes.
        assert stage_states.close_due_posting(session=session, workshop_id=ws["id"]) == []
        later = utcnow() + timedelta(seconds=601)
        closed = stage_states.close_due_posting(session=session, workshop_id=ws["id"], now=later)
        session.commit()
    assert closed == ["shared_issues"]
    assert _stages(client, ws)["shared_issues"] == "locked"
    last = [p for e, p in subscriber_payloads(client, ws["id"]) if e == "stage.changed"][-1]
    assert last["reason"] == "timer"
    assert {s["key"]: s["status"] for s in last["stages"]}["shared_issues"] == "locked"
    # The lock is spent: reopening posting stays open even though the time is up.
    api(client, ws["staff"], "PUT", f"/workshops/{ws['id']}/posting", json={"locked": False})
    with db.write_session() as session:
        again = stage_states.close_due_posting(session=session, workshop_id=ws["id"], now=later)
        session.commit()
    assert again == []
    assert _stages(client, ws)["shared_issues"] == "open"


@pytest.fixture
def quiet_client(settings):
    """An app whose background keeper is off: only the pages can apply a deadline."""
    app = create_app(settings.model_copy(update={"deadline_keeper": False}))
    with TestClient(app, headers={"Accept-Language": "en"}) as test_client:
        yield test_client


def test_reading_the_workshop_after_the_deadline_applies_the_lock(quiet_client):
    client = quiet_client
    ws = running_workshop(client)
    _start_locking_timer(client, ws)
    _run_out(client, ws)
    # The API snapshot, the board and the phone all read the same, locked state.
    assert _stages(client, ws)["shared_issues"] == "locked"
    member = join(client, ws["code"], "1G")
    client.cookies.set(f"fusen_p{ws['id']}", member["token"])
    phone = parse(client.get(f"/w/{ws['id']}/p").text)
    assert "status-locked" in phone.by_id("phone-stage").by_class("stage-status")[0].classes
    sign_in_staff(client)
    board = parse(client.get(f"/w/{ws['id']}/board").text)
    heading = board.by_class("stage-heading")[0]
    assert "status-locked" in heading.by_class("stage-status")[0].classes
    assert board.by_class("lock-form")[0].find(lambda e: e.tag == "button").text() == (
        "Reopen posting"
    )


def test_keeper_applies_every_due_deadline(quiet_client):
    client = quiet_client
    ws = running_workshop(client)
    _start_locking_timer(client, ws)
    _run_out(client, ws)
    with client.app.state.db.read_session() as session:
        assert stage_states.due_workshops(session) == [ws["id"]]
    assert deadline_keeper.apply_due(client.app.state.db) == [ws["id"]]
    assert _stages(client, ws)["shared_issues"] == "locked"
    with client.app.state.db.read_session() as session:
        assert stage_states.due_workshops(session) == []


def test_keeper_in_the_running_app_locks_without_anyone_reading(client):
    ws = running_workshop(client)
    _start_locking_timer(client, ws)
    _run_out(client, ws)
    db = client.app.state.db
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with db.read_session() as session:
            stage = session.exec(
                select(Stage).where(Stage.workshop_id == ws["id"], Stage.key == "shared_issues")
            ).one()
            if stage.status == "locked":
                break
        time.sleep(0.1)
    assert stage.status == "locked"
