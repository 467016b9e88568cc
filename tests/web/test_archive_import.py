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
