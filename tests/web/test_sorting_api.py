"""Clusters, moves, duplicates and their refusals through the JSON API."""

from __future__ import annotations

from tests.factories import join, post_note
from tests.sorting_factories import api, running_workshop


def _board(client, ws):
    return api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()


def _note(snapshot, note_id):
    return next(n for n in snapshot["notes"] if n["id"] == note_id)


def test_facilitator_clusters_titles_reorders_merges_and_dissolves(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    a, b, c = (post_note(client, member, ws["id"], "shared_issues", t)["id"] for t in "ABC")
    base = f"/workshops/{ws['id']}"

    first = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters",
        json={"stage": "shared_issues", "group": "1G", "notes": [a, b]},
    )
    assert first.status_code == 201, first.text
    second = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters",
        json={"stage": "shared_issues", "group": "1G", "title": "人"},
    ).json()
    renamed = api(
        client,
        ws["staff"],
        "PATCH",
        f"{base}/clusters/{first.json()['id']}",
        json={"title": "  場所と  建物 "},
    )
    assert renamed.json()["title"] == "場所と 建物"
    moved = api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/notes/{c}/place",
        json={"cluster_id": second["id"], "first": True},
    )
    assert moved.json()["cluster_id"] == second["id"]
    # Put the second cluster first: one row changes, and the board order follows.
    api(client, ws["staff"], "PATCH", f"{base}/clusters/{second['id']}", json={"after": None})
    order = sorted(_board(client, ws)["clusters"], key=lambda k: k["position"])
    assert [k["id"] for k in order] == [second["id"], first.json()["id"]]

    merged = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters/{second['id']}/merge",
        json={"into": first.json()["id"]},
    )
    assert merged.status_code == 200, merged.text
    snapshot = _board(client, ws)
    assert [k["id"] for k in snapshot["clusters"]] == [first.json()["id"]]
    inside = sorted((n for n in snapshot["notes"] if n["cluster_id"]), key=lambda n: n["position"])
    assert [n["id"] for n in inside] == [a, b, c]

    gone = api(client, ws["staff"], "DELETE", f"{base}/clusters/{first.json()['id']}")
    assert gone.status_code == 204
    snapshot = _board(client, ws)
    assert snapshot["clusters"] == []
    assert {n["cluster_id"] for n in snapshot["notes"]} == {None}
    assert len(snapshot["notes"]) == 3  # dissolving loses nothing


def test_note_moved_after_a_neighbour_lands_between_it_and_the_next(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    ids = [post_note(client, member, ws["id"], "shared_issues", t)["id"] for t in "ABCD"]
    base = f"/workshops/{ws['id']}"
    cluster = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters",
        json={"stage": "shared_issues", "group": "1G", "notes": ids[:3]},
    ).json()
    api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/notes/{ids[3]}/place",
        json={"cluster_id": cluster["id"], "after": ids[0]},
    )
    inside = sorted((n for n in _board(client, ws)["notes"]), key=lambda n: n["position"])
    assert [n["id"] for n in inside] == [ids[0], ids[3], ids[1], ids[2]]


def test_duplicate_folds_under_its_original_and_stays_in_the_data(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    original = post_note(
        client, member, ws["id"], "shared_issues", "行政と社協の建物が近いとよい。"
    )
    copy = post_note(
        client, member, ws["id"], "shared_issues", "ギョウセイと社協の建物が近いと良い"
    )
    other = post_note(client, member, ws["id"], "shared_issues", "座談会の実施")
    base = f"/workshops/{ws['id']}"
    suggested = api(
        client,
        ws["staff"],
        "GET",
        f"{base}/suggestions",
        params={"stage": "shared_issues", "group": "1G"},
    ).json()
    assert [(s["original_id"], s["duplicate_id"]) for s in suggested] == [
        (original["id"], copy["id"])
    ]
    folded = api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/notes/{copy['id']}/duplicate-of",
        json={"duplicate_of": original["id"]},
    )
    assert folded.status_code == 200, folded.text
    snapshot = _board(client, ws)
    assert _note(snapshot, copy["id"])["duplicate_of"] == original["id"]
    assert _note(snapshot, copy["id"])["text"] == copy["text"]
    # Folding the original under a third note takes its duplicate along (no chains).
    api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/notes/{original['id']}/duplicate-of",
        json={"duplicate_of": other["id"]},
    )
    snapshot = _board(client, ws)
    assert _note(snapshot, copy["id"])["duplicate_of"] == other["id"]
    self_dup = api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/notes/{other['id']}/duplicate-of",
        json={"duplicate_of": copy["id"]},
    )
    assert self_dup.status_code == 409


def test_moving_a_note_of_another_workshop_is_not_found(client):
    ws = running_workshop(client)
    elsewhere = running_workshop(client)
    stranger = join(client, elsewhere["code"], "1G")["token"]
    foreign = post_note(client, stranger, elsewhere["id"], "shared_issues", "よそのメモ")
    response = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/notes/{foreign['id']}/place",
        json={"cluster_id": None},
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "No such note."


def test_moving_a_note_into_another_groups_cluster_is_refused_with_a_reason(client):
    ws = running_workshop(client)
    one = join(client, ws["code"], "1G")["token"]
    note = post_note(client, one, ws["id"], "shared_issues", "1Gのメモ")
    theirs = api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={"stage": "shared_issues", "group": "2G"},
    ).json()
    response = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/notes/{note['id']}/place",
        json={"cluster_id": theirs["id"]},
    )
    assert response.status_code == 409
    assert "another group" in response.json()["detail"]
    assert _note(_board(client, ws), note["id"])["cluster_id"] is None


def test_a_stage_whose_sorting_is_done_cannot_be_reorganised(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    note = post_note(client, member, ws["id"], "shared_issues", "メモ")
    cluster = api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={"stage": "shared_issues", "group": "1G"},
    ).json()
    api(client, ws["staff"], "PUT", f"/workshops/{ws['id']}/posting", json={"locked": True})
    done = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/shared_issues/sorting",
        json={"done": True},
    )
    assert done.json()["sorting"] == "done"
    response = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/notes/{note['id']}/place",
        json={"cluster_id": cluster["id"]},
    )
    assert response.status_code == 409
    assert "done" in response.json()["detail"]


def test_bad_cluster_input_is_a_readable_422_not_a_500(client):
    ws = running_workshop(client)
    base = f"/workshops/{ws['id']}"
    too_long = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters",
        json={"stage": "shared_issues", "group": "1G", "title": "x" * 201},
    )
    assert too_long.status_code == 422
    no_group = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters",
        json={"stage": "shared_issues", "group": "9G"},
    )
    assert no_group.status_code == 422
    not_a_note = api(client, ws["staff"], "PUT", f"{base}/notes/not-a-uuid/place", json={})
    assert not_a_note.status_code == 404
    into_self = api(client, ws["staff"], "POST", f"{base}/clusters/1/merge", json={"into": 1})
    assert into_self.status_code == 422


def test_two_facilitators_moving_the_same_note_end_with_the_last_move(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    note = post_note(client, member, ws["id"], "shared_issues", "取り合い")
    base = f"/workshops/{ws['id']}"
    left = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters",
        json={"stage": "shared_issues", "group": "1G"},
    ).json()
    right = api(
        client,
        ws["staff"],
        "POST",
        f"{base}/clusters",
        json={"stage": "shared_issues", "group": "1G"},
    ).json()
    api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/notes/{note['id']}/place",
        json={"cluster_id": left["id"]},
    )
    api(
        client,
        ws["staff"],
        "PUT",
        f"{base}/notes/{note['id']}/place",
        json={"cluster_id": right["id"]},
    )
    assert _note(_board(client, ws), note["id"])["cluster_id"] == right["id"]


def test_openapi_documents_the_sorting_api(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/workshops/{workshop_id}/clusters",
        "/api/v1/workshops/{workshop_id}/notes/{note_id}/place",
        "/api/v1/workshops/{workshop_id}/selections",
        "/api/v1/workshops/{workshop_id}/votes",
        "/api/v1/workshops/{workshop_id}/stages/{stage_key}/reveal",
        "/api/v1/workshops/{workshop_id}/presentation",
    ):
        assert path in paths, path
    snapshot = schema["components"]["schemas"]["SortedSnapshot"]["properties"]
    assert {"clusters", "selections", "votes", "stage_controls"} <= set(snapshot)
