"""The live-note tallies a post's caps read: equal to counting the notes, whoever wrote them."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from app.domain import note_tally
from app.main import create_app
from app.models import Note, NoteTally
from tests.factories import bearer, form_post, join, login, post_note
from tests.sorting_factories import running_workshop

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def tallied(session: Session) -> dict[tuple[int, int, int], int]:
    rows = session.exec(select(NoteTally)).all()
    return {(r.workshop_id, r.stage_id, r.group_id): r.live for r in rows if r.live != 0}


def counted(session: Session) -> dict[tuple[int, int, int], int]:
    rows = session.exec(
        select(Note.workshop_id, Note.stage_id, Note.group_id, func.count())
        .where(col(Note.deleted_at).is_(None))
        .group_by(col(Note.workshop_id), col(Note.stage_id), col(Note.group_id))
    ).all()
    return {(w, s, g): n for w, s, g, n in rows}


def assert_tallies_count_the_notes(client: TestClient) -> dict[tuple[int, int, int], int]:
    with client.app.state.db.read_session() as session:
        expected = counted(session)
        assert tallied(session) == expected
    return expected


@BACKENDS
def test_tallies_follow_posts_deletes_imports_and_purges(client):
    ws = running_workshop(client)
    staff, wid = ws["staff"], ws["id"]
    alice = join(client, ws["code"], "1G")["token"]
    bob = join(client, ws["code"], "2G")["token"]
    mine = [post_note(client, alice, wid, "shared_issues", f"課題 {n}") for n in range(3)]
    post_note(client, bob, wid, "shared_issues", "人手不足")
    post_note(client, staff, wid, "shared_issues", "会場から", group="2G")
    assert sorted(assert_tallies_count_the_notes(client).values()) == [2, 3]

    # A soft delete, and a retried post of the same id, which writes nothing.
    gone = client.delete(f"/api/v1/workshops/{wid}/notes/{mine[0]['id']}", headers=bearer(alice))
    assert gone.status_code == 204
    again = client.post(
        f"/api/v1/workshops/{wid}/notes",
        json={"stage": "shared_issues", "text": "課題 1", "id": mine[1]["id"]},
        headers=bearer(alice),
    )
    assert again.status_code == 200
    assert sorted(assert_tallies_count_the_notes(client).values()) == [2, 2]

    # The archive import writes notes in bulk, deleted ones included.
    archive = client.get(f"/api/v1/workshops/{wid}/report.json", headers=bearer(staff)).json()
    imported = client.post(
        "/api/v1/workshops/import", content=json.dumps(archive).encode(), headers=bearer(staff)
    )
    assert imported.status_code == 201, imported.text
    assert sorted(assert_tallies_count_the_notes(client).values()) == [2, 2, 2, 2]

    # A purge empties the texts and keeps the notes; a row removed outright is counted out.
    login(client)
    assert form_post(client, f"/admin/workshops/{wid}/close").status_code == 200
    assert form_post(client, f"/admin/workshops/{wid}/purge").status_code == 200
    with client.app.state.db.write_session() as session:
        session.connection().execute(text("DELETE FROM note WHERE id = :id"), {"id": mine[1]["id"]})
        session.commit()
    assert sorted(assert_tallies_count_the_notes(client).values()) == [1, 2, 2, 2]


@BACKENDS
def test_the_caps_read_the_tallies_so_a_full_column_refuses_at_its_cap(client, monkeypatch):
    from app.domain import limits

    monkeypatch.setattr(limits, "MAX_NOTES_PER_GROUP_STAGE", 2)
    ws = running_workshop(client)
    alice = join(client, ws["code"], "1G")["token"]
    first = post_note(client, alice, ws["id"], "shared_issues", "一")
    post_note(client, alice, ws["id"], "shared_issues", "二")
    body = {"stage": "shared_issues", "text": "三"}
    url = f"/api/v1/workshops/{ws['id']}/notes"
    assert client.post(url, json=body, headers=bearer(alice)).status_code == 409
    # Deleting one makes room again: the tally went down with the delete.
    client.delete(f"{url}/{first['id']}", headers=bearer(alice))
    assert client.post(url, json=body, headers=bearer(alice)).status_code == 201


@BACKENDS
def test_a_start_that_finds_the_triggers_missing_puts_them_back_and_recounts(client, settings):
    ws = running_workshop(client)
    alice = join(client, ws["code"], "1G")["token"]
    post_note(client, alice, ws["id"], "shared_issues", "数える前")
    with client.app.state.db.write_session() as session:
        # As a migration that copies the note table would leave it.
        note_tally.uninstall(session.connection())
        session.commit()
    post_note(client, alice, ws["id"], "shared_issues", "誰も数えない")
    with client.app.state.db.read_session() as session:
        assert tallied(session) != counted(session)

    with TestClient(create_app(settings)) as restarted:
        assert sorted(assert_tallies_count_the_notes(restarted).values()) == [2]
        post_note(restarted, alice, ws["id"], "shared_issues", "また数える")
        assert sorted(assert_tallies_count_the_notes(restarted).values()) == [3]
