"""Who may organise: the facilitator any group, a recorder only their own, members nobody's."""

from __future__ import annotations

import pytest

from tests.factories import form_post, join, post_note
from tests.sorting_factories import api, make_recorder, running_workshop


@pytest.fixture
def table(client):
    ws = running_workshop(client)
    one = join(client, ws["code"], "1G")["token"]
    two = join(client, ws["code"], "2G")["token"]
    ws["note_1g"] = post_note(client, one, ws["id"], "shared_issues", "1Gの課題")["id"]
    ws["note_2g"] = post_note(client, two, ws["id"], "shared_issues", "2Gの課題")["id"]
    ws["member_1g"] = one
    ws["recorder_2g"] = make_recorder(client, ws, "2G", name="記録係")
    ws["cluster_1g"] = api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={"stage": "shared_issues", "group": "1G"},
    ).json()["id"]
    return ws


def _attempts(ws):
    base = f"/workshops/{ws['id']}"
    return [
        ("POST", f"{base}/clusters", {"stage": "shared_issues", "group": "1G"}),
        ("PATCH", f"{base}/clusters/{ws['cluster_1g']}", {"title": "乗っ取り"}),
        ("PUT", f"{base}/notes/{ws['note_1g']}/place", {"cluster_id": ws["cluster_1g"]}),
        ("PUT", f"{base}/notes/{ws['note_1g']}/duplicate-of", {"duplicate_of": None}),
        ("DELETE", f"{base}/clusters/{ws['cluster_1g']}", None),
    ]


def test_recorder_of_2g_cannot_touch_1g(client, table):
    for method, path, body in _attempts(table):
        response = api(client, table["recorder_2g"], method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert "own group" in response.json()["detail"]
    snapshot = api(client, table["staff"], "GET", f"/workshops/{table['id']}").json()
    assert snapshot["clusters"][0]["title"] == ""


def test_recorder_organises_their_own_group(client, table):
    base = f"/workshops/{table['id']}"
    created = api(
        client,
        table["recorder_2g"],
        "POST",
        f"{base}/clusters",
        json={
            "stage": "shared_issues",
            "group": "2G",
            "notes": [table["note_2g"]],
            "title": "人材",
        },
    )
    assert created.status_code == 201, created.text
    titled = api(
        client,
        table["recorder_2g"],
        "PATCH",
        f"{base}/clusters/{created.json()['id']}",
        json={"title": "人材育成"},
    )
    assert titled.json()["title"] == "人材育成"


def test_a_participant_cannot_organise(client, table):
    for method, path, body in _attempts(table):
        response = api(client, table["member_1g"], method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert "recorder" in response.json()["detail"]


def test_only_the_facilitator_sets_roles_reveals_moderates_and_spotlights(client, table):
    base = f"/workshops/{table['id']}"
    for method, path, body in [
        ("PUT", f"{base}/stages/shared_issues/reveal", {"hidden": True}),
        ("PUT", f"{base}/notes/{table['note_1g']}/moderation", {"moderated": True}),
        ("PUT", f"{base}/presentation", {"group": "1G"}),
        ("PUT", f"{base}/stages/shared_issues/timer", {"seconds": 60}),
    ]:
        for token in (table["recorder_2g"], table["member_1g"]):
            assert api(client, token, method, path, json=body).status_code == 403


def test_recorder_form_on_the_phone_is_refused_for_another_group(client, table):
    """The page routes apply the same rule as the API."""
    client.cookies.clear()
    recorder = join(client, table["code"], "2G")
    client.cookies.clear()
    api(
        client,
        table["staff"],
        "PUT",
        f"/workshops/{table['id']}/participants/{recorder['participant_id']}/role",
        json={"role": "recorder"},
    )
    client.cookies.set(f"fusen_p{table['id']}", recorder["token"])
    response = form_post(
        client,
        f"/w/{table['id']}/sort/notes/{table['note_1g']}/move",
        data={"cluster": str(table["cluster_1g"])},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    own = form_post(
        client,
        f"/w/{table['id']}/sort/notes/{table['note_2g']}/move",
        data={"cluster": "new"},
        headers={"HX-Request": "true"},
    )
    assert own.status_code == 204
