"""The secretariat's pages, the facilitator's records page and the phone's Q&A and feedback."""

from __future__ import annotations

import io
import json

import lxml.html
import pytest

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

STAGES = [
    {"key": "talk", "label": "話し合い"},
    {"key": "qa", "label": "質疑応答", "kind": "qa", "scope": "plenary"},
    {"key": "feedback", "label": "感想", "kind": "feedback", "scope": "plenary"},
]


def page(response):
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


@pytest.fixture
def running(client):
    token = staff_token(client)
    created = make_workshop(
        client,
        token,
        title="<b>研究会</b>",
        stages=STAGES,
        format=None,
        groups=["1G"],
        date="2017-09-13",
    )
    open_stage(client, token, created["id"], "talk")
    member = join(client, created["join_code"], "1G", name="佐藤", organization="牛久市社協")
    post_note(client, member["token"], created["id"], "talk", "=1+1 つながり")
    login(client)
    return token, created, member


def test_reports_page_lists_workshops_with_counts_and_a_download_per_format(client, running):
    _token, created, _member = running
    tree = page(client.get("/admin/reports"))
    row = tree.xpath("//tbody/tr")[0]
    cells = [cell.text_content().strip() for cell in row.xpath("td")]
    assert cells[1] == "<b>研究会</b>"  # escaped, shown as typed
    assert cells[2] == "live" and cells[3] == "1" and cells[4] == "1"
    links = [a.get("href") for a in row.xpath(".//a[@download]")]
    assert sorted(link.rsplit(".", 1)[1] for link in links) == sorted(
        ["docx", "xlsx", "pdf", "csv", "html", "md", "json"]
    )
    for link in links:
        assert client.get(link).status_code == 200, link


def test_csv_downloaded_mid_session_from_the_page_has_the_note_so_far(client, running):
    _token, created, _member = running
    response = client.get(f"/admin/workshops/{created['id']}/report.csv")
    text = response.content.decode("utf-8-sig")
    assert "'=1+1 つながり" in text


def test_print_view_is_inline_with_its_own_style_policy(client, running):
    _token, created, _member = running
    response = client.get(f"/admin/workshops/{created['id']}/print")
    assert response.headers["content-disposition"].startswith("inline;")
    assert "style-src 'unsafe-inline'" in response.headers["content-security-policy"]
    assert "script-src" not in response.headers["content-security-policy"]


def test_details_form_saves_and_shows_a_readable_error_without_losing_input(client, running):
    _token, created, _member = running
    url = f"/admin/workshops/{created['id']}/report"
    form = page(client.get(url)).xpath("//form[.//textarea[@name='steps']]")[0]
    assert form.xpath(".//textarea[@name='steps']")[0].text == "話し合い\n質疑応答\n感想"
    saved = form_post(
        client,
        url,
        data={
            "title": "研究会",
            "date": "2017-09-13",
            "venue": "茨城県立健康プラザ",
            "organizations": "日立市、笠間市",
            "participant_count": "30",
            "role_role": ["facilitator", ""],
            "role_organization": ["那珂市社協", ""],
            "role_names": ["浅野", ""],
            "purpose": "課題を共有する。",
            "steps": "自己紹介\nグループ発表",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    details = client.get(
        f"/api/v1/workshops/{created['id']}/records", headers=bearer(_token)
    ).json()
    assert details["organizations"] == ["日立市", "笠間市"]
    assert details["participant_count"] == 30
    assert details["roles"] == [
        {"role": "facilitator", "names": ["浅野"], "organization": "那珂市社協"}
    ]
    assert details["steps"] == ["自己紹介", "グループ発表"]
    refused = form_post(
        client, url, data={"title": "研究会", "purpose": "ね" * 2001, "theme": "残す"}
    )
    assert refused.status_code == 422
    tree = page(refused)
    assert "at most 2000" in tree.xpath("//*[@id='form-error']")[0].text_content()
    assert tree.xpath("//textarea[@name='theme']")[0].text == "残す"


def test_records_page_adds_a_question_an_answer_and_a_comment(client, running):
    _token, created, _member = running
    base = f"/admin/workshops/{created['id']}/records"
    assert (
        form_post(
            client,
            f"{base}/questions",
            data={"text": "連携は？", "organization": "日立市"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    tree = page(client.get(base))
    answer_form = tree.xpath("//li[starts-with(@id, 'q')]//form")[0]
    response = form_post(
        client,
        answer_form.get("action"),
        data={"organization": "守谷市", "text": "制度がある"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    response = form_post(
        client,
        f"{base}/comments",
        data={"role": "advisor", "name": "長谷川", "text": "ヒトを磨く"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    text = page(client.get(base)).text_content()
    assert "守谷市：" in text and "制度がある" in text and "ヒトを磨く" in text
    empty = form_post(
        client, f"{base}/comments", data={"role": "advisor", "name": "", "text": "残す文"}
    )
    assert empty.status_code == 422
    assert page(empty).xpath("//textarea[@name='text' and @id='c-text']")[0].text == "残す文"


def test_phone_shows_the_question_form_in_the_qa_stage_and_sends_a_question(client, running):
    token, created, member = running
    phone = client.__class__(client.app, headers={"Accept-Language": "ja"})
    phone.cookies.set(f"fusen_p{created['id']}", member["token"])
    home = f"/w/{created['id']}/p"
    assert page(phone.get(home)).xpath("//section[@id='phone-records']/form") == []
    open_stage(client, token, created["id"], "qa")
    tree = page(phone.get(home))
    form = tree.xpath("//section[@id='phone-records' and @data-kind='qa']/form")[0]
    assert form.xpath(".//input[@name='organization']")[0].get("value") == "牛久市社協"
    sent = form_post(
        phone,
        form.get("action"),
        data={"text": "質問です", "organization": "牛久市社協"},
        follow_redirects=False,
    )
    assert sent.status_code == 200  # the phone page again, saying what was sent
    confirmation = page(sent).xpath("//*[@data-testid='sent-confirmation']")[0]
    assert "送信しました" in confirmation.text_content()
    questions = client.get(
        f"/api/v1/workshops/{created['id']}/records", headers=bearer(token)
    ).json()["questions"]
    assert [(q["text"], q["organization"]) for q in questions] == [("質問です", "牛久市社協")]
    too_long = form_post(phone, form.get("action"), data={"text": "長" * 501})
    assert too_long.status_code == 422
    assert (
        page(too_long).xpath("//textarea[@name='text' and @id='question-text']")[0].text
        == "長" * 501
    )


def test_phone_sends_feedback_with_a_rating_and_sees_it_again(client, running):
    token, created, member = running
    phone = client.__class__(client.app, headers={"Accept-Language": "ja"})
    phone.cookies.set(f"fusen_p{created['id']}", member["token"])
    open_stage(client, token, created["id"], "feedback")
    url = f"/w/{created['id']}/p/feedback"
    sent = form_post(
        phone, url, data={"text": "学びが多かった", "rating": "4"}, follow_redirects=False
    )
    assert sent.status_code == 200
    assert "学びが多かった" in page(sent).xpath("//blockquote[@class='sent-text']")[0].text
    tree = page(phone.get(f"/w/{created['id']}/p"))
    assert tree.xpath("//input[@name='rating' and @checked]")[0].get("value") == "4"
    assert (
        tree.xpath("//textarea[@name='text' and @id='feedback-text']")[0].text == "学びが多かった"
    )
    assert form_post(phone, url, data={"rating": "9"}).status_code == 422


def test_admin_import_page_turns_an_archive_into_a_new_workshop(client, running):
    token, created, _member = running
    data = client.get(
        f"/api/v1/workshops/{created['id']}/report.json", headers=bearer(token)
    ).content
    response = form_post(
        client,
        "/admin/import",
        files={"file": ("report.json", io.BytesIO(data), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] != f"/admin/workshops/{created['id']}"
    broken = form_post(
        client, "/admin/import", files={"file": ("x.json", io.BytesIO(b"[]"), "application/json")}
    )
    assert broken.status_code == 422
    assert "not a Fusen archive" in page(broken).text_content()
    assert json.loads(data)["kind"] == "fusen-workshop-archive"


def test_pages_need_a_staff_login(client):
    for path in ("/admin/reports", "/admin/import"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/login" in response.headers["location"]


def test_phone_question_sent_by_htmx_confirms_what_was_sent_or_shows_just_the_reason(
    client, running
):
    token, created, member = running
    phone = client.__class__(client.app, headers={"Accept-Language": "en"})
    phone.cookies.set(f"fusen_p{created['id']}", member["token"])
    open_stage(client, token, created["id"], "qa")
    url = f"/w/{created['id']}/p/questions"
    sent = form_post(phone, url, {"text": "質問です"}, headers={"HX-Request": "true"})
    assert sent.status_code == 200
    region = page(sent)
    assert region.get("id") == "phone-records"
    confirmation = region.xpath("//*[@data-testid='sent-confirmation']")[0]
    assert "Sent" in confirmation.text_content()
    assert confirmation.xpath(".//blockquote")[0].text_content() == "質問です"
    refused = form_post(phone, url, {"text": " "}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert page(refused).text_content().strip() == "“Question” cannot be empty."
