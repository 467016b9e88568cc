"""An import cannot hurt others: other workshops keep writing, and hostile archives are refused."""

from __future__ import annotations

import json

import httpx
from sqlmodel import select

from app.models import Participant, Question, Workshop
from tests.factories import bearer, staff_token
from tests.web.import_load import big_archive, p99, post_while_importing

# The full 50,000-note figure comes from bench/import_under_load.py; the suite uses fewer notes,
# still enough for the import to take several times the one-second budget (several chunks).
SUITE_NOTES = 8000


def test_other_workshops_keep_posting_while_a_large_archive_is_imported(live_server):
    run = post_while_importing(live_server.url, live_server.staff_token(), big_archive(SUITE_NOTES))
    imported, waits = run.imported, run.waits
    assert imported.status_code == 201, imported.text
    assert len(waits) >= 5, "the import finished before the other workshop posted"
    assert p99(waits) <= 1.0, f"p99 {p99(waits):.2f} s, max {max(waits):.2f} s"
    staff = {"Authorization": f"Bearer {live_server.staff_token()}"}
    snapshot = httpx.get(
        f"{live_server.url}/api/v1/workshops/{imported.json()['id']}", headers=staff
    ).json()
    assert len(snapshot["notes"]) == SUITE_NOTES


def _archive(**extra) -> dict:
    return {
        "kind": "fusen-workshop-archive",
        "version": 1,
        "workshop": {"title": "取り込み"},
        "stages": [{"key": "one", "label": "①"}],
        "groups": ["1G"],
        **extra,
    }


def test_imported_text_is_cleaned_like_typed_text(client):
    token = staff_token(client)
    hostile = "山田\x00\x07\u202e太郎"
    raw = json.dumps(
        _archive(
            workshop={"title": "会議\x00\u202e録"},
            participants=[{"ref": "p1", "group": "1G", "name": hostile, "organization": hostile}],
            notes=[{"ref": "n1", "stage": "one", "group": "1G", "text": "意見\x07\n二行目"}],
            questions=[{"text": "質問\x00です\u202e", "organization": hostile}],
        )
    ).encode()
    response = client.post("/api/v1/workshops/import", content=raw, headers=bearer(token))
    assert response.status_code == 201, response.text
    with client.app.state.db.read_session() as session:
        workshop = session.get(Workshop, response.json()["id"])
        person = session.exec(
            select(Participant).where(Participant.workshop_id == workshop.id)
        ).one()
        question = session.exec(select(Question).where(Question.workshop_id == workshop.id)).one()
    assert workshop.title == "会議録"
    assert (person.name, person.organization) == ("山田太郎", "山田太郎")
    assert (question.text, question.organization) == ("質問です", "山田太郎")
    for fmt in ("xlsx", "docx"):
        report = client.get(f"/api/v1/workshops/{workshop.id}/report.{fmt}", headers=bearer(token))
        assert report.status_code == 200, fmt


def test_deeply_nested_archive_is_refused_with_a_reason(client):
    token = staff_token(client)
    raw = b'{"kind": "fusen-workshop-archive", "version": 1, "details": ' + b"[" * 100_000
    raw += b"]" * 100_000 + b"}"
    response = client.post("/api/v1/workshops/import", content=raw, headers=bearer(token))
    assert response.status_code == 422
    assert "nested too deeply" in response.json()["detail"]


def test_an_archive_naming_an_unknown_participant_writes_nothing(client):
    token = staff_token(client)
    raw = json.dumps(
        _archive(
            notes=[{"ref": "n1", "stage": "one", "group": "1G", "text": "x", "participant": "p9"}]
        )
    ).encode()
    with client.app.state.db.read_session() as session:
        before = len(session.exec(select(Workshop.id)).all())
    response = client.post("/api/v1/workshops/import", content=raw, headers=bearer(token))
    assert response.status_code == 422
    assert "unknown participant" in response.json()["detail"]
    with client.app.state.db.read_session() as session:
        assert len(session.exec(select(Workshop.id)).all()) == before
