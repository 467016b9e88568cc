"""Q&A and feedback stages speak: questions on the board, a confirmation on the phone, and the
built-in formats that contain them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.domain import formats
from app.live import events
from app.live.hub import Audience
from tests.factories import form_post, join, make_workshop, open_stage, staff_token
from tests.html_tree import parse
from tests.sorting_factories import sign_in_staff


def _full_meeting(client: TestClient) -> dict:
    token = staff_token(client)
    created = make_workshop(client, token, format="open-meeting-full", groups=["1G", "2G"])
    return {"id": created["id"], "code": created["join_code"], "staff": token}


def _phone(client: TestClient, ws: dict, **joined) -> tuple[TestClient, dict]:
    member = join(client, ws["code"], "1G", **joined)
    phone = TestClient(client.app, headers={"Accept-Language": "en"})
    phone.cookies.set(f"fusen_p{ws['id']}", member["token"])
    return phone, member


def test_open_meeting_full_follows_the_whole_programme():
    full = formats.get_format("open-meeting-full")
    assert [s.key for s in full.stages] == [
        "strengths",
        "shared_issues",
        "hard_problems",
        "presentations",
        "qa",
        "comments",
        "feedback",
    ]
    assert [s.kind for s in full.stages if s.kind != "post"] == ["select", "qa", "feedback"]
    review = formats.get_format("review-feedback")
    assert review.stages[-1].kind == "feedback"
    assert [s.key for s in review.stages[:5]] == [s.key for s in formats.REVIEW_STAGES]


def test_question_from_a_phone_shows_on_the_board_and_the_phone_confirms_it(client):
    ws = _full_meeting(client)
    open_stage(client, ws["staff"], ws["id"], "qa")
    phone, _member = _phone(client, ws, name="佐藤", organization="牛久市社協")

    home = parse(phone.get(f"/w/{ws['id']}/p").text)
    org = home.by_id("question-org")
    assert org.attrs["value"] == "牛久市社協"  # pre-filled from the join
    assert "hidden" in home.by_id("post-form").attrs  # no note form during Q&A
    assert not home.by_class("empty")  # and no "be the first to post a note"

    sent = form_post(
        phone,
        f"/w/{ws['id']}/p/questions",
        {"text": "<i>連携の</i>コツは？", "organization": "牛久市社協"},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 200, sent.text
    region = parse(sent.text)
    confirmation = region.by_testid("sent-confirmation")
    assert confirmation.text().startswith("✓ Sent")
    assert confirmation.find(lambda e: e.tag == "blockquote").text() == "<i>連携の</i>コツは？"
    assert not region.find(lambda e: e.tag == "i")  # escaped

    sign_in_staff(client)
    board = parse(client.get(f"/w/{ws['id']}/board").text)
    questions = board.by_id("board-questions")
    assert questions is not None
    assert [q.by_class("question-text")[0].text() for q in questions.by_class("question")] == [
        "<i>連携の</i>コツは？"
    ]
    assert not board.by_class("columns")  # no empty note columns with drop zones


def test_a_question_event_redraws_the_board_questions(client):
    ws = _full_meeting(client)
    open_stage(client, ws["staff"], ws["id"], "qa")
    phone, _member = _phone(client, ws)
    form_post(phone, f"/w/{ws['id']}/p/questions", {"text": "予算は？"})
    renderer = client.app.state.hub.render
    board = Audience(kind="board", locale="en")
    with client.app.state.db.read_session() as session:
        batch = events.read_after(session, workshop_id=ws["id"], after=0, limit=100)
        asked = [e for e in batch if e.type == "question.asked"]
        messages = renderer(session, asked, [board])[board]
    assert len(messages) == 1
    data = "\n".join(
        line[len("data: ") :]
        for line in messages[0][1].decode().splitlines()
        if line.startswith("data: ")
    )
    patch = parse(data).by_id("board-questions")
    assert patch.attrs["hx-swap-oob"] == "true"
    assert "予算は？" in patch.text()


def test_feedback_without_javascript_shows_the_phone_page_with_what_was_sent(client):
    ws = _full_meeting(client)
    open_stage(client, ws["staff"], ws["id"], "feedback")
    phone, _member = _phone(client, ws)
    sent = form_post(phone, f"/w/{ws['id']}/p/feedback", {"text": "学びが多かった", "rating": "5"})
    assert sent.status_code == 200
    page = parse(sent.text)
    confirmation = page.by_testid("sent-confirmation")
    assert "5 / 5" in confirmation.text()
    assert confirmation.find(lambda e: e.tag == "blockquote").text() == "学びが多かった"
    sign_in_staff(client)
    board = parse(client.get(f"/w/{ws['id']}/board").text)
    assert board.by_id("board-feedback").by_class("feedback-count")[0].text() == (
        "1 person has sent feedback."
    )


def test_a_refused_note_redraws_the_phone_page_with_the_feedback_already_sent(client):
    """Every path that draws the phone page draws the same context: after a refusal, too, the
    feedback form still holds what this participant sent."""
    ws = _full_meeting(client)
    open_stage(client, ws["staff"], ws["id"], "feedback")
    phone, _member = _phone(client, ws)
    form_post(phone, f"/w/{ws['id']}/p/feedback", {"text": "学びが多かった", "rating": "4"})
    refused = form_post(phone, f"/w/{ws['id']}/p/notes", {"text": "a note", "stage": "nope"})
    assert 400 <= refused.status_code < 500
    page = parse(refused.text)
    assert page.by_id("feedback-text").text() == "学びが多かった"
    checked = page.find(lambda e: e.tag == "input" and "checked" in e.attrs)
    assert checked is not None and checked.attrs["value"] == "4"
