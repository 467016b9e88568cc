"""Importing a workshop archive: by API, admin page and CLI; refusals leave nothing behind."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, func, select

from app import cli
from app.db import Database
from app.exports import archive
from app.models import Note, Workshop
from tests.factories import bearer, join, make_workshop, open_stage, post_note, staff_token
from tests.sorting_factories import api, running_workshop, subscriber_payloads
from tests.unit.test_sorting_stream_rebuild import Rebuilt, server_view

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def exported(client):
    token = staff_token(client)
    created = make_workshop(client, token, groups=["1G", "2G"], date="2017-09-13")
    member = join(client, created["join_code"], "2G", name="鈴木", organization="笠間市")
    open_stage(client, token, created["id"], "strengths")
    post_note(client, member["token"], created["id"], "strengths", "座談会が有効")
    gone = post_note(client, member["token"], created["id"], "strengths", "消したメモ")
    client.delete(
        f"/api/v1/workshops/{created['id']}/notes/{gone['id']}", headers=bearer(member["token"])
    )
    body = client.get(f"/api/v1/workshops/{created['id']}/report.json", headers=bearer(token))
    return token, body.json()


def workshop_count(settings) -> int:
    db = Database(settings.database_url)
    try:
        with db.read_session() as session:
            return session.exec(select(func.count()).select_from(Workshop)).one()
    finally:
        db.dispose()


def post_archive(client, token, payload: bytes):
    return client.post("/api/v1/workshops/import", content=payload, headers=bearer(token))


def test_import_keeps_deleted_notes_deleted_and_people_by_group(client, exported):
    token, data = exported
    response = post_archive(client, token, json.dumps(data).encode())
    assert response.status_code == 201
    new_id = response.json()["id"]
    snapshot = client.get(f"/api/v1/workshops/{new_id}", headers=bearer(token)).json()
    assert [(n["text"], n["group"], n["name"]) for n in snapshot["notes"]] == [
        ("座談会が有効", "2G", "鈴木")
    ]
    again = client.get(f"/api/v1/workshops/{new_id}/report.json", headers=bearer(token)).json()
    assert [n["deleted_at"] is not None for n in again["notes"]] == [False, True]
    assert again == data


@BACKENDS
@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: b"{not json", "not valid JSON"),
        (lambda d: json.dumps({**d, "kind": "other"}).encode(), "not a Fusen archive"),
        (lambda d: json.dumps({**d, "version": 99}).encode(), "version 99"),
        (lambda d: json.dumps({**d, "stages": []}).encode(), "damaged at “stages”"),
        (
            lambda d: json.dumps(
                {**d, "notes": [*d["notes"], {**d["notes"][0], "text": "x" * 501}]}
            ).encode(),
            "damaged at “notes.2.text”",
        ),
        (
            lambda d: json.dumps(
                {**d, "notes": [*d["notes"], {**d["notes"][0], "group": "9G"}]}
            ).encode(),
            "no group “9G”",
        ),
    ],
)
def test_broken_archives_are_refused_with_a_reason_and_nothing_is_half_imported(
    client, settings, exported, mutate, reason
):
    token, data = exported
    before = workshop_count(settings)
    response = post_archive(client, token, mutate(data))
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert workshop_count(settings) == before


def test_an_archive_over_the_size_limit_is_refused(client, exported, monkeypatch):
    token, data = exported
    monkeypatch.setattr(archive, "MAX_BYTES", 1000)
    response = post_archive(client, token, json.dumps(data).encode())
    assert response.status_code == 422
    assert "larger than" in response.json()["detail"]


def test_participants_cannot_import(client, exported):
    token, data = exported
    created = make_workshop(client, token)
    member = join(client, created["join_code"])
    response = post_archive(client, member["token"], json.dumps(data).encode())
    assert response.status_code == 403


def test_cli_import_creates_a_new_workshop_and_refuses_a_bad_file(
    client, settings, exported, tmp_path, monkeypatch, capsys
):
    _token, data = exported
    monkeypatch.setenv("FUSEN_DATABASE_URL", settings.database_url)
    from app.settings import get_settings

    get_settings.cache_clear()
    try:
        good = tmp_path / "good.json"
        good.write_text(json.dumps(data), encoding="utf-8")
        assert cli.main(["import", str(good), "--owner", "admin"]) == 0
        assert "as workshop" in capsys.readouterr().out
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**data, "version": 2}), encoding="utf-8")
        before = workshop_count(settings)
        assert cli.main(["import", str(bad)]) == 1
        assert "version 2" in capsys.readouterr().err
        assert workshop_count(settings) == before
    finally:
        get_settings.cache_clear()
    db = Database(settings.database_url)
    try:
        with Session(db.engine) as session:
            titles = session.exec(select(Workshop.title)).all()
            notes = session.exec(select(func.count()).select_from(Note)).one()
    finally:
        db.dispose()
    assert titles.count(data["workshop"]["title"]) == 2
    assert notes == 4


SORTING_STAGES = [
    {"key": "ideas", "label": "アイデア"},
    {"key": "pick", "label": "選ぶ", "kind": "select", "draws_from": "ideas"},
    {"key": "dots", "label": "投票", "kind": "vote", "draws_from": "ideas"},
]


@pytest.fixture
def sorted_export(client):
    """A workshop mid-funnel: a titled cluster of two, a duplicate, a hidden note, a pick, dots."""
    ws = running_workshop(client, stages=SORTING_STAGES, format=None, first_stage="ideas")
    token, base = ws["staff"], f"/workshops/{ws['id']}"
    member = join(client, ws["code"], "1G", name="鈴木")["token"]
    a, b, c, d, e = (
        post_note(client, member, ws["id"], "ideas", text)["id"]
        for text in ("座談会", "サロン", "ざだんかい", "見守り", "不適切な投稿")
    )
    post_note(client, join(client, ws["code"], "2G")["token"], ws["id"], "ideas", "別の班")
    pile = api(
        client,
        token,
        "POST",
        f"{base}/clusters",
        json={"stage": "ideas", "group": "1G", "title": "集いの場", "notes": [a, b]},
    ).json()
    steps = [
        ("PUT", f"{base}/notes/{c}/duplicate-of", {"duplicate_of": a}),
        ("PUT", f"{base}/notes/{e}/moderation", {"moderated": True}),
        ("PUT", f"{base}/stages/dots/voting", {"dots_per_person": 4, "dots_per_item": 2}),
        ("PUT", f"{base}/stages/pick/reveal", {"hidden": True}),
        ("PUT", f"{base}/stages/ideas/sorting", {"done": True}),
        ("PUT", f"{base}/presentation", {"group": "1G", "order": ["2G", "1G"]}),
    ]
    for method, path, body in steps:
        response = api(client, token, method, path, json=body)
        assert response.status_code == 200, response.text
    open_stage(client, token, ws["id"], "pick")
    for item in ({"cluster_id": pile["id"]}, {"note_id": d}):
        picked = api(client, token, "PUT", f"{base}/selections", json={"stage": "pick", **item})
        assert picked.status_code == 200, picked.text
    open_stage(client, token, ws["id"], "dots")
    for item, dots in (({"cluster_id": pile["id"]}, 2), ({"note_id": d}, 1)):
        voted = api(
            client, member, "PUT", f"{base}/votes", json={"stage": "dots", "dots": dots, **item}
        )
        assert voted.status_code == 200, voted.text
    body = client.get(f"/api/v1{base}/report.json", headers=bearer(token))
    return token, ws["id"], body.json()


def sorting_state(client, token, workshop_id) -> dict:
    """The snapshot's sorting state named by note text and cluster title instead of ids."""
    snapshot = api(client, token, "GET", f"/workshops/{workshop_id}").json()
    text = {n["id"]: n["text"] for n in snapshot["notes"]}
    title = {k["id"]: k["title"] for k in snapshot["clusters"]}
    return {
        "clusters": _sorted((k["stage"], k["group"], k["title"]) for k in snapshot["clusters"]),
        "notes": _sorted(
            (
                n["text"],
                title.get(n["cluster_id"]),
                n["position"],
                text.get(n["duplicate_of"]),
                n["moderated"],
            )
            for n in snapshot["notes"]
        ),
        "selections": _sorted(
            (s["stage"], s["group"], text.get(s["note_id"]), title.get(s["cluster_id"]))
            for s in snapshot["selections"]
        ),
        "votes": _sorted(
            (v["stage"], text.get(v["note_id"]), title.get(v["cluster_id"]), v["total"])
            for v in snapshot["votes"]
        ),
        "stage_controls": snapshot["stage_controls"],
        "presentation": snapshot["presentation"],
    }


def _sorted(items) -> list:
    """Sorted whatever mix of text and ``None`` the tuples hold."""
    return sorted(items, key=repr)


def test_sorted_workshop_keeps_clusters_picks_and_dots_through_export_and_import(
    client, sorted_export
):
    token, old_id, data = sorted_export
    assert [k["title"] for k in data["clusters"]] == ["集いの場"]
    response = post_archive(client, token, json.dumps(data).encode())
    assert response.status_code == 201, response.text
    new_id = response.json()["id"]
    again = client.get(f"/api/v1/workshops/{new_id}/report.json", headers=bearer(token)).json()
    assert again == data
    before = sorting_state(client, token, old_id)
    after = sorting_state(client, token, new_id)
    assert after == before
    assert after["clusters"] == [("ideas", "1G", "集いの場")]
    assert ("ざだんかい", None, "", "座談会", False) in after["notes"]
    assert ("不適切な投稿", None, "", None, True) in after["notes"]
    assert set(after["selections"]) == {
        ("pick", "1G", None, "集いの場"),
        ("pick", "1G", "見守り", None),
    }
    assert set(after["votes"]) == {("dots", None, "集いの場", 2), ("dots", "見守り", None, 1)}
    assert after["presentation"] == {"group": "1G", "order": ["2G", "1G"]}


def test_a_subscriber_replaying_an_imported_workshop_sees_its_sorted_board(client, sorted_export):
    token, _old_id, data = sorted_export
    new_id = post_archive(client, token, json.dumps(data).encode()).json()["id"]
    rebuilt = Rebuilt()
    replayed = subscriber_payloads(client, new_id)
    for event, payload in replayed:
        if event != archive.WORKSHOP_IMPORTED:  # a summary (counts), not a board change
            rebuilt.apply(event, payload)
    snapshot = api(client, token, "GET", f"/workshops/{new_id}").json()
    assert (rebuilt.notes, rebuilt.clusters, rebuilt.selections, rebuilt.votes) == server_view(
        snapshot
    )
    assert rebuilt.clusters and rebuilt.selections and rebuilt.votes
    assert [event for event, _ in replayed][-1] == archive.WORKSHOP_IMPORTED


def _with_note(data: dict, index: int, **changes) -> dict:
    notes = [dict(n) for n in data["notes"]]
    notes[index].update(changes)
    return {**data, "notes": notes}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: _with_note(d, 0, cluster="c99"), "unknown cluster “c99”"),
        (lambda d: _with_note(d, 2, duplicate_of="n6"), "cannot be a duplicate of note “n6”"),
        (lambda d: _with_note(d, 0, position="a b"), "damaged at “notes.0.position”"),
        (
            lambda d: {**d, "selections": [{**d["selections"][0], "stage": "ideas"}]},
            "cannot hold picks or dots",
        ),
        (
            lambda d: {**d, "votes": [{**d["votes"][0], "participant": "p9"}]},
            "unknown participant “p9”",
        ),
        (lambda d: {**d, "votes": [d["votes"][0], d["votes"][0]]}, "same pick or vote twice"),
        (
            lambda d: {**d, "stage_controls": [{"stage": "dots", "dots_per_item": 5}]},
            "cannot exceed",
        ),
    ],
)
def test_an_archive_with_dangling_sorting_references_is_refused_and_writes_nothing(
    client, settings, sorted_export, mutate, reason
):
    token, _old_id, data = sorted_export
    before = workshop_count(settings)
    response = post_archive(client, token, json.dumps(mutate(data)).encode())
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert workshop_count(settings) == before


def test_an_archive_written_before_sorting_still_imports_unsorted(client, sorted_export):
    token, _old_id, data = sorted_export
    sorting_keys = ("clusters", "selections", "votes", "stage_controls", "presentation")
    sorting_note_keys = ("cluster", "position", "duplicate_of", "moderated_at")
    older = {k: v for k, v in data.items() if k not in sorting_keys}
    older["notes"] = [
        {k: v for k, v in n.items() if k not in sorting_note_keys} for n in data["notes"]
    ]
    response = post_archive(client, token, json.dumps(older).encode())
    assert response.status_code == 201, response.text
    state = sorting_state(client, token, response.json()["id"])
    assert state["clusters"] == state["selections"] == state["votes"] == []
    assert len(state["notes"]) == len(data["notes"])
