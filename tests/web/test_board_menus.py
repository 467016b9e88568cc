"""The console carries one menu for every card, moderated text only on demand, and the wall no
control at all; every menu is also a page of its own for browsers without JavaScript."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.factories import form_post, join, post_note
from tests.sorting_factories import api, running_workshop, sign_in_staff


class Page(HTMLParser):
    """Start tags with their attributes, and the text, of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)

    def text(self) -> str:
        return "\n".join(self.texts)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def _board_with(client, count: int) -> tuple[dict, list[dict]]:
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    notes = [
        post_note(client, member, ws["id"], "shared_issues", f"課題その{n}") for n in range(count)
    ]
    return ws, notes


def test_the_board_carries_no_menu_per_card_however_many_notes(client):
    sizes = {}
    for count in (2, 30):
        ws, notes = _board_with(client, count)
        sign_in_staff(client)
        page = parse(client.get(f"/w/{ws['id']}/board").text)
        links = [a for tag, a in page.tags if tag == "a" and a.get("class") == "card-menu organise"]
        assert len(links) == count  # one "Sort…" link per card, the menu itself is not there
        sizes[count] = (page.count("select"), page.count("form"))
    assert sizes[2] == sizes[30], sizes


def test_a_notes_menu_lists_likely_duplicates_first_and_works_without_javascript(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    original = post_note(client, member, ws["id"], "shared_issues", "若い世代の参加が少ない")
    post_note(client, member, ws["id"], "shared_issues", "行政との連携")
    repeat = post_note(client, member, ws["id"], "shared_issues", "若い世代の参加が少ない。")
    sign_in_staff(client)
    menu = client.get(f"/w/{ws['id']}/sort/notes/{repeat['id']}/menu")
    assert menu.status_code == 200
    page = parse(menu.text)
    options = [a.get("value") for tag, a in page.tags if tag == "option"]
    assert options.index(original["id"]) < len(options) - 1  # the suggestion comes first
    dup_select = menu.text.split('name="of"')[1]
    assert dup_select.index(original["id"]) < dup_select.index("行政との連携")
    # The menu's fold form posts like any form and comes back to the board.
    folded = form_post(
        client,
        f"/w/{ws['id']}/sort/notes/{repeat['id']}/duplicate",
        data={"of": original["id"]},
        follow_redirects=False,
    )
    assert folded.status_code == 303 and folded.headers["location"] == f"/w/{ws['id']}/board"
    # Fetched by the board's dialog, it is the menu alone.
    fragment = client.get(
        f"/w/{ws['id']}/sort/notes/{original['id']}/menu", headers={"HX-Request": "true"}
    )
    assert parse(fragment.text).count("html") == 0
    assert "Unfold" in fragment.text


def test_moderated_text_stays_out_of_the_board_and_is_fetched_by_the_facilitator(client):
    ws, notes = _board_with(client, 2)
    rude = post_note(
        client, join(client, ws["code"], "1G")["token"], ws["id"], "shared_issues", "不適切な発言"
    )
    hidden = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/notes/{rude['id']}/moderation",
        json={"moderated": True},
    )
    assert hidden.status_code == 200, hidden.text
    sign_in_staff(client)
    board = client.get(f"/w/{ws['id']}/board").text
    assert "不適切な発言" not in board
    assert "1 hidden note" in parse(board).text()
    group = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()["groups"][0]["id"]
    listed = client.get(f"/w/{ws['id']}/sort/groups/{group}/moderated")
    assert listed.status_code == 200
    assert "不適切な発言" in parse(listed.text).text()
    wall = client.get(f"/w/{ws['id']}/wall").text
    assert "不適切な発言" not in wall


def test_the_wall_has_no_controls_and_shows_cluster_titles_in_the_select_stage(client):
    ws, notes = _board_with(client, 3)
    api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={
            "stage": "shared_issues",
            "group": "1G",
            "title": "<i>参加</i>",
            "notes": [notes[0]["id"]],
        },
    )
    api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/current-stage",
        json={"stage": "hard_problems"},
    )
    sign_in_staff(client)
    response = client.get(f"/w/{ws['id']}/wall")
    assert response.status_code == 200
    page = parse(response.text)
    for control in ("form", "button", "input", "select", "textarea"):
        assert page.count(control) == 0, control
    assert "<i>参加</i>" in page.texts  # the cluster title, escaped
    assert page.count("i") == 0
    stream = [a for tag, a in page.tags if "sse-connect" in a][0]["sse-connect"]
    assert stream.startswith(f"/w/{ws['id']}/wall/stream?after=")


def test_the_wall_follows_the_consoles_focus_until_the_console_lets_go(client):
    ws, notes = _board_with(client, 2)
    sign_in_staff(client)
    groups = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()["groups"]
    wall = parse(client.get(f"/w/{ws['id']}/wall").text)
    assert len([a for tag, a in wall.tags if a.get("class") == "wall-group"]) == len(groups)
    focused = form_post(
        client, f"/w/{ws['id']}/wall/focus", data={"group": "1G"}, follow_redirects=False
    )
    assert focused.status_code == 303
    wall = parse(client.get(f"/w/{ws['id']}/wall").text)
    shown = [a["id"] for tag, a in wall.tags if a.get("class") == "wall-group"]
    assert shown == [f"wall-col-{groups[0]['id']}"]
    # The wall's stream gets the new view; the console's and phones' streams get nothing.
    hub = client.app.state.hub
    from app.live.hub import Audience

    before = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()["last_seq"] - 1
    for kind, expected in (("wall", 1), ("board", 0), ("phone", 0)):
        audience = Audience(kind, "ja", groups[0]["id"] if kind == "phone" else None)
        assert len([m for _s, m in hub._replay(ws["id"], audience, before) if m]) == expected
    form_post(client, f"/w/{ws['id']}/wall/focus", data={"group": ""})
    wall = parse(client.get(f"/w/{ws['id']}/wall").text)
    assert len([a for tag, a in wall.tags if a.get("class") == "wall-group"]) == len(groups)
    assert form_post(client, f"/w/{ws['id']}/wall/focus", data={"group": "9G"}).status_code == 422
