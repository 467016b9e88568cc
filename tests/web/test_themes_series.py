"""Recurring themes on real text, and the series page with its "next one from this"."""

from __future__ import annotations

import io
import json
import zipfile
from html.parser import HTMLParser

from docx import Document
from openpyxl import load_workbook

from app.domain import themes
from app.models import Note, ThemeAnalysis
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
from tests.sample_replay import load_sample, replay

# The 2017 sample's ② notes said again a year later in other words, as a table would.
REWORDED = {
    "行政と社協の建物が近いとよい。": "行政と社協の建物が近いと連携しやすい。",
    "活動計画から社協が見えにくい。": "活動計画を見ても社協の姿が見えにくい。",
    "職員間の共通認識がされている。": "職員の間で共通認識ができている。",
    "行政担当者が異動しても連携を維持すること。": "行政の担当者が異動しても連携を続けること。",
}
HELPERS = ("地域の担い手不足", "担い手が足りない")
UNRELATED = ("子ども食堂の会場が見つからない", "災害時の避難所の運営", "認知症カフェの開催場所")


def _second_year(client, token: str) -> int:
    created = make_workshop(
        client, token, title="オープンミーティング 2018", date="2018-09-12", groups=["1G", "2G"]
    )
    open_stage(client, token, created["id"], "shared_issues")
    one = join(client, created["join_code"], "1G")
    two = join(client, created["join_code"], "2G")
    texts = [*REWORDED.values(), *HELPERS, *UNRELATED]
    for n, text in enumerate(texts):
        post_note(client, (one if n % 2 else two)["token"], created["id"], "shared_issues", text)
    return created["id"]


def _theme_of(analysis: ThemeAnalysis, session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    texts = {n.id: n.text for n in session.exec(__import__("sqlmodel").select(Note)).all()}
    return {
        texts[note_id]: index
        for index, theme in enumerate(json.loads(analysis.themes))
        for note_id in theme["notes"]
    }


def test_reworded_notes_of_two_years_end_in_the_same_theme_and_unrelated_ones_do_not(client):
    token = staff_token(client)
    first = replay(client, token)
    second = _second_year(client, token)
    login(client)
    created = form_post(
        client,
        "/admin/themes",
        {
            "name": "課題の推移",
            "date_from": "2017-01-01",
            "date_to": "2018-12-31",
            "stage": "shared_issues",
        },
    )
    assert created.status_code == 200, created.text
    analysis_id = int(str(created.url).rsplit("/", 1)[-1])
    with client.app.state.db.read_session() as session:
        analysis = session.get(ThemeAnalysis, analysis_id)
        assert json.loads(analysis.workshop_ids) == [first, second]
        theme = _theme_of(analysis, session)
    sample = [t for g in load_sample()["groups"] for t in g["notes"]["shared_issues"]]
    assert set(sample) <= set(theme)
    for said, again in REWORDED.items():
        assert theme[said] == theme[again], (said, again)
    assert theme[HELPERS[0]] == theme[HELPERS[1]]
    joined = {theme[t] for t in [*REWORDED, *REWORDED.values(), *HELPERS]}
    for text in UNRELATED:
        assert theme[text] not in joined, text
    assert len({theme[t] for t in UNRELATED}) == len(UNRELATED)

    # The page shows the count per year: each reworded pair is one note in 2017, one in 2018.
    page = client.get(f"/admin/themes/{analysis_id}")
    rows = _table(page.text, "theme-years")
    assert rows[0][:3] == ["Theme", "2017", "2018"]
    body = {row[0]: row[1:] for row in rows[1:]}
    assert body["地域の担い手不足"] == ["0", "2", "2"] or body["担い手が足りない"] == [
        "0",
        "2",
        "2",
    ]


def test_themes_are_the_same_on_every_run():
    texts = [t for g in load_sample()["groups"] for t in g["notes"]["shared_issues"]]
    texts += [*REWORDED.values(), *HELPERS, *UNRELATED]
    first = themes.cluster(texts)
    assert first == themes.cluster(texts) == themes.cluster(list(texts))
    assert sorted(i for group in first for i in group) == list(range(len(texts)))


def test_rename_merge_split_and_downloads(client):
    token = staff_token(client)
    first = replay(client, token)
    _second_year(client, token)
    login(client)
    created = form_post(client, "/admin/themes", {"name": "推移", "stage": "shared_issues"})
    analysis_id = int(str(created.url).rsplit("/", 1)[-1])
    base = f"/admin/themes/{analysis_id}"
    with client.app.state.db.read_session() as session:
        before = json.loads(session.get(ThemeAnalysis, analysis_id).themes)
    helpers = next(
        i for i, t in enumerate(before) if len(t["notes"]) == 2 and "担い手" in t["title"]
    )
    renamed = form_post(client, f"{base}/themes/{helpers}/title", {"title": "担い手の確保"})
    assert renamed.status_code == 200
    split = form_post(
        client, f"{base}/themes/{helpers}/split", {"note": before[helpers]["notes"][:1]}
    )
    assert split.status_code == 200
    with client.app.state.db.read_session() as session:
        after = json.loads(session.get(ThemeAnalysis, analysis_id).themes)
    assert len(after) == len(before) + 1
    assert after[helpers]["notes"] == before[helpers]["notes"][1:]
    assert after[helpers + 1]["notes"] == before[helpers]["notes"][:1]
    merged = form_post(client, f"{base}/themes/{helpers + 1}/merge", {"into": str(helpers)})
    assert merged.status_code == 200
    with client.app.state.db.read_session() as session:
        again = json.loads(session.get(ThemeAnalysis, analysis_id).themes)
    assert len(again) == len(before)
    assert sorted(again[helpers]["notes"]) == sorted(before[helpers]["notes"])
    assert again[helpers]["title"] == "担い手の確保"
    assert form_post(client, f"{base}/themes/99/title", {"title": "x"}).status_code == 404
    assert (
        form_post(client, f"{base}/themes/{helpers}/merge", {"into": str(helpers)}).status_code
        == 422
    )

    book = load_workbook(io.BytesIO(client.get(f"{base}/themes.xlsx").content))
    overview = book.worksheets[0]
    header = [c.value for c in overview[1]]
    assert header[1:] == ["2017", "2018", "Total"]
    titles = [row[0] for row in overview.iter_rows(min_row=2, values_only=True)]
    assert "担い手の確保" in titles
    assert len(book.worksheets) == 1 + len(titles)
    appendix = Document(io.BytesIO(client.get(f"{base}/appendix.docx").content))
    text = "\n".join(p.text for p in appendix.paragraphs)
    assert "担い手の確保" in text and "担い手が足りない" in text
    assert zipfile.is_zipfile(io.BytesIO(client.get(f"{base}/appendix.docx").content))
    report = client.get(f"{base}/report/{first}.docx")
    assert report.status_code == 200
    full = "\n".join(p.text for p in Document(io.BytesIO(report.content)).paragraphs)
    assert full.index(load_sample()["workshop"]["title"]) < full.index("Appendix: recurring themes")
    assert full.index("Appendix: recurring themes") < full.index("担い手の確保")
    assert client.get(f"{base}/report/999.docx").status_code == 404


def test_series_page_counts_per_year_and_the_next_one_carries_format_groups_roles_and_picks(
    client,
):
    token = staff_token(client)
    first = replay(client, token)
    open_stage(client, token, first, "hard_problems")
    picked = client.get(f"/api/v1/workshops/{first}", headers=bearer(token)).json()
    note = next(n for n in picked["notes"] if n["text"].startswith("行政担当者が異動"))
    selection = client.put(
        f"/api/v1/workshops/{first}/selections",
        json={"stage": "hard_problems", "note_id": note["id"], "selected": True},
        headers=bearer(token),
    )
    assert selection.status_code == 200, selection.text
    second = _second_year(client, token)
    login(client)
    created = form_post(client, "/admin/series", {"name": "オープンミーティング"})
    series_id = int(str(created.url).rsplit("/", 1)[-1])
    for workshop_id in (first, second):
        form_post(client, f"/admin/workshops/{workshop_id}/series", {"series_id": str(series_id)})
    page = client.get(f"/admin/series/{series_id}")
    assert page.status_code == 200
    per_year = _table(page.text, "notes-per-year")
    assert per_year[1][0] == "2017" and per_year[2][0] == "2018"
    shared = per_year[0].index("2. Issues we share")
    assert per_year[1][shared] == "6" and per_year[2][shared] == str(
        len(REWORDED) + len(HELPERS) + len(UNRELATED)
    )
    orgs = _table(page.text, "organizations-per-year")
    assert ["日立市", "●", "–"] in orgs
    assert page.text.count('<svg class="chart"') == 2

    response = form_post(
        client,
        f"/admin/workshops/{first}/next",
        {"title": "オープンミーティング 2019", "date": "2019-09-11", "carry_picks": "1"},
    )
    assert response.status_code == 200, response.text
    created_id = int(str(response.url).rsplit("/", 1)[-1])
    made = client.get(f"/api/v1/workshops/{created_id}", headers=bearer(token)).json()
    original = client.get(f"/api/v1/workshops/{first}", headers=bearer(token)).json()
    assert [s["key"] for s in made["stages"]] == [s["key"] for s in original["stages"]]
    assert [g["name"] for g in made["groups"]] == [g["name"] for g in original["groups"]]
    assert made["venue"] == original["venue"] == "茨城県立健康プラザ"
    carried = [n for n in made["notes"] if n["stage"] == "hard_problems"]
    assert [n["text"] for n in carried] == [note["text"]]
    roles = client.get(f"/api/v1/workshops/{created_id}/records", headers=bearer(token)).json()
    before = client.get(f"/api/v1/workshops/{first}/records", headers=bearer(token)).json()
    assert roles["roles"] == before["roles"] and len(roles["roles"]) == 6
    again = client.get(f"/admin/series/{series_id}")
    assert "オープンミーティング 2019" in again.text


class _Table(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.rows: list[list[str]] = []
        self._inside = False
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self._inside = True
        elif self._inside and tag == "tr":
            self.rows.append([])
        elif self._inside and tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif self._inside and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data


def _table(html: str, table_id: str) -> list[list[str]]:
    parser = _Table(table_id)
    parser.feed(html)
    assert parser.rows, f"no table #{table_id}"
    return parser.rows
