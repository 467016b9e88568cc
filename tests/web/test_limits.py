"""Limits that hold however many join, a closed workshop that takes no more changes, reveal and
records kept from the participants who may not read them, and a purge that leaves no free text."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.domain import limits
from app.models import Cluster
from app.web.fragments import API_PARTICIPANT
from tests.factories import bearer, form_post, join, login, post_note, staff_token
from tests.sorting_factories import api, running_workshop, subscriber_events
from tests.web.test_votes_presentation_timer import _vote, _voting_workshop


def _set_limits(client, ws, token, **caps):
    return client.put(f"/api/v1/workshops/{ws['id']}/limits", json=caps, headers=bearer(token))


def test_a_workshop_takes_as_many_participants_as_its_cap_and_says_so(client):
    ws = running_workshop(client)
    assert _set_limits(client, ws, ws["staff"], max_participants=2).json() == {
        "max_participants": 2,
        "max_notes": 5000,
        "uses_default": False,
    }
    join(client, ws["code"], "1G")
    join(client, ws["code"], "2G")
    third = client.post("/api/v1/join", json={"code": ws["code"], "group": "1G"})
    assert third.status_code == 409
    assert "full (2 participants)" in third.json()["detail"]


def test_only_the_secretariat_sets_a_workshops_caps(client):
    ws = running_workshop(client)
    client.post(
        "/api/v1/workshops", headers=bearer(ws["staff"]), json={"title": "x", "groups": ["1G"]}
    )
    login(client)
    assert (
        form_post(
            client,
            "/admin/users",
            {"username": "sato", "role": "facilitator", "password": "sato-password"},
        ).status_code
        == 200
    )
    sato = staff_token(client, "sato", "sato-password")
    refused = _set_limits(client, ws, sato, max_notes=10)
    assert refused.status_code == 403
    too_high = _set_limits(client, ws, ws["staff"], max_notes=10_000_000)
    assert too_high.status_code == 422


def test_notes_stop_at_the_workshop_cap_and_at_a_groups_column_cap(client, monkeypatch):
    ws = running_workshop(client)
    _set_limits(client, ws, ws["staff"], max_notes=3)
    alice = join(client, ws["code"], "1G")["token"]
    bob = join(client, ws["code"], "2G")["token"]
    for text in ("一", "二", "三"):
        post_note(client, alice, ws["id"], "shared_issues", text)
    fourth = client.post(
        f"/api/v1/workshops/{ws['id']}/notes",
        json={"stage": "shared_issues", "text": "四"},
        headers=bearer(bob),
    )
    assert fourth.status_code == 409
    assert "as many notes as it can (3)" in fourth.json()["detail"]

    _set_limits(client, ws, ws["staff"])  # back to the site default
    monkeypatch.setattr(limits, "MAX_NOTES_PER_GROUP_STAGE", 3)
    column_full = client.post(
        f"/api/v1/workshops/{ws['id']}/notes",
        json={"stage": "shared_issues", "text": "四"},
        headers=bearer(alice),
    )
    assert column_full.status_code == 409
    assert "Your group has as many notes" in column_full.json()["detail"]
    post_note(client, bob, ws["id"], "shared_issues", "別の卓は書ける")


def test_a_group_takes_a_bounded_number_of_people(client, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PER_GROUP", 2)
    ws = running_workshop(client)
    join(client, ws["code"], "1G")
    join(client, ws["code"], "1G")
    full = client.post("/api/v1/join", json={"code": ws["code"], "group": "1G"})
    assert full.status_code == 409
    assert "“1G” is full" in full.json()["detail"]
    join(client, ws["code"], "2G")


def test_a_group_makes_a_bounded_number_of_clusters(client, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CLUSTERS_PER_GROUP_STAGE", 2)
    ws = running_workshop(client)
    body = {"stage": "shared_issues", "group": "1G"}
    for _ in range(2):
        made = api(client, ws["staff"], "POST", f"/workshops/{ws['id']}/clusters", json=body)
        assert made.status_code == 201, made.text
    third = api(client, ws["staff"], "POST", f"/workshops/{ws['id']}/clusters", json=body)
    assert third.status_code == 409
    assert "at most 2 clusters" in third.json()["detail"]


def _close(client, ws):
    login(client)
    assert form_post(client, f"/admin/workshops/{ws['id']}/close").status_code == 200


def test_a_closed_workshop_refuses_posts_edits_organising_and_stage_changes(client):
    ws = running_workshop(client)
    alice = join(client, ws["code"], "1G")["token"]
    note = post_note(client, alice, ws["id"], "shared_issues", "閉会前")
    _close(client, ws)
    wid = ws["id"]
    refused = [
        client.post(
            f"/api/v1/workshops/{wid}/notes",
            json={"stage": "shared_issues", "text": "閉会後"},
            headers=bearer(alice),
        ),
        client.patch(
            f"/api/v1/workshops/{wid}/notes/{note['id']}",
            json={"text": "書き換え"},
            headers=bearer(alice),
        ),
        api(
            client,
            ws["staff"],
            "POST",
            f"/workshops/{wid}/clusters",
            json={"stage": "shared_issues", "group": "1G", "notes": [note["id"]]},
        ),
        api(
            client,
            ws["staff"],
            "PUT",
            f"/workshops/{wid}/current-stage",
            json={"stage": "strengths"},
        ),
    ]
    for response in refused:
        assert response.status_code == 409, response.text
        assert "This workshop is closed" in response.json()["detail"]
    # The phone page says so too (and its join code no longer works).
    assert client.post("/api/v1/join", json={"code": ws["code"], "group": "1G"}).status_code == 404


def test_closing_tells_the_phones(client):
    ws = running_workshop(client)
    join(client, ws["code"], "1G")
    _close(client, ws)
    patches = subscriber_events(client, ws["id"], kind="phone", group_id=1)
    assert "This workshop has closed" in patches[-1][1]
    api_events = subscriber_events(client, ws["id"], kind=API_PARTICIPANT, group_id=1)
    assert api_events[-1][0] == "workshop.closed"


def test_votes_on_a_hidden_stage_wait_for_the_reveal(client):
    ws = _voting_workshop(client)
    voter = join(client, ws["code"], "1G")["token"]
    hide = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/ideas/reveal",
        json={"hidden": True},
    )
    assert hide.status_code == 200, hide.text
    refused = _vote(client, ws, voter, ws["ideas"][0], 1)
    assert refused.status_code == 409
    assert "reveals" in refused.json()["detail"]
    assert "total" not in refused.json()
    api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/ideas/reveal",
        json={"hidden": False},
    )
    assert _vote(client, ws, voter, ws["ideas"][0], 1).status_code == 200


def test_the_participant_stream_carries_no_staff_records(client):
    ws = running_workshop(client)
    joined = join(client, ws["code"], "1G")
    comment = api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/comments",
        json={"role": "advisor", "name": "助言者", "text": "講評の全文"},
    )
    assert comment.status_code == 201, comment.text
    question = api(
        client, ws["staff"], "POST", f"/workshops/{ws['id']}/questions", json={"text": "会場の質問"}
    )
    assert question.status_code == 201, question.text
    # The participant may not read records elsewhere...
    assert (
        client.get(
            f"/api/v1/workshops/{ws['id']}/records", headers=bearer(joined["token"])
        ).status_code
        == 403
    )
    # ...so their stream does not carry them; staff streams do.
    mine = subscriber_events(client, ws["id"], kind=API_PARTICIPANT, group_id=1)
    assert all(data.find("講評") < 0 and data.find("会場の質問") < 0 for _e, data in mine)
    staff = [event for event, _data in subscriber_events(client, ws["id"], kind="api")]
    assert "comment.added" in staff and "question.asked" in staff


def test_purge_clears_cluster_titles(client):
    ws = running_workshop(client)
    made = api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={"stage": "shared_issues", "group": "1G", "title": "山田さんの件"},
    )
    assert made.status_code == 201, made.text
    _close(client, ws)
    assert form_post(client, f"/admin/workshops/{ws['id']}/purge").status_code == 200
    with client.app.state.db.read_session() as session:
        titles = session.exec(select(Cluster.title).where(Cluster.workshop_id == ws["id"])).all()
    assert titles == [""]


@pytest.mark.parametrize("cap", ["max_participants", "max_notes"])
def test_caps_must_be_positive(client, cap):
    ws = running_workshop(client)
    assert _set_limits(client, ws, ws["staff"], **{cap: 0}).status_code == 422
