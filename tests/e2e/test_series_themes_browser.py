"""The series page and the themes page in Chromium: made through their forms, then looked at.

With ``FUSEN_WRITE_SCREENSHOTS=1`` the screenshots go to docs/ (series.png, themes.png,
search.png); otherwise to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import ROOT
from tests.sample_replay import load_sample

pytestmark = pytest.mark.browser

YEARS = {
    "2022-10-05": (
        ["日立市社協", "笠間市社協", "牛久市社協"],
        ["地域の担い手不足", "見守り活動が続かない"],
    ),
    "2023-10-04": (
        ["日立市社協", "笠間市社協", "那珂市社協", "守谷市社協"],
        ["担い手が足りない", "見守りの担い手が高齢化", "行政と社協の建物が近いと連携しやすい。"],
    ),
    "2024-10-02": (
        ["日立市社協", "那珂市社協", "守谷市社協", "大洗町社協", "大子町社協"],
        [
            "担い手が見つからない",
            "活動計画を見ても社協の姿が見えにくい。",
            "子ども食堂の会場が見つからない",
            "行政の担当者が異動しても連携を続けること。",
        ],
    ),
}


def _post(url: str, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}{path}", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    return response.json()


def _meeting(api: Any, date: str, organisations: list[str], extra: list[str]) -> int:
    created = api.create_workshop(
        title=f"地域福祉推進会議 {date[:4]}", date=date, groups=["1G", "2G", "3G"]
    )
    api.open_stage(created["id"], "shared_issues")
    sample = [t for g in load_sample()["groups"] for t in g["notes"]["shared_issues"]]
    texts = (sample if date.startswith("2022") else []) + extra
    people = [
        httpx.post(
            f"{api.url}/api/v1/join",
            json={"code": created["join_code"], "group": f"{n % 3 + 1}G", "organization": org},
        ).json()
        for n, org in enumerate(organisations)
    ]
    for n, text in enumerate(texts):
        _post(
            api.url,
            f"/api/v1/workshops/{created['id']}/notes",
            people[n % len(people)]["token"],
            {"stage": "shared_issues", "text": text},
        )
    return created["id"]


def _shots(tmp_path: Path) -> Path:
    return ROOT / "docs" if os.environ.get("FUSEN_WRITE_SCREENSHOTS") == "1" else tmp_path


def test_series_and_themes_pages_in_chromium(facilitator, api, live_server, tmp_path):
    for date, (organisations, extra) in YEARS.items():
        _meeting(api, date, organisations, extra)
    page = facilitator.new_page()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live_server.url}/admin/series")
    page.fill("input[name=name]", "地域福祉推進会議")
    page.click("form.inline-form button.primary")
    page.wait_for_selector("h1:has-text('地域福祉推進会議')")
    for _ in YEARS:
        page.locator("#assign-form button.link").first.click()
        page.wait_for_load_state("load")
    rows = page.locator("#series-workshops tbody tr")
    assert rows.count() == 3
    years = page.locator("#notes-per-year tbody td:first-child").all_inner_texts()
    assert years == ["2022", "2023", "2024"]
    chart = page.locator("svg#chart-notes")
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 300
    assert page.locator("svg#chart-notes rect[height]").count() >= 6
    assert page.locator("#organizations-per-year tbody tr").count() == 7
    page.screenshot(path=str(_shots(tmp_path) / "series.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/themes")
    page.fill("input[name=name]", "共通する課題の推移")
    page.select_option("select[name=series]", label="地域福祉推進会議")
    page.select_option("select[name=stage]", value="shared_issues")
    page.click("form.filters button.primary")
    page.wait_for_selector("#themes")
    helpers = page.locator("li.theme").filter(
        has=page.locator("ul.theme-notes li", has_text="担い手が足りない")
    )
    assert helpers.count() == 1
    notes = helpers.locator("ul.theme-notes").inner_text()
    assert "地域の担い手不足" in notes
    assert "子ども食堂" not in notes
    helpers.locator("input[name=title]").fill("担い手の確保")
    helpers.locator("button:has-text('名前を変更')").click()
    page.wait_for_selector("li.theme h3:has-text('担い手の確保')")
    first_row = page.locator("#theme-years tbody tr", has_text="担い手の確保")
    counts = [int(c) for c in first_row.locator("td").all_inner_texts()[1:]]
    renamed = page.locator("li.theme").filter(has=page.locator("h3", has_text="担い手の確保"))
    listed = renamed.locator("ul.theme-notes li").count()
    assert counts[0] >= 1 and counts[1] >= 1
    assert sum(counts[:3]) == counts[3] == listed
    page.screenshot(path=str(_shots(tmp_path) / "themes.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/search?q=見守り")
    assert page.locator("li.hit").count() == 2
    page.screenshot(path=str(_shots(tmp_path) / "search.png"), full_page=True)
