"""Posting notes through the API: idempotency, permissions and every kind of bad input."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import bearer, join, make_workshop, open_stage, post_note, staff_token

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def setup(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    participant = join(client, workshop["join_code"], "1G", name="佐藤", organization="水戸市社協")
    return {"staff": token, "workshop": workshop, "participant": participant}


def snapshot(client, setup):
    response = client.get(
        f"/api/v1/workshops/{setup['workshop']['id']}", headers=bearer(setup["staff"])
    )
    assert response.status_code == 200
    return response.json()


@BACKENDS
def test_second_post_with_same_client_id_returns_the_first_note_and_no_new_event(client, setup):
    note_id = str(uuid.uuid4())
    url = f"/api/v1/workshops/{setup['workshop']['id']}/notes"
    headers = bearer(setup["participant"]["token"])
    first = client.post(
        url, json={"id": note_id, "stage": "strengths", "text": "一回目"}, headers=headers
    )
    seq_after_first = snapshot(client, setup)["last_seq"]
    again = client.post(
        url, json={"id": note_id, "stage": "strengths", "text": "再送"}, headers=headers
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    after = snapshot(client, setup)
    assert after["last_seq"] == seq_after_first
    assert [note["text"] for note in after["notes"]] == ["一回目"]


def test_note_carries_author_name_organisation_group_and_stage(client, setup):
    note = post_note(
        client,
        setup["participant"]["token"],
        setup["workshop"]["id"],
        "strengths",
        "  地区座談会  ",
    )
    assert note["text"] == "地区座談会"
    assert note["group"] == "1G"
    assert note["stage"] == "strengths"
    assert note["name"] == "佐藤"
    assert note["organization"] == "水戸市社協"


def test_another_workshops_participant_cannot_reuse_a_note_id(client, setup):
    note = post_note(
        client, setup["participant"]["token"], setup["workshop"]["id"], "strengths", "a"
    )
    other = join(client, setup["workshop"]["join_code"], "2G")
    response = client.post(
        f"/api/v1/workshops/{setup['workshop']['id']}/notes",
        json={"id": note["id"], "stage": "strengths", "text": "b"},
        headers=bearer(other["token"]),
    )
    assert response.status_code == 409
    assert [n["text"] for n in snapshot(client, setup)["notes"]] == ["a"]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"stage": "strengths", "text": ""}, 422, "empty"),
        ({"stage": "strengths", "text": "   \n\t "}, 422, "empty"),
        ({"stage": "strengths", "text": "あ" * 501}, 422, "500"),
        ({"stage": "nope", "text": "x"}, 422, "nope"),
        ({"stage": "shared_issues", "text": "x"}, 409, "not open"),
        ({"stage": "strengths", "text": "x", "group": "2G"}, 403, "own group"),
        ({"stage": "strengths", "text": "x", "id": "not-a-uuid"}, 422, "UUID"),
        ({"text": "x"}, 422, "stage"),
    ],
)
def test_bad_notes_get_a_readable_4xx_and_change_nothing(client, setup, body, status, fragment):
    post_note(client, setup["participant"]["token"], setup["workshop"]["id"], "strengths", "kept")
    before = snapshot(client, setup)
    response = client.post(
        f"/api/v1/workshops/{setup['workshop']['id']}/notes",
        json=body,
        headers=bearer(setup["participant"]["token"]),
    )
    assert response.status_code == status, response.text
    assert fragment in str(response.json()["detail"])
    after = snapshot(client, setup)
    assert after["notes"] == before["notes"]
    assert after["last_seq"] == before["last_seq"]


def test_exactly_500_characters_is_accepted(client, setup):
    note = post_note(
        client, setup["participant"]["token"], setup["workshop"]["id"], "strengths", "字" * 500
    )
    assert len(note["text"]) == 500


def test_malformed_json_is_a_422_with_a_reason(client, setup):
    response = client.post(
        f"/api/v1/workshops/{setup['workshop']['id']}/notes",
        content=b'{"stage": "strengths", "text": ',
        headers={**bearer(setup["participant"]["token"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer nonsense-token"}, 401),
        ({"Authorization": "Bearer eyJ1IjoxfQ.forged.signature"}, 401),
    ],
)
def test_missing_or_forged_tokens_are_refused(client, setup, headers, status):
    response = client.post(
        f"/api/v1/workshops/{setup['workshop']['id']}/notes",
        json={"stage": "strengths", "text": "x"},
        headers=headers,
    )
    assert response.status_code == status
    assert response.json()["detail"]


def test_expired_staff_token_is_refused(client, setup):
    signer = client.app.state.signer
    signer.max_age_seconds = -1
    response = client.get(
        f"/api/v1/workshops/{setup['workshop']['id']}", headers=bearer(setup["staff"])
    )
    assert response.status_code == 401


def test_a_participant_token_of_one_workshop_gets_nothing_of_another(client, setup):
    other = make_workshop(client, setup["staff"], title="別の会")
    open_stage(client, setup["staff"], other["id"], "strengths")
    headers = bearer(setup["participant"]["token"])
    assert client.get(f"/api/v1/workshops/{other['id']}", headers=headers).status_code == 403
    response = client.post(
        f"/api/v1/workshops/{other['id']}/notes",
        json={"stage": "strengths", "text": "x"},
        headers=headers,
    )
    assert response.status_code == 403
    events = client.get(
        f"/api/v1/workshops/{other['id']}/events?token={headers['Authorization'][7:]}"
    )
    assert events.status_code == 403


def test_wrong_join_code_and_unknown_group_are_refused_readably(client, setup):
    wrong = client.post("/api/v1/join", json={"code": "ZZZZ-ZZZZ", "group": "1G"})
    assert wrong.status_code == 404
    assert "code" in wrong.json()["detail"]
    unknown = client.post(
        "/api/v1/join", json={"code": setup["workshop"]["join_code"], "group": "9G"}
    )
    assert unknown.status_code == 422
    assert "9G" in unknown.json()["detail"]


def test_join_code_is_accepted_as_people_type_it(client, setup):
    code = setup["workshop"]["join_code"]
    typed = f" {code[:4].lower()}-{code[4:]} "
    joined = client.post("/api/v1/join", json={"code": typed, "group": "2G"})
    assert joined.status_code == 201
    assert joined.json()["group"] == "2G"


def test_facilitator_types_in_a_paper_note_for_any_group(client, setup):
    note = post_note(
        client, setup["staff"], setup["workshop"]["id"], "strengths", "紙の付箋", group="2G"
    )
    assert note["group"] == "2G"
    response = client.post(
        f"/api/v1/workshops/{setup['workshop']['id']}/notes",
        json={"stage": "strengths", "text": "group missing"},
        headers=bearer(setup["staff"]),
    )
    assert response.status_code == 422


def test_author_edits_and_deletes_while_open_but_not_after_lock(client, setup):
    workshop_id = setup["workshop"]["id"]
    headers = bearer(setup["participant"]["token"])
    note = post_note(client, setup["participant"]["token"], workshop_id, "strengths", "before")
    url = f"/api/v1/workshops/{workshop_id}/notes/{note['id']}"
    edited = client.patch(url, json={"text": "after"}, headers=headers)
    assert edited.status_code == 200
    assert edited.json()["text"] == "after"
    other = join(client, setup["workshop"]["join_code"], "1G")
    assert client.patch(url, json={"text": "x"}, headers=bearer(other["token"])).status_code == 403
    locked = client.put(
        f"/api/v1/workshops/{workshop_id}/posting",
        json={"locked": True},
        headers=bearer(setup["staff"]),
    )
    assert locked.status_code == 200
    assert client.patch(url, json={"text": "late"}, headers=headers).status_code == 409
    assert client.delete(url, headers=headers).status_code == 409
    client.put(
        f"/api/v1/workshops/{workshop_id}/posting",
        json={"locked": False},
        headers=bearer(setup["staff"]),
    )
    assert client.delete(url, headers=headers).status_code == 204
    assert snapshot(client, setup)["notes"] == []
