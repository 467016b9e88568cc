"""The projector wall in Chromium: every note of the stage on one screen, as large as fits.

Boards are imported as archives (one request), then the wall is opened at projector sizes and
measured: every card inside the viewport, the computed note font size, whole texts where the
room allows it, no control anywhere, and cluster titles in ③. ``FUSEN_WRITE_SCREENSHOTS=1``
also writes the screenshots used in the README to docs/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.board_archives import board_archive
from tests.conftest import ADMIN_PASSWORD, LiveServer
from tests.e2e.conftest import Api

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def live_server(module_live_server: LiveServer) -> LiveServer:
    """One server for the module: each test makes its own workshop and none stops it."""
    return module_live_server


MEASURE = """() => {
  const cards = [...document.querySelectorAll('.wcard')];
  const texts = [...document.querySelectorAll('.wcard .wtext')];
  const w = window.innerWidth, h = window.innerHeight;
  return {
    cards: cards.length,
    outside: cards.filter(c => {
      const r = c.getBoundingClientRect();
      return r.width === 0 || r.left < 0 || r.top < 0 || r.right > w + 0.5 || r.bottom > h + 0.5;
    }).length,
    fonts: texts.map(t => parseFloat(getComputedStyle(t).fontSize)),
    cut: texts.filter(t => t.scrollHeight > t.clientHeight + 1).length,
    controls: document.querySelectorAll(
      'form, button, input, select, textarea, a[data-menu], [data-sortable]').length,
    scrolls: document.scrollingElement.scrollHeight > h
      || document.scrollingElement.scrollWidth > w,
    fit: document.querySelector('.wall-groups').getAttribute('data-fit'),
  };
}"""


def _import(api: Api, archive: dict[str, Any]) -> int:
    response = httpx.post(
        f"{api.url}/api/v1/workshops/import",
        content=json.dumps(archive).encode(),
        headers={"Authorization": f"Bearer {api.token}"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _wall(new_context: Any, server: LiveServer, workshop_id: int, width: int, height: int) -> Any:
    context = new_context(viewport={"width": width, "height": height}, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("form.stack button.primary")
    page.wait_for_url(f"{server.url}/admin")
    page.goto(f"{server.url}/w/{workshop_id}/wall")
    page.wait_for_selector("#conn[data-state=live]", timeout=20_000)
    _settled(page)
    return page


def _settled(page: Any) -> None:
    """Wait until the wall has fitted its notes (after fonts and any late refit)."""
    page.wait_for_selector(".wall-groups[data-font]", timeout=15_000)
    page.wait_for_timeout(400)


def _shoot(page: Any, name: str, tmp_path: Path) -> None:
    target = DOCS if os.environ.get("FUSEN_WRITE_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(target / name))


@pytest.mark.parametrize(
    ("width", "height", "per_group", "long_every", "min_font", "whole"),
    [
        (1920, 1080, 20, 0, 22, True),  # a typical stage: every text whole, ≥ 22 px
        (1920, 1080, 60, 4, 14, False),  # a full room: every card inside, ≥ 14 px, clamped
        (1280, 720, 20, 0, 14, True),  # a small projector
    ],
)
def test_wall_shows_every_note_of_five_groups_on_one_screen(
    live_server, api, new_context, tmp_path, width, height, per_group, long_every, min_font, whole
):
    archive = board_archive(per_group=per_group, long_every=long_every, clusters_per_group=2)
    page = _wall(new_context, live_server, _import(api, archive), width, height)
    if width == 1920:
        _shoot(page, f"wall-{5 * per_group}.png", tmp_path)
    seen = page.evaluate(MEASURE)
    assert seen["cards"] == 5 * per_group
    assert seen["outside"] == 0, seen
    assert not seen["scrolls"]
    assert min(seen["fonts"]) >= min_font, (min(seen["fonts"]), seen["fit"])
    print(
        "wall",
        width,
        height,
        5 * per_group,
        "notes:",
        min(seen["fonts"]),
        "px",
        seen["fit"],
        page.locator(".wall-groups").get_attribute("data-fit-ms"),
        "ms to fit",
    )
    assert seen["controls"] == 0, "the wall shows no facilitator control"
    if whole:
        assert seen["fit"] == "whole" and seen["cut"] == 0, seen
    # Cluster titles are on the wall, above their notes.
    titles = page.locator(".wcluster-title")
    assert titles.count() == 10 and titles.first.is_visible()


def test_wall_shows_cluster_titles_in_the_select_stage_and_follows_the_console_live(
    live_server, api, new_context, tmp_path
):
    archive = board_archive(per_group=12, clusters_per_group=2, current="hard_problems")
    workshop_id = _import(api, archive)
    page = _wall(new_context, live_server, workshop_id, 1920, 1080)
    titles = page.locator(".wcluster-title")
    assert titles.count() == 10
    assert all(titles.nth(i).is_visible() for i in range(10))
    assert "1Gのまとまり1" in titles.first.inner_text()

    # A note added in ③ appears without a reload, and the wall fits it in.
    headers = {"Authorization": f"Bearer {api.token}"}
    posted = httpx.post(
        f"{api.url}/api/v1/workshops/{workshop_id}/notes",
        json={"stage": "hard_problems", "group": "2G", "text": "人材の確保が一番難しい"},
        headers=headers,
    )
    assert posted.status_code == 201, posted.text
    page.wait_for_selector(f"#wall-card-{posted.json()['id']}")
    _settled(page)
    assert page.evaluate(MEASURE)["outside"] == 0

    # The console spotlights a group: the wall shows that group alone, larger.
    font_before = float(page.locator(".wall-groups").get_attribute("data-font"))
    spot = httpx.put(
        f"{api.url}/api/v1/workshops/{workshop_id}/presentation",
        json={"group": "3G", "order": ["1G", "2G", "3G", "4G", "5G"]},
        headers=headers,
    )
    assert spot.status_code == 200, spot.text
    page.wait_for_selector(".wall-groups.spotlit")
    _settled(page)
    assert page.locator(".wall-group").count() == 1
    assert "3G" in page.locator(".wall-presenting").inner_text()
    assert float(page.locator(".wall-groups").get_attribute("data-font")) > font_before
    seen = page.evaluate(MEASURE)
    assert seen["fit"] == "whole" and seen["cut"] == 0 and seen["outside"] == 0

    # The console opens another stage: the wall follows.
    api.open_stage(workshop_id, "strengths")
    page.wait_for_selector(".wall-stage-label:has-text('①')")
