"""Closing, retention and purging: personal data goes, the anonymous counts stay."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from app.cli import main as cli_main
from app.domain import audit, retention, workshops
from app.models import Event, Note, Participant
from tests.factories import (
    bearer,
    form_post,
    join,
    login,
    make_workshop,
    open_stage,
    post_note,
    staff_token,
)


def _workshop_with_notes(client):  # type: ignore[no-untyped-def]
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    alice = join(client, workshop["join_code"], "1G", name="山田花子", organization="社協")
    bob = join(client, workshop["join_code"], "2G", name="Bob", organization="NPO")
    post_note(client, alice["token"], workshop["id"], "strengths", "見守り活動が続いている")
    post_note(client, alice["token"], workshop["id"], "strengths", "顔の見える関係")
    post_note(client, bob["token"], workshop["id"], "strengths", "Volunteers")
    return token, workshop, alice


def test_purge_removes_personal_data_and_keeps_the_counts(client):
    token, workshop, alice = _workshop_with_notes(client)
    db = client.app.state.db
    with db.read_session() as session:
        before = retention.counts(session, workshop["id"])
    assert before.participants == 2
    assert before.notes == {("1G", "strengths"): 2, ("2G", "strengths"): 1}
    login(client)
    wid = workshop["id"]
    assert form_post(client, f"/admin/workshops/{wid}/purge").status_code == 409
    assert form_post(client, f"/admin/workshops/{wid}/close").status_code == 200
    assert form_post(client, f"/admin/workshops/{wid}/purge").status_code == 200
    with db.read_session() as session:
        after = retention.counts(session, wid)
        people = session.exec(select(Participant).where(Participant.workshop_id == wid)).all()
        texts = session.exec(select(Note.text).where(Note.workshop_id == wid)).all()
        payloads = session.exec(select(Event.payload).where(Event.workshop_id == wid)).all()
        entries = [e.action for e in audit.recent(session, workshop_id=wid)]
    assert after == before
    assert all(p.name == "" and p.organization == "" for p in people)
    assert set(texts) == {""}
    dump = "".join(payloads)
    assert "山田" not in dump and "見守り" not in dump and "Bob" not in dump
    assert {"workshop.close", "workshop.purge"} <= set(entries)
    # The phone's old token no longer opens anything.
    gone = client.get(f"/api/v1/workshops/{wid}", headers=bearer(alice["token"]))
    assert gone.status_code == 401
    page = client.get(f"/admin/workshops/{wid}")
    assert "Purged at" in page.text


def test_closed_workshop_refuses_its_join_code(client):
    _token, workshop, _alice = _workshop_with_notes(client)
    login(client)
    form_post(client, f"/admin/workshops/{workshop['id']}/close")
    response = client.post("/api/v1/join", json={"code": workshop["join_code"], "group": "1G"})
    assert response.status_code == 404


def test_scheduled_purge_takes_only_workshops_past_their_retention(client, settings, monkeypatch):
    _token, old, _ = _workshop_with_notes(client)
    _token, recent, _ = _workshop_with_notes(client)
    _token, kept_longer, _ = _workshop_with_notes(client)
    db = client.app.state.db
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.retention_days + 1)
    with db.write_session() as session:
        for item in (old, recent, kept_longer):
            retention.close_workshop(session=session, workshop=workshops.get(session, item["id"]))
        for item in (old, kept_longer):
            row = retention._row(session, item["id"])
            row.closed_at = long_ago
            session.add(row)
        retention.set_days(
            session=session, workshop=workshops.get(session, kept_longer["id"]), days=1000
        )
        session.commit()
    import app.cli_admin as cli_admin

    monkeypatch.setattr(cli_admin, "get_settings", lambda: settings)
    assert cli_main(["purge"]) == 0
    with db.read_session() as session:
        names = {
            wid: session.exec(select(Participant.name).where(Participant.workshop_id == wid)).all()
            for wid in (old["id"], recent["id"], kept_longer["id"])
        }
    assert set(names[old["id"]]) == {""}
    assert "山田花子" in names[recent["id"]]
    assert "山田花子" in names[kept_longer["id"]]


def test_retention_days_are_validated_and_audited(client):
    _token, workshop, _ = _workshop_with_notes(client)
    login(client)
    url = f"/admin/workshops/{workshop['id']}/retention"
    assert form_post(client, url, {"days": "0"}).status_code == 422
    assert form_post(client, url, {"days": "abc"}).status_code == 422
    assert form_post(client, url, {"days": "30"}).status_code == 200
    with client.app.state.db.read_session() as session:
        state = retention.info(session, workshops.get(session, workshop["id"]), default_days=90)
        assert state.days == 30 and not state.uses_default
    page = client.get("/admin/audit")
    assert "workshop.retention" in page.text


def test_purge_clears_questions_answers_comments_and_feedback_but_keeps_ratings(client):
    from app.models import Answer, Comment, Feedback, Question

    token, workshop, alice = _workshop_with_notes(client)
    wid = workshop["id"]
    auth = bearer(token)
    asked = client.post(
        f"/api/v1/workshops/{wid}/questions",
        json={"text": "連携の秘訣は？", "organization": "水戸市"},
        headers=auth,
    )
    assert asked.status_code == 201, asked.text
    qid = asked.json()["id"]
    assert (
        client.post(
            f"/api/v1/workshops/{wid}/questions/{qid}/answers",
            json={"organization": "守谷市", "text": "地域担当職員制度"},
            headers=auth,
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/workshops/{wid}/comments",
            json={"role": "advisor", "name": "長谷川", "text": "ヒトを磨くこと"},
            headers=auth,
        ).status_code
        == 201
    )
    db = client.app.state.db
    with db.write_session() as session:
        session.add(
            Feedback(
                workshop_id=wid, participant_id=alice["participant_id"], text="楽しかった", rating=5
            )
        )
        session.commit()
    login(client)
    assert form_post(client, f"/admin/workshops/{wid}/close").status_code == 200
    assert form_post(client, f"/admin/workshops/{wid}/purge").status_code == 200
    with db.read_session() as session:
        question = session.exec(select(Question).where(Question.workshop_id == wid)).one()
        answer = session.exec(select(Answer).where(Answer.question_id == question.id)).one()
        comment = session.exec(select(Comment).where(Comment.workshop_id == wid)).one()
        feedback = session.exec(select(Feedback).where(Feedback.workshop_id == wid)).one()
    assert (question.text, question.organization) == ("", "")
    assert (answer.text, answer.organization) == ("", "")
    assert (comment.text, comment.name) == ("", "")
    assert feedback.text == ""
    assert feedback.rating == 5
