"""Hidden until reveal, and moderation: hidden text never leaves the server for participants."""

from __future__ import annotations

import pytest

from app.web.fragments import API_PARTICIPANT
from tests.factories import join, post_note
from tests.sorting_factories import api, running_workshop, subscriber_events

SECRET = "まだ秘密のメモ"


@pytest.fixture
def hidden(client):
    ws = running_workshop(client)
    hide = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/stages/shared_issues/reveal",
        json={"hidden": True},
    )
    assert hide.status_code == 200 and hide.json()["hidden"] is True
    author = join(client, ws["code"], "1G", name="作者")
    reader = join(client, ws["code"], "1G", name="読者")
    ws["author"], ws["reader"] = author, reader
    ws["secret"] = post_note(client, author["token"], ws["id"], "shared_issues", SECRET)
    ws["own"] = post_note(client, reader["token"], ws["id"], "shared_issues", "読者のメモ")
    return ws


def _everything_a_participant_can_read(client, ws, participant) -> str:
    client.cookies.clear()
    client.cookies.set(f"fusen_p{ws['id']}", participant["token"])
    parts = [
        client.get(f"/w/{ws['id']}/p").text,
        client.get(f"/w/{ws['id']}/p/live").text,
        client.get(f"/w/{ws['id']}/p/mine").text,
        api(client, participant["token"], "GET", f"/workshops/{ws['id']}").text,
    ]
    group_id = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()["groups"][0]["id"]
    parts += [data for _, data in subscriber_events(client, ws["id"], kind=API_PARTICIPANT)]
    parts += [
        data for _, data in subscriber_events(client, ws["id"], kind="phone", group_id=group_id)
    ]
    client.cookies.clear()
    return "\n".join(parts)


def test_hidden_notes_never_reach_another_participant(client, hidden):
    seen = _everything_a_participant_can_read(client, hidden, hidden["reader"])
    assert SECRET not in seen
    assert "読者のメモ" in seen  # their own note they do see
    snapshot = api(client, hidden["reader"]["token"], "GET", f"/workshops/{hidden['id']}").json()
    theirs = next(n for n in snapshot["notes"] if n["id"] == hidden["secret"]["id"])
    assert theirs["hidden"] is True and theirs["text"] == "" and theirs["name"] == ""


def test_the_author_sees_their_own_hidden_note(client, hidden):
    seen = _everything_a_participant_can_read(client, hidden, hidden["author"])
    assert SECRET in seen


def test_board_shows_only_counts_while_hidden(client, hidden):
    group_id = api(client, hidden["staff"], "GET", f"/workshops/{hidden['id']}").json()["groups"][
        0
    ]["id"]
    board = "\n".join(data for _, data in subscriber_events(client, hidden["id"], kind="board"))
    assert SECRET not in board
    assert "2 notes, hidden until the reveal" in board
    assert group_id


def test_reveal_shows_the_notes_to_everyone_and_in_the_stream(client, hidden):
    before = api(client, hidden["staff"], "GET", f"/workshops/{hidden['id']}").json()["last_seq"]
    api(
        client,
        hidden["staff"],
        "PUT",
        f"/workshops/{hidden['id']}/stages/shared_issues/reveal",
        json={"hidden": False},
    )
    seen = _everything_a_participant_can_read(client, hidden, hidden["reader"])
    assert SECRET in seen
    events = subscriber_events(client, hidden["id"], kind=API_PARTICIPANT, after=before)
    assert [e for e, _ in events] == ["stage.revealed"]
    assert SECRET in events[0][1]


def test_moderated_note_disappears_for_participants_and_comes_back_on_restore(client):
    ws = running_workshop(client)
    author = join(client, ws["code"], "1G")
    reader = join(client, ws["code"], "1G")
    rude = post_note(client, author["token"], ws["id"], "shared_issues", "不適切な書き込み")
    hide = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/notes/{rude['id']}/moderation",
        json={"moderated": True},
    )
    assert hide.json() == {"id": rude["id"], "moderated": True}
    seen = _everything_a_participant_can_read(client, ws, reader)
    assert "不適切な書き込み" not in seen
    staff_view = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()
    assert next(n for n in staff_view["notes"] if n["id"] == rude["id"])["moderated"] is True
    api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/notes/{rude['id']}/moderation",
        json={"moderated": False},
    )
    assert "不適切な書き込み" in _everything_a_participant_can_read(client, ws, reader)
