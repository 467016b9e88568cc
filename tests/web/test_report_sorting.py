"""The report shows how the groups sorted their notes: clusters, duplicates, picks and dots."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.factories import bearer, join, make_workshop, open_stage, post_note, staff_token

STAGES = [
    {"key": "ideas", "label": "アイデア"},
    {"key": "funnel", "label": "難しいこと", "kind": "select", "draws_from": "ideas"},
    {"key": "dots", "label": "投票", "kind": "vote", "draws_from": "ideas"},
]


def test_report_carries_clusters_duplicates_picks_and_dots_and_leaves_out_hidden_notes(client):
    staff = staff_token(client)
    created = make_workshop(client, staff, stages=STAGES, groups=["1G"], format=None)
    wid = created["id"]
    auth = bearer(staff)
    open_stage(client, staff, wid, "ideas")
    member = join(client, created["join_code"], "1G")["token"]
    first, second, copy, rude = (
        post_note(client, member, wid, "ideas", text)
        for text in ("建物が近い", "人事異動", "建物が近いとよい", "不適切な投稿")
    )
    cluster = client.post(
        f"/api/v1/workshops/{wid}/clusters",
        json={"stage": "ideas", "group": "1G", "title": "場所", "notes": [first["id"]]},
        headers=auth,
    )
    assert cluster.status_code == 201, cluster.text
    duplicate = client.put(
        f"/api/v1/workshops/{wid}/notes/{copy['id']}/duplicate-of",
        json={"duplicate_of": first["id"]},
        headers=auth,
    )
    assert duplicate.status_code == 200, duplicate.text
    hidden = client.put(
        f"/api/v1/workshops/{wid}/notes/{rude['id']}/moderation",
        json={"moderated": True},
        headers=auth,
    )
    assert hidden.status_code == 200, hidden.text
    open_stage(client, staff, wid, "funnel")
    picked = client.put(
        f"/api/v1/workshops/{wid}/selections",
        json={"stage": "funnel", "note_id": second["id"], "selected": True},
        headers=auth,
    )
    assert picked.status_code == 200, picked.text
    open_stage(client, staff, wid, "dots")
    voted = client.put(
        f"/api/v1/workshops/{wid}/votes",
        json={"stage": "dots", "note_id": second["id"], "dots": 2},
        headers=bearer(member),
    )
    assert voted.status_code == 200, voted.text

    markdown = client.get(
        f"/api/v1/workshops/{wid}/report.md", headers={**auth, "Accept-Language": "en"}
    ).text
    ideas = markdown.split("#### アイデア", 1)[1].split("####", 1)[0]
    assert "- **場所**" in ideas
    assert "  - 建物が近い（2 similar）" in ideas
    assert "建物が近いとよい" not in ideas  # folded under the original
    assert "- 人事異動（selected, 2 votes）" in ideas
    assert "不適切な投稿" not in markdown

    workbook = load_workbook(
        io.BytesIO(client.get(f"/api/v1/workshops/{wid}/report.xlsx", headers=auth).content)
    )
    sheet = workbook.worksheets[1]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=False)) for row in sheet.iter_rows(2)]
    by_text = {row[header[3]]: row for row in rows}
    assert set(by_text) >= {"建物が近い", "人事異動", "建物が近いとよい"}
    assert "不適切な投稿" not in by_text
    assert by_text["建物が近い"][header[2]] == "場所"
