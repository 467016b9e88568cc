"""Search across workshops and the notes API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import func, select

from app.domain import retention, users, workshops
from app.models import SearchEntry
from tests.factories import bearer, join, login, make_user, make_workshop, open_stage, post_note
from tests.factories import staff_token as token_for

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@dataclass
class Corpus:
    admin: str
    mine: str
    theirs: str
    first: int
    second: int
    other: int
    moderated: str
    deleted: str


def _workshop(client: TestClient, token: str, title: str, date: str) -> tuple[int, dict, dict]:
    created = make_workshop(client, token, title=title, date=date)
    open_stage(client, token, created["id"], "shared_issues")
    one = join(client, created["join_code"], "1G", name="a", organization="日立市社協")
    two = join(client, created["join_code"], "2G", name="b", organization="笠間市社協")
    return created["id"], one, two


def build(client: TestClient) -> Corpus:
    make_user(client, "hana", password="hana-password")
    make_user(client, "ken", password="ken-password")
    admin = token_for(client)
    mine = token_for(client, "hana", "hana-password")
    theirs = token_for(client, "ken", "ken-password")

    first, one, two = _workshop(client, mine, "地域福祉推進会議 2023", "2023-10-04")
    post_note(client, one["token"], first, "shared_issues", "高齢者の見守り活動が続かない")
    post_note(client, two["token"], first, "shared_issues", "地域の担い手不足")
    moderated = post_note(client, two["token"], first, "shared_issues", "見守りと書いた不適切な例")
    client.put(
        f"/api/v1/workshops/{first}/notes/{moderated['id']}/moderation",
        json={"moderated": True},
        headers=bearer(mine),
    ).raise_for_status()
    deleted = post_note(client, one["token"], first, "shared_issues", "見守りの消したメモ")
    client.delete(
        f"/api/v1/workshops/{first}/notes/{deleted['id']}", headers=bearer(one["token"])
    ).raise_for_status()

    second, one, two = _workshop(client, mine, "地域福祉推進会議 2024", "2024-10-02")
    post_note(client, one["token"], second, "shared_issues", "夜間の見守りの担い手が足りない")
    post_note(client, two["token"], second, "shared_issues", "子ども食堂の会場が見つからない")
    open_stage(client, mine, second, "strengths")
    post_note(client, two["token"], second, "strengths", "見守りボランティアの研修が充実")

    other, one, _ = _workshop(client, theirs, "別の市の会議", "2024-06-01")
    post_note(client, one["token"], other, "shared_issues", "見守りネットワークの担い手")
    return Corpus(admin, mine, theirs, first, second, other, moderated["id"], deleted["id"])


def notes(client: TestClient, token: str, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/notes?{query}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def texts(items: list[dict]) -> set[str]:
    return {item["text"] for item in items}


@BACKENDS
def test_japanese_substrings_find_notes_in_several_workshops(client):
    corpus = build(client)
    found = notes(client, corpus.mine, "q=見守り")
    assert texts(found) == {
        "高齢者の見守り活動が続かない",
        "夜間の見守りの担い手が足りない",
        "見守りボランティアの研修が充実",
    }
    assert {item["workshop"]["id"] for item in found} == {corpus.first, corpus.second}
    helpers = notes(client, corpus.mine, "q=担い手")
    assert texts(helpers) == {"地域の担い手不足", "夜間の見守りの担い手が足りない"}
    # Two characters are below the trigram index; they are still found.
    assert texts(notes(client, corpus.mine, "q=担い")) == texts(helpers)
    # Several words narrow: every one must appear.
    assert texts(notes(client, corpus.mine, "q=見守り 担い手")) == {
        "夜間の見守りの担い手が足りない"
    }


@BACKENDS
def test_a_facilitator_never_sees_another_facilitators_workshop(client):
    corpus = build(client)
    mine = notes(client, corpus.mine, "q=見守り")
    assert corpus.other not in {item["workshop"]["id"] for item in mine}
    assert texts(notes(client, corpus.theirs, "q=見守り")) == {"見守りネットワークの担い手"}
    everything = notes(client, corpus.admin, "q=見守り")
    assert "見守りネットワークの担い手" in texts(everything)
    login(client, "ken", "ken-password")
    page = client.get("/admin/search", params={"q": "見守り"})
    assert page.status_code == 200
    assert hit_texts(page.text) == ["見守りネットワークの担い手"]
    # Added as a co-facilitator, he sees that workshop too, and still not the other one.
    with client.app.state.db.write_session() as session:
        users.add_co_facilitator(
            session=session, workshop=workshops.get(session, corpus.second), username="ken"
        )
        session.commit()
    shared = notes(client, corpus.theirs, "q=見守り")
    assert {item["workshop"]["id"] for item in shared} == {corpus.other, corpus.second}


@BACKENDS
def test_hidden_deleted_and_purged_notes_never_appear(client):
    corpus = build(client)
    everything = texts(notes(client, corpus.admin, "q=見守り"))
    assert "見守りと書いた不適切な例" not in everything
    assert "見守りの消したメモ" not in everything
    db = client.app.state.db
    with db.write_session() as session:
        workshop = workshops.get(session, corpus.first)
        retention.close_workshop(session=session, workshop=workshop)
        session.commit()
    with db.write_session() as session:
        retention.purge_workshop(session=session, workshop=workshops.get(session, corpus.first))
        session.commit()
    after = notes(client, corpus.admin, "q=見守り")
    assert corpus.first not in {item["workshop"]["id"] for item in after}
    assert "高齢者の見守り活動が続かない" not in texts(after)
    with db.read_session() as session:
        left = session.exec(
            select(func.count()).where(SearchEntry.workshop_id == corpus.first)
        ).one()
        assert left == 0


@BACKENDS
def test_filters_narrow(client):
    corpus = build(client)
    every = notes(client, corpus.mine, "q=見守り")
    assert len(every) == 3
    in_2024 = notes(client, corpus.mine, "q=見守り&date_from=2024-01-01&date_to=2024-12-31")
    assert {item["workshop"]["id"] for item in in_2024} == {corpus.second}
    stage = notes(client, corpus.mine, "q=見守り&stage=strengths")
    assert texts(stage) == {"見守りボランティアの研修が充実"}
    group = notes(client, corpus.mine, "q=見守り&group=1G")
    assert texts(group) == {"高齢者の見守り活動が続かない", "夜間の見守りの担い手が足りない"}
    organisation = notes(client, corpus.mine, "q=担い手&organization=笠間市")
    assert texts(organisation) == {"地域の担い手不足"}
    assert notes(client, corpus.mine, "q=見守り&format=kpt") == []
    assert len(notes(client, corpus.mine, "q=見守り&format=open-meeting")) == 3


def test_series_filter_and_pages_of_the_notes_api(client):
    corpus = build(client)
    login(client, "hana", "hana-password")
    from tests.factories import form_post

    created = form_post(client, "/admin/series", {"name": "地域福祉推進会議"})
    assert created.status_code == 200, created.text
    series_id = int(str(created.url).rstrip("/").rsplit("/", 1)[-1])
    form_post(client, f"/admin/workshops/{corpus.second}/series", {"series_id": str(series_id)})
    in_series = notes(client, corpus.mine, f"q=見守り&series={series_id}")
    assert {item["workshop"]["id"] for item in in_series} == {corpus.second}
    assert {item["workshop"]["series"] for item in in_series} == {"地域福祉推進会議"}

    seen: list[str] = []
    cursor = ""
    while True:
        response = client.get(f"/api/v1/notes?limit=2&cursor={cursor}", headers=bearer(corpus.mine))
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
    # Two visible notes in 2023 (one moderated, one deleted left out) and three in 2024.
    assert len(seen) == len(set(seen)) == 5


def test_downloads_carry_a_bom_neutralise_formulas_and_refuse_bad_filters(client):
    corpus = build(client)
    first = make_workshop(client, corpus.mine, title="式")
    open_stage(client, corpus.mine, first["id"], "shared_issues")
    member = join(client, first["join_code"], "1G")
    post_note(client, member["token"], first["id"], "shared_issues", '=HYPERLINK("x")見守り')

    listed = client.get("/api/v1/notes.csv?q=見守り", headers=bearer(corpus.mine))
    assert listed.status_code == 200
    assert listed.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(listed.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4
    assert '\'=HYPERLINK("x")見守り' in {row[7] for row in rows}

    lines = client.get("/api/v1/notes.jsonl?q=担い手", headers=bearer(corpus.mine))
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    assert len(lines.text.strip().splitlines()) == 2

    login(client, "hana", "hana-password")
    book = client.get("/admin/search.xlsx", params={"q": "見守り"})
    sheet = load_workbook(io.BytesIO(book.content)).active
    cells = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("x")見守り' in cells
    assert all(not str(c).startswith("=") for c in cells)

    assert client.get("/admin/search?date_from=yesterday").status_code == 422
    assert client.get("/api/v1/notes?kind=secret", headers=bearer(corpus.mine)).status_code == 422
    assert client.get("/api/v1/notes?cursor=abc", headers=bearer(corpus.mine)).status_code == 422
    assert client.get("/api/v1/notes?q=x").status_code == 401


def test_page_searches_cluster_titles_and_escapes_text(client):
    corpus = build(client)
    response = client.post(
        f"/api/v1/workshops/{corpus.second}/clusters",
        json={"stage": "strengths", "group": "1G", "title": "<b>見守り体制</b>"},
        headers=bearer(corpus.mine),
    )
    assert response.status_code == 201, response.text
    login(client, "hana", "hana-password")
    page = client.get("/admin/search", params={"q": "見守り体制", "kind": "cluster"})
    assert hit_texts(page.text) == ["<b>見守り体制</b>"]
    assert "<b>見守り体制</b>" not in page.text


class _Hits(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and ("class", "hit-text") in attrs:
            self._in = True
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.found[-1] += data


def hit_texts(html: str) -> list[str]:
    parser = _Hits()
    parser.feed(html)
    return parser.found


@BACKENDS
def test_notes_of_a_stage_hidden_until_its_reveal_stay_out_until_revealed(client):
    corpus = build(client)
    reveal = f"/api/v1/workshops/{corpus.second}/stages/shared_issues/reveal"
    hidden = client.put(reveal, json={"hidden": True}, headers=bearer(corpus.mine))
    assert hidden.status_code == 200, hidden.text
    while_hidden = texts(notes(client, corpus.admin, "q=見守り"))
    assert "夜間の見守りの担い手が足りない" not in while_hidden
    assert "見守りボランティアの研修が充実" in while_hidden
    shown = client.put(reveal, json={"hidden": False}, headers=bearer(corpus.mine))
    assert shown.status_code == 200, shown.text
    assert "夜間の見守りの担い手が足りない" in texts(notes(client, corpus.admin, "q=見守り"))
