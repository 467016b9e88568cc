"""The smaller things a facilitator meets in the room: closing, ended codes, times, records."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.main import create_app
from app.models import Event
from app.templating import format_local_time
from tests.factories import (
    bearer,
    form_post,
    join,
    login,
    make_workshop,
    open_stage,
    staff_token,
)
from tests.web.test_pages import parse


def _text(html: str) -> str:
    return " ".join("".join(parse(html).text).split())


@pytest.fixture
def created(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    return {**workshop, "staff": token}


def test_closing_asks_first_and_then_the_code_says_the_workshop_ended(client, created):
    login(client)
    wid = created["id"]
    page = client.get(f"/admin/workshops/{wid}")
    # No form on the workshop page closes it in one click: it links to a confirmation.
    close_path = f"/admin/workshops/{wid}/close"
    assert not [f for f in parse(page.text).find("form") if f.get("action") == close_path]
    assert [a for a in parse(page.text).find("a") if a.get("href") == close_path]
    confirm = client.get(close_path)
    assert confirm.status_code == 200
    assert [f for f in parse(confirm.text).find("form") if f.get("action") == close_path]
    assert "cannot be undone" in _text(confirm.text)
    assert form_post(client, close_path, follow_redirects=False).status_code == 303

    for response in (
        client.get(f"/join?code={created['join_code']}"),
        client.get(f"/j/{created['join_code']}"),
        client.post("/api/v1/join", json={"code": created["join_code"], "group": "1G"}),
    ):
        assert response.status_code == 404
        assert "This workshop has ended" in response.text
    # The stage list no longer says the first stage is open.
    statuses = [
        a["class"]
        for a in parse(client.get(f"/admin/workshops/{wid}").text).find("span")
        if "stage-status" in (a.get("class") or "")
    ]
    assert statuses and "stage-status status-open" not in statuses
    assert "stage-status status-ended" in statuses


def test_a_wrong_code_is_reported_once(client):
    response = client.get("/join?code=WRONG-CODE")
    assert response.status_code == 404
    assert _text(response.text).count("No workshop has this code") == 1


def test_times_are_shown_in_the_workshops_zone(client, created):
    login(client)
    form_post(client, f"/admin/workshops/{created['id']}/close")
    page = _text(client.get(f"/admin/workshops/{created['id']}").text)
    shown = re.search(r"Closed at\s*(\d{4}-\d\d-\d\d \d\d:\d\d) ([A-Z]{3})", page)
    assert shown and shown.group(2) == "JST"
    stamp = dt.datetime.strptime(shown.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
    now_in_tokyo = dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)
    assert abs((now_in_tokyo.replace(tzinfo=dt.UTC) - stamp).total_seconds()) < 180
    assert " UTC" not in page


def test_the_time_zone_filter_takes_utc_and_any_zone():
    from zoneinfo import ZoneInfo

    noon_utc = dt.datetime(2017, 9, 13, 3, 0, tzinfo=dt.UTC)
    assert format_local_time(noon_utc, ZoneInfo("Asia/Tokyo")) == "2017-09-13 12:00 JST"
    assert format_local_time(noon_utc.replace(tzinfo=None), ZoneInfo("UTC")) == (
        "2017-09-13 03:00 UTC"
    )
    assert format_local_time(None, ZoneInfo("UTC")) == ""


def test_fusen_timezone_chooses_the_zone(settings):
    app = create_app(settings.model_copy(update={"timezone": "UTC"}))
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        token = staff_token(client)
        wid = make_workshop(client, token)["id"]
        login(client)
        form_post(client, f"/admin/workshops/{wid}/close")
        assert re.search(
            r"Closed at\s*\S+ \S+ UTC", _text(client.get(f"/admin/workshops/{wid}").text)
        )


def test_stage_kinds_and_format_names_read_right_in_japanese(client, created):
    login(client)
    ja = {"Accept-Language": "ja"}
    page = _text(client.get(f"/admin/workshops/{created['id']}", headers=ja).text)
    assert "付箋の枚数" not in page
    formats = client.get("/admin/formats", headers=ja)
    headers = [t for t in re.findall(r"<th>(.*?)</th>", formats.text)]
    assert headers[0] == "名称"


def test_a_recorder_without_a_name_is_still_named_on_the_board(client, created):
    member = join(client, created["join_code"], "1G")
    response = client.put(
        f"/api/v1/workshops/{created['id']}/participants/{member['participant_id']}/role",
        json={"role": "recorder"},
        headers=bearer(created["staff"]),
    )
    assert response.status_code == 200
    login(client)
    page = _text(client.get(f"/w/{created['id']}/board").text)
    assert "Recorder: (no name)" in page


def _events(client, workshop_id: int) -> list[str]:
    with client.app.state.db.read_session() as session:
        rows = session.exec(select(Event).where(Event.workshop_id == workshop_id)).all()
        return [row.type for row in rows]


def test_answers_and_comments_are_corrected_and_removed_through_the_api(client, created):
    token, wid = created["staff"], created["id"]
    base = f"/api/v1/workshops/{wid}"
    qid = client.post(f"{base}/questions", json={"text": "Q"}, headers=bearer(token)).json()["id"]
    aid = client.post(
        f"{base}/questions/{qid}/answers",
        json={"organization": "守谷", "text": "typo"},
        headers=bearer(token),
    ).json()["id"]
    edited = client.patch(
        f"{base}/answers/{aid}",
        json={"organization": "守谷市", "text": "担当制度"},
        headers=bearer(token),
    )
    assert edited.status_code == 200
    assert edited.json()["answers"] == [{"id": aid, "organization": "守谷市", "text": "担当制度"}]
    assert client.delete(f"{base}/answers/{aid}", headers=bearer(token)).json()["answers"] == []
    assert client.delete(f"{base}/answers/{aid}", headers=bearer(token)).status_code == 404

    cid = client.post(
        f"{base}/comments",
        json={"role": "advisor", "name": "鈴木", "text": "t"},
        headers=bearer(token),
    ).json()["id"]
    patched = client.patch(
        f"{base}/comments/{cid}",
        json={"role": "presenter", "name": "鈴木", "organization": "大学", "text": "講評"},
        headers=bearer(token),
    )
    assert patched.status_code == 200 and patched.json()["role"] == "presenter"
    empty = client.patch(
        f"{base}/comments/{cid}",
        json={"role": "advisor", "name": "", "text": "x"},
        headers=bearer(token),
    )
    assert empty.status_code == 422
    assert client.delete(f"{base}/comments/{cid}", headers=bearer(token)).status_code == 204
    records = client.get(f"{base}/records", headers=bearer(token)).json()
    assert records["comments"] == [] and records["questions"][0]["answers"] == []
    types = _events(client, wid)
    assert types.count("question.updated") == 2
    assert {"comment.updated", "comment.deleted"} <= set(types)


def test_another_workshops_answer_or_comment_is_not_found(client, created):
    token = created["staff"]
    other = make_workshop(client, token)["id"]
    base = f"/api/v1/workshops/{created['id']}"
    qid = client.post(f"{base}/questions", json={"text": "Q"}, headers=bearer(token)).json()["id"]
    aid = client.post(
        f"{base}/questions/{qid}/answers", json={"text": "A"}, headers=bearer(token)
    ).json()["id"]
    cid = client.post(
        f"{base}/comments",
        json={"role": "advisor", "name": "n", "text": "t"},
        headers=bearer(token),
    ).json()["id"]
    elsewhere = f"/api/v1/workshops/{other}"
    assert client.delete(f"{elsewhere}/answers/{aid}", headers=bearer(token)).status_code == 404
    assert client.delete(f"{elsewhere}/comments/{cid}", headers=bearer(token)).status_code == 404
    assert client.delete(f"{base}/answers/99999999999", headers=bearer(token)).status_code == 422


def test_the_records_page_edits_and_deletes_answers_and_comments(client, created):
    token, wid = created["staff"], created["id"]
    base = f"/api/v1/workshops/{wid}"
    qid = client.post(f"{base}/questions", json={"text": "Q"}, headers=bearer(token)).json()["id"]
    aid = client.post(
        f"{base}/questions/{qid}/answers", json={"text": "old answer"}, headers=bearer(token)
    ).json()["id"]
    cid = client.post(
        f"{base}/comments",
        json={"role": "advisor", "name": "n", "text": "old comment"},
        headers=bearer(token),
    ).json()["id"]
    login(client)
    pages = f"/admin/workshops/{wid}/records"
    page = client.get(pages)
    actions = {f.get("action") for f in parse(page.text).find("form")}
    assert {
        f"{pages}/answers/{aid}",
        f"{pages}/answers/{aid}/delete",
        f"{pages}/comments/{cid}",
        f"{pages}/comments/{cid}/delete",
    } <= actions
    saved = form_post(
        client,
        f"{pages}/answers/{aid}",
        {"organization": "市", "text": "new answer"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#q{qid}")
    refused = form_post(
        client, f"{pages}/comments/{cid}", {"role": "advisor", "name": "", "text": "x"}
    )
    assert refused.status_code == 422
    form_post(
        client, f"{pages}/comments/{cid}", {"role": "advisor", "name": "n", "text": "new comment"}
    )
    text = _text(client.get(pages).text)
    assert "new answer" in text and "new comment" in text and "old answer" not in text
    form_post(client, f"{pages}/answers/{aid}/delete")
    form_post(client, f"{pages}/comments/{cid}/delete")
    text = _text(client.get(pages).text)
    assert "new answer" not in text and "new comment" not in text
