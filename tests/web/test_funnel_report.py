"""The ②→③ funnel, and the 2017 open meeting replayed through it into the report."""

from __future__ import annotations

import json
import re

from tests.conftest import SAMPLE
from tests.factories import bearer, join, open_stage, post_note
from tests.sorting_factories import api, make_recorder, running_workshop


def _report_sections(markdown: str) -> dict[str, dict[str, list[str]]]:
    """``{group: {stage heading: [items]}}`` parsed back out of the Markdown report."""
    out: dict[str, dict[str, list[str]]] = {}
    group = stage = None
    for line in markdown.splitlines():
        if line.startswith("### "):
            group = re.sub(r"\\", "", line[4:]).strip("[]")
            out[group] = {}
        elif line.startswith("#### ") and group:
            stage = line[5:]
            out[group][stage] = []
        elif line.startswith("- ") and group and stage:
            item = re.sub(r"\\(.)", r"\1", line[2:])
            if item not in ("(none)", "（なし）"):
                out[group][stage].append(item)
    return out


def _report(client, ws) -> str:
    """The Markdown report in Japanese, as the secretariat downloads it."""
    response = client.get(
        f"/api/v1/workshops/{ws['id']}/report.md",
        headers={**bearer(ws["staff"]), "Accept-Language": "ja"},
    )
    assert response.status_code == 200, response.text
    return response.text


def test_sample_workshop_replayed_through_the_funnel_reports_its_hard_problems(client):
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    names = [g["name"] for g in sample["groups"]]
    ws = running_workshop(client, groups=names, first_stage="strengths")
    members = {name: join(client, ws["code"], name)["token"] for name in names}
    recorders = {name: make_recorder(client, ws, name) for name in names}
    for group in sample["groups"]:
        for text in group["notes"]["strengths"]:
            post_note(client, members[group["name"]], ws["id"], "strengths", text)
    open_stage(client, ws["staff"], ws["id"], "shared_issues")
    posted: dict[str, list[dict]] = {}
    for group in sample["groups"]:
        posted[group["name"]] = [
            post_note(client, members[group["name"]], ws["id"], "shared_issues", text)
            for text in group["notes"]["shared_issues"]
        ]
    open_stage(client, ws["staff"], ws["id"], "hard_problems")
    for group in sample["groups"]:
        by_text = {note["text"]: note for note in posted[group["name"]]}
        for text in group["notes"]["hard_problems"]:
            if text in by_text:  # an issue of ② picked as hard to solve
                response = api(
                    client,
                    recorders[group["name"]],
                    "PUT",
                    f"/workshops/{ws['id']}/selections",
                    json={"stage": "hard_problems", "note_id": by_text[text]["id"]},
                )
                assert response.status_code == 200, response.text
            else:  # reworded at the table: added as a new item of ③ by the recorder
                post_note(client, recorders[group["name"]], ws["id"], "hard_problems", text)

    report = _report(client, ws)
    sections = _report_sections(report)
    for group in sample["groups"]:
        stages = sections[group["name"]]
        assert stages["③②の中でも解決が難しそうなこと"] == group["notes"]["hard_problems"]
        assert stages["②共通する課題"] == group["notes"]["shared_issues"]


def test_report_lists_only_the_picked_issues_under_the_select_stage(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    kept = post_note(client, member, ws["id"], "shared_issues", "タテとヨコをつなげること。")
    post_note(client, member, ws["id"], "shared_issues", "担当者以外の共通理解を図る方法")
    pile = api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={"stage": "shared_issues", "group": "1G", "title": "連携"},
    ).json()
    open_stage(client, ws["staff"], ws["id"], "hard_problems")
    for body in ({"note_id": kept["id"]}, {"cluster_id": pile["id"]}):
        response = api(
            client,
            ws["staff"],
            "PUT",
            f"/workshops/{ws['id']}/selections",
            json={"stage": "hard_problems", **body},
        )
        assert response.json() == {"selected": True, "changed": True}
    again = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/selections",
        json={"stage": "hard_problems", "note_id": kept["id"]},
    )
    assert again.json() == {"selected": True, "changed": False}
    sections = _report_sections(_report(client, ws))
    assert sections["1G"]["③②の中でも解決が難しそうなこと"] == [
        "連携",
        "タテとヨコをつなげること。",
    ]
    snapshot = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()
    assert {(s["note_id"], s["cluster_id"]) for s in snapshot["selections"]} == {
        (kept["id"], None),
        (None, pile["id"]),
    }


def test_only_items_of_the_source_stage_can_be_picked(client):
    ws = running_workshop(client, first_stage="strengths")
    member = join(client, ws["code"], "1G")["token"]
    strength = post_note(client, member, ws["id"], "strengths", "座談会")
    open_stage(client, ws["staff"], ws["id"], "hard_problems")
    response = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/selections",
        json={"stage": "hard_problems", "note_id": strength["id"]},
    )
    assert response.status_code == 409
    wrong_stage = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/selections",
        json={"stage": "strengths", "note_id": strength["id"]},
    )
    assert wrong_stage.status_code == 409
