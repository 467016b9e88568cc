"""The write path of a note stays short: a bounded number of SQL statements, one transaction
holding the write lock, and an answer built from what was written (nothing read back after it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from app.live import events
from tests.factories import bearer, form_post, join, post_note
from tests.sorting_factories import running_workshop

# BEGIN, the workshop with whoever holds the token, (client id already used?), seq
# UPDATE (with the closed check), one SELECT of stage+controls+group with every count the caps
# compare (three counts, the workshop's own cap, the poster's own notes), INSERT note, INSERT event.
# A facilitator's verified token names an account, read with the workshop the same way.
API_POST_STATEMENTS = 7
# The phone form reads the workshop with the participant of its cookie, as the API does.
PHONE_POST_WRITE_STATEMENTS = 7


@contextmanager
def recorded(client) -> Iterator[list[str]]:
    """Every SQL statement the app runs, and ``COMMIT`` where a transaction ends."""
    engine = client.app.state.db.engine
    log: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        log.append(" ".join(statement.split()))

    def on_commit(conn) -> None:
        log.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def _write_transaction(log: list[str]) -> tuple[list[str], list[str]]:
    """The statements of the one write transaction, and whatever ran after its commit."""
    start = log.index("BEGIN IMMEDIATE")
    end = log.index("COMMIT", start)
    return log[start:end], log[end + 1 :]


def test_api_note_post_runs_a_bounded_number_of_statements(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G", name="佐藤", organization="社協")
    note_id = str(uuid.uuid4())
    with recorded(client) as log:
        response = client.post(
            f"/api/v1/workshops/{ws['id']}/notes",
            headers=bearer(member["token"]),
            json={"id": note_id, "stage": "shared_issues", "text": "  送迎が足りない  "},
        )
    assert response.status_code == 201, response.text
    assert len(log) - log.count("COMMIT") <= API_POST_STATEMENTS, log
    written, after = _write_transaction(log)
    assert after == [], "the answer must come from what was written, not a second read"
    assert sum(s.startswith("INSERT INTO note ") for s in written) == 1
    assert sum(s.startswith("INSERT INTO event ") for s in written) == 1
    assert sum(s.startswith("UPDATE workshop ") for s in written) == 1
    assert not any(s.startswith("UPDATE note ") for s in written)

    # The answer is the note as every later read shows it.
    answered = response.json()
    snapshot = client.get(f"/api/v1/workshops/{ws['id']}", headers=bearer(ws["staff"])).json()
    stored = next(n for n in snapshot["notes"] if n["id"] == note_id)
    for key in ("id", "stage", "group", "text", "name", "organization", "participant_id"):
        assert answered[key] == stored[key], key
    assert answered["text"] == "送迎が足りない"
    assert answered["group"] == "1G"
    assert answered["name"] == "佐藤"


def test_staff_post_by_group_name_runs_a_bounded_number_of_statements(client):
    ws = running_workshop(client)
    with recorded(client) as log:
        note = post_note(client, ws["staff"], ws["id"], "shared_issues", "紙の付箋", group="2G")
    assert note["group"] == "2G"
    # No client id is given here, so there is nothing to look up for it.
    assert len(log) - log.count("COMMIT") <= API_POST_STATEMENTS - 1, log
    assert _write_transaction(log)[1] == []


def test_a_retried_post_reads_and_writes_nothing_more(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")
    body = {"id": str(uuid.uuid4()), "stage": "shared_issues", "text": "一度だけ"}
    url = f"/api/v1/workshops/{ws['id']}/notes"
    first = client.post(url, headers=bearer(member["token"]), json=body)
    with recorded(client) as log:
        again = client.post(url, headers=bearer(member["token"]), json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert not any(s.startswith(("INSERT", "UPDATE")) for s in log), log


def test_phone_form_post_holds_the_write_lock_only_for_the_write(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")
    client.cookies.set(f"fusen_p{ws['id']}", member["token"])
    with recorded(client) as log:
        response = form_post(
            client,
            f"/w/{ws['id']}/p/notes",
            {"text": "電話の付箋", "stage": "shared_issues", "id": str(uuid.uuid4())},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200, response.text
    assert "電話の付箋" in response.text
    written, after = _write_transaction(log)
    assert len(written) <= PHONE_POST_WRITE_STATEMENTS, written
    # The list it answers with is read without the write lock, and nothing is written then.
    assert "BEGIN IMMEDIATE" not in after
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in after)


def test_api_note_post_wakes_the_streams_once_with_its_seq(client, monkeypatch):
    """The event goes in as a plain INSERT; the wake-up still leaves after the commit."""
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")
    woken = []
    monkeypatch.setattr(client.app.state.bus, "publish", woken.append)
    response = client.post(
        f"/api/v1/workshops/{ws['id']}/notes",
        headers=bearer(member["token"]),
        json={"stage": "shared_issues", "text": "起こす"},
    )
    assert response.status_code == 201, response.text
    with client.app.state.db.read_session() as session:
        newest = events.last_seq(session, ws["id"])
        logged = events.read_after(session, workshop_id=ws["id"], after=newest - 1, limit=1)
    assert [(w.workshop_id, w.seq) for w in woken] == [(ws["id"], newest)]
    assert logged[0].type == events.NOTE_CREATED
    assert events.payload_of(logged[0])["note"] == response.json()
