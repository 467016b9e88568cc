"""Replay the transcribed 2017 open meeting through the public API, as a session would run it."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import SAMPLE
from tests.factories import bearer, join, open_stage, post_note

COMMENT_ROLES = {
    "アドバイザー": "advisor",
    "事例発表者": "presenter",
    "ファシリテーター": "facilitator",
}
ROLES = {
    "発表者": "presenter",
    "聞き手": "listener",
    "ファシリテーター": "facilitator",
    "記録者": "recorder",
}


def load_sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def replay(client: TestClient, token: str) -> int:
    """Create, run and record the sample workshop; return its id."""
    sample = load_sample()
    meta = sample["workshop"]
    stages = [
        {
            "key": stage["key"],
            "label": stage["label_ja"],
            "label_en": stage["label_en"],
            "kind": "select" if stage.get("draws_from") else "post",
            "draws_from": stage.get("draws_from"),
        }
        for stage in sample["stages"]
    ]
    stages += [
        {"key": "qa", "label": "質疑応答", "label_en": "Q&A", "kind": "qa", "scope": "plenary"},
        {
            "key": "feedback",
            "label": "感想",
            "label_en": "Feedback",
            "kind": "feedback",
            "scope": "plenary",
        },
    ]
    created = client.post(
        "/api/v1/workshops",
        json={
            "title": meta["title"],
            "stages": stages,
            "groups": [group["name"] for group in sample["groups"]],
            "date": meta["date"],
            "venue": meta["venue"],
        },
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    workshop_id = created.json()["id"]
    code = created.json()["join_code"]
    members = {
        group["name"]: join(
            client, code, group["name"], name=f"{group['name']}記録", organization=""
        )
        for group in sample["groups"]
    }
    for stage in sample["stages"]:
        open_stage(client, token, workshop_id, stage["key"])
        for group in sample["groups"]:
            for text in group["notes"][stage["key"]]:
                post_note(client, members[group["name"]]["token"], workshop_id, stage["key"], text)

    open_stage(client, token, workshop_id, "qa")
    asker = members[sample["groups"][0]["name"]]["token"]
    for item in sample["qa"]:
        asked = client.post(
            f"/api/v1/workshops/{workshop_id}/questions",
            json={"text": item["question"], "organization": ""},
            headers=bearer(asker),
        )
        assert asked.status_code == 201, asked.text
        question_id = asked.json()["id"]
        for answer in item["answers"]:
            answered = client.post(
                f"/api/v1/workshops/{workshop_id}/questions/{question_id}/answers",
                json=answer,
                headers=bearer(token),
            )
            assert answered.status_code == 201, answered.text
        if item.get("remark"):
            remarked = client.patch(
                f"/api/v1/workshops/{workshop_id}/questions/{question_id}",
                json={"remark": item["remark"]},
                headers=bearer(token),
            )
            assert remarked.status_code == 200, remarked.text
    for comment in sample["comments"]:
        added = client.post(
            f"/api/v1/workshops/{workshop_id}/comments",
            json={
                "role": COMMENT_ROLES[comment["role"]],
                "name": comment["name"],
                "text": comment["text"],
            },
            headers=bearer(token),
        )
        assert added.status_code == 201, added.text
    details = client.patch(
        f"/api/v1/workshops/{workshop_id}",
        json={
            "organizations": meta["organizations"],
            "participant_count": meta["participant_count"],
            "roles": [
                {"role": ROLES[r["role"]], "names": r["names"], "organization": r["organization"]}
                for r in meta["roles"]
            ],
            "purpose": meta["purpose"],
            "materials": meta["materials"],
            "steps": meta["steps"],
            "theme": meta["theme"],
        },
        headers=bearer(token),
    )
    assert details.status_code == 200, details.text
    return workshop_id


def sample_notes() -> list[str]:
    """Every note of the sample in report order: group by group, stage by stage."""
    sample = load_sample()
    keys = [stage["key"] for stage in sample["stages"]]
    return [text for group in sample["groups"] for key in keys for text in group["notes"][key]]


def sample_record_texts() -> list[str]:
    """Questions, answers, remarks, then comments, in the order the report prints them."""
    sample = load_sample()
    texts = []
    for item in sample["qa"]:
        texts.append(item["question"])
        texts += [answer["text"] for answer in item["answers"]]
        if item.get("remark"):
            texts.append(item["remark"])
    order = list(COMMENT_ROLES.values())
    comments = sorted(sample["comments"], key=lambda c: order.index(COMMENT_ROLES[c["role"]]))
    return texts + [comment["text"] for comment in comments]
