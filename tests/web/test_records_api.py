"""Q&A, comments, feedback and report details through the JSON API, and bad input refused."""

from __future__ import annotations

import pytest

from tests.factories import bearer, join, make_workshop, open_stage, staff_token

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

QA_STAGES = [
    {"key": "talk", "label": "話し合い"},
    {"key": "qa", "label": "質疑応答", "kind": "qa", "scope": "plenary"},
    {"key": "feedback", "label": "感想", "kind": "feedback", "scope": "plenary"},
]


@pytest.fixture
def session_setup(client):
    token = staff_token(client)
    created = make_workshop(client, token, stages=QA_STAGES, format=None, groups=["1G"])
    member = join(client, created["join_code"], "1G", name="佐藤", organization="守谷市社協")
    return token, created["id"], member["token"]


def records(client, token, workshop_id):
    response = client.get(f"/api/v1/workshops/{workshop_id}/records", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def test_participant_asks_only_while_a_qa_stage_is_open(client, session_setup):
    token, workshop_id, member = session_setup
    url = f"/api/v1/workshops/{workshop_id}/questions"
    early = client.post(url, json={"text": "質問です"}, headers=bearer(member))
    assert early.status_code == 409
    assert early.json()["detail"] == "Questions are not open right now."
    open_stage(client, token, workshop_id, "qa")
    asked = client.post(url, json={"text": "質問です"}, headers=bearer(member))
    assert asked.status_code == 201
    question = records(client, token, workshop_id)["questions"][0]
    assert question["id"] == asked.json()["id"]
    # The organisation given at join is used when the phone sends none.
    assert question["organization"] == "守谷市社協"


@BACKENDS
def test_staff_record_questions_answers_and_remarks_at_any_time(client, session_setup):
    token, workshop_id, _member = session_setup
    asked = client.post(
        f"/api/v1/workshops/{workshop_id}/questions",
        json={"text": "連携のコツは？", "organization": "日立市"},
        headers=bearer(token),
    )
    assert asked.status_code == 201
    qid = asked.json()["id"]
    for org, text in (("守谷市", "担当制度"), ("常陸大宮市", "事業を機に")):
        answered = client.post(
            f"/api/v1/workshops/{workshop_id}/questions/{qid}/answers",
            json={"organization": org, "text": text},
            headers=bearer(token),
        )
        assert answered.status_code == 201
    remarked = client.patch(
        f"/api/v1/workshops/{workshop_id}/questions/{qid}",
        json={"remark": "結局「人」"},
        headers=bearer(token),
    )
    assert remarked.status_code == 200
    assert remarked.json()["remark"] == "結局「人」"
    question = records(client, token, workshop_id)["questions"][0]
    assert [(a["organization"], a["text"]) for a in question["answers"]] == [
        ("守谷市", "担当制度"),
        ("常陸大宮市", "事業を機に"),
    ]


def test_participants_cannot_answer_or_comment(client, session_setup):
    token, workshop_id, member = session_setup
    qid = client.post(
        f"/api/v1/workshops/{workshop_id}/questions", json={"text": "Q"}, headers=bearer(token)
    ).json()["id"]
    answered = client.post(
        f"/api/v1/workshops/{workshop_id}/questions/{qid}/answers",
        json={"organization": "x", "text": "y"},
        headers=bearer(member),
    )
    assert answered.status_code == 403
    commented = client.post(
        f"/api/v1/workshops/{workshop_id}/comments",
        json={"role": "advisor", "name": "x", "text": "y"},
        headers=bearer(member),
    )
    assert commented.status_code == 403
    assert records(client, token, workshop_id)["comments"] == []


def test_answer_to_a_question_of_another_workshop_is_not_found(client, session_setup):
    token, workshop_id, _member = session_setup
    other = make_workshop(client, token, format="kpt", groups=["1G"])["id"]
    qid = client.post(
        f"/api/v1/workshops/{other}/questions", json={"text": "Q"}, headers=bearer(token)
    ).json()["id"]
    response = client.post(
        f"/api/v1/workshops/{workshop_id}/questions/{qid}/answers",
        json={"organization": "x", "text": "y"},
        headers=bearer(token),
    )
    assert response.status_code == 404


def test_comments_keep_role_name_and_organisation_in_report_order(client, session_setup):
    token, workshop_id, _member = session_setup
    for role, name in (("facilitator", "浅野"), ("advisor", "長谷川"), ("presenter", "多賀谷")):
        response = client.post(
            f"/api/v1/workshops/{workshop_id}/comments",
            json={"role": role, "name": name, "organization": "社協", "text": f"{name}の話"},
            headers=bearer(token),
        )
        assert response.status_code == 201
    comments = records(client, token, workshop_id)["comments"]
    assert [(c["role"], c["name"]) for c in comments] == [
        ("advisor", "長谷川"),
        ("presenter", "多賀谷"),
        ("facilitator", "浅野"),
    ]


@BACKENDS
def test_feedback_needs_the_feedback_stage_and_a_second_send_replaces_the_first(
    client, session_setup
):
    token, workshop_id, member = session_setup
    url = f"/api/v1/workshops/{workshop_id}/feedback"
    assert client.post(url, json={"text": "よかった"}, headers=bearer(member)).status_code == 409
    open_stage(client, token, workshop_id, "feedback")
    first = client.post(url, json={"text": "よかった", "rating": 4}, headers=bearer(member))
    second = client.post(url, json={"text": "とてもよかった", "rating": 5}, headers=bearer(member))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert records(client, token, workshop_id)["feedback"] == [
        {"id": first.json()["id"], "text": "とてもよかった", "rating": 5}
    ]
    # Staff have no feedback of their own to give.
    assert client.post(url, json={"text": "x"}, headers=bearer(token)).status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("questions", {"text": "質" * 501}, "“Question” can be at most 500 characters"),
        ("questions", {"text": "   "}, "“Question” cannot be empty."),
        ("comments", {"role": "boss", "name": "x", "text": "y"}, "role must be one of"),
        ("comments", {"role": "advisor", "name": "x" * 101, "text": "y"}, "at most 100"),
        ("comments", {"role": "advisor", "name": "x", "text": "y" * 2001}, "at most 2000"),
    ],
)
def test_too_long_or_wrong_input_gets_a_readable_422(client, session_setup, path, body, message):
    token, workshop_id, _member = session_setup
    response = client.post(
        f"/api/v1/workshops/{workshop_id}/{path}", json=body, headers=bearer(token)
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_feedback_rating_outside_one_to_five_is_refused(client, session_setup):
    token, workshop_id, member = session_setup
    open_stage(client, token, workshop_id, "feedback")
    response = client.post(
        f"/api/v1/workshops/{workshop_id}/feedback", json={"rating": 6}, headers=bearer(member)
    )
    assert response.status_code == 422


def test_report_details_are_patched_field_by_field(client, session_setup):
    token, workshop_id, _member = session_setup
    url = f"/api/v1/workshops/{workshop_id}"
    first = client.patch(
        url,
        json={
            "venue": "茨城県立健康プラザ",
            "organizations": ["日立市", "笠間市"],
            "roles": [{"role": "facilitator", "names": ["浅野"], "organization": "那珂市社協"}],
            "purpose": "課題を共有する。",
            "end_time": "16:30",
        },
        headers=bearer(token),
    )
    assert first.status_code == 200, first.text
    second = client.patch(url, json={"theme": "行政との連携"}, headers=bearer(token)).json()
    assert second["venue"] == "茨城県立健康プラザ"
    assert second["organizations"] == ["日立市", "笠間市"]
    assert second["roles"] == [
        {"role": "facilitator", "names": ["浅野"], "organization": "那珂市社協"}
    ]
    assert second["purpose"] == "課題を共有する。" and second["theme"] == "行政との連携"
    assert second["participant_count"] is None and second["counted_participants"] == 1


def test_participant_count_overrides_the_joins_in_the_report(client, session_setup):
    token, workshop_id, _member = session_setup
    markdown = client.get(f"/api/v1/workshops/{workshop_id}/report.md", headers=bearer(token)).text
    assert "| Participants | 1 people |" in markdown
    client.patch(
        f"/api/v1/workshops/{workshop_id}", json={"participant_count": 30}, headers=bearer(token)
    )
    markdown = client.get(f"/api/v1/workshops/{workshop_id}/report.md", headers=bearer(token)).text
    assert "| Participants | 30 people |" in markdown


@BACKENDS
@pytest.mark.parametrize(
    "body",
    [
        {"participant_count": -1},
        {"end_time": "25:00"},
        {"purpose": "x" * 2001},
        {"organizations": ["x" * 101]},
        {"title": ""},
        {"unknown": 1},
    ],
)
def test_bad_report_details_are_refused_and_nothing_changes(client, session_setup, body):
    token, workshop_id, _member = session_setup
    url = f"/api/v1/workshops/{workshop_id}"
    client.patch(url, json={"purpose": "元のねらい"}, headers=bearer(token))
    response = client.patch(url, json={"theme": "新テーマ", **body}, headers=bearer(token))
    assert response.status_code == 422
    after = records(client, token, workshop_id)
    assert after["purpose"] == "元のねらい" and after["theme"] == ""


def test_participants_cannot_patch_report_details(client, session_setup):
    _token, workshop_id, member = session_setup
    response = client.patch(
        f"/api/v1/workshops/{workshop_id}", json={"theme": "x"}, headers=bearer(member)
    )
    assert response.status_code == 403
