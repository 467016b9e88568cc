"""Replay the real 2017 open meeting through the API and read it back from the report."""

from __future__ import annotations

import json
import re

import pytest

from app import i18n
from tests.conftest import SAMPLE
from tests.factories import bearer, join, make_workshop, open_stage, post_note, staff_token

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def parse_report(markdown: str) -> dict[str, dict[str, list[str]]]:
    """Read the report back as {group: {stage label: [note text]}}, undoing Markdown escapes."""
    groups: dict[str, dict[str, list[str]]] = {}
    group = stage = None
    for line in markdown.splitlines():
        if match := re.fullmatch(r"### \\\[(.+)\\\]", line):
            group = unescape(match.group(1))
            groups[group] = {}
        elif line.startswith("#### ") and group is not None:
            stage = unescape(line[5:])
            groups[group][stage] = []
        elif line.startswith("- ") and group is not None and stage is not None:
            groups[group][stage].append(unescape(line[2:]))
    return groups


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@BACKENDS
def test_sample_workshop_replayed_through_the_api_gives_every_note_in_the_report(client):
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    token = staff_token(client)
    groups = [group["name"] for group in sample["groups"]]
    created = make_workshop(
        client,
        token,
        title=sample["workshop"]["title"],
        format="open-meeting",
        groups=groups,
        date=sample["workshop"]["date"],
        venue=sample["workshop"]["venue"],
    )
    workshop_id = created["id"]
    # Two participants per table, each posting alternately, as at a real table.
    tokens = {
        group: [
            join(client, created["join_code"], group, name=f"{group}-{n}")["token"] for n in (1, 2)
        ]
        for group in groups
    }
    for stage in sample["stages"]:
        open_stage(client, token, workshop_id, stage["key"])
        for group in sample["groups"]:
            for index, text in enumerate(group["notes"][stage["key"]]):
                post_note(client, tokens[group["name"]][index % 2], workshop_id, stage["key"], text)

    response = client.get(
        f"/api/v1/workshops/{workshop_id}/report.md",
        headers={**bearer(token), "Accept-Language": "ja"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    report = response.text
    assert sample["workshop"]["title"] in report
    assert sample["workshop"]["venue"] in report
    assert "10" in report  # participants joined

    parsed = parse_report(report)
    assert list(parsed) == groups
    labels = {stage["key"]: stage["label_ja"] for stage in sample["stages"]}
    with i18n.use_locale("ja"):
        none = i18n.gettext("(none)")
    for group in sample["groups"]:
        for key, label in labels.items():
            expected = group["notes"][key]
            assert parsed[group["name"]][label] == (expected or [none]), (group["name"], key)

    snapshot = client.get(f"/api/v1/workshops/{workshop_id}", headers=bearer(token)).json()
    total = sum(len(notes) for g in sample["groups"] for notes in g["notes"].values())
    assert len(snapshot["notes"]) == total
    assert snapshot["participant_count"] == 10
