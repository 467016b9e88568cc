"""The server-rendered pages without JavaScript: join, post, board, escaping, inline errors."""

from __future__ import annotations

from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from app.web.fragments import FragmentRenderer
from tests.conftest import ADMIN_PASSWORD
from tests.factories import bearer, form_post, make_workshop, open_stage, staff_token

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&{{7*7}}'


class Tree(HTMLParser):
    """Collect elements and text, so assertions look at structure rather than substrings."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    return tree


@pytest.fixture
def workshop(client):
    token = staff_token(client)
    created = make_workshop(client, token)
    open_stage(client, token, created["id"], "strengths")
    return {**created, "staff": token}


def join_by_form(client, workshop, group_name="1G", name="山田"):
    page = client.get(f"/j/{workshop['join_code']}")
    assert page.status_code == 200
    radios = parse(page.text).find("input", type="radio", name="group")
    group_id = next(
        r["value"]
        for r in radios
        if r["value"] and group_value(page.text, r["value"]) == group_name
    )
    response = form_post(
        client,
        f"/j/{workshop['join_code']}",
        data={"group": group_id, "name": name, "organization": "水戸市"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{workshop['id']}/p"
    return group_id


def group_value(html: str, value: str) -> str:
    marker = f'value="{value}"'
    after = html.split(marker, 1)[1]
    return after.split("<span>", 1)[1].split("</span>", 1)[0]


def test_wrong_code_on_the_start_page_is_answered_inline(client):
    response = client.get("/join", params={"code": "QQQQ-QQQQ"})
    assert response.status_code == 404
    tree = parse(response.text)
    assert tree.find("input", id="code", value="QQQQ-QQQQ")
    assert any("No workshop has this code" in t for t in tree.text)


def test_right_code_leads_to_the_join_page(client, workshop):
    response = client.get(
        "/join", params={"code": workshop["join_code"].lower()}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/j/{workshop['join_code']}"


def test_phone_joins_posts_without_javascript_and_sees_the_note_escaped(client, workshop):
    join_by_form(client, workshop)
    posted = form_post(
        client,
        f"/w/{workshop['id']}/p/notes",
        data={"text": HOSTILE, "stage": "strengths"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    page = client.get(f"/w/{workshop['id']}/p")
    tree = parse(page.text)
    assert not tree.find("script", src=None) or all(s.get("src") for s in tree.find("script")), (
        "an inline script reached the page"
    )
    assert not tree.find("img", src="x")
    assert HOSTILE in "".join(tree.text)


def test_phone_post_with_htmx_gets_the_list_back_and_errors_inline(client, workshop):
    join_by_form(client, workshop)
    headers = {"HX-Request": "true"}
    ok = form_post(
        client,
        f"/w/{workshop['id']}/p/notes",
        data={"text": "ひとこと", "stage": "strengths"},
        headers=headers,
    )
    assert ok.status_code == 200
    assert parse(ok.text).find("section", id="phone-notes")
    empty = form_post(
        client,
        f"/w/{workshop['id']}/p/notes",
        data={"text": "  ", "stage": "strengths"},
        headers=headers,
    )
    assert empty.status_code == 422
    assert parse(empty.text).find("p", **{"class": "alert"})
    closed = form_post(
        client,
        f"/w/{workshop['id']}/p/notes",
        data={"text": "x", "stage": "shared_issues"},
        headers=headers,
    )
    assert closed.status_code == 409
    assert "not open" in closed.text


def test_phone_page_without_joining_sends_you_to_the_join_page(client, workshop):
    response = client.get(f"/w/{workshop['id']}/p", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/j/{workshop['join_code']}"


def test_board_needs_a_login_and_then_shows_every_group(client, workshop):
    response = client.get(f"/w/{workshop['id']}/board", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    login = form_post(
        client,
        "/login",
        data={
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "next": f"/w/{workshop['id']}/board",
        },
        follow_redirects=False,
    )
    assert login.status_code == 303
    board = client.get(f"/w/{workshop['id']}/board")
    assert board.status_code == 200
    tree = parse(board.text)
    assert len(tree.find("section", **{"class": "column"})) == 2
    assert tree.find("div", id="live-root")
    assert "content-security-policy" in board.headers


def test_wrong_password_is_answered_on_the_login_page(client):
    response = form_post(client, "/login", data={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert parse(response.text).find("input", id="username", value="admin")


def test_login_never_redirects_off_site(client):
    response = form_post(
        client,
        "/login",
        data={"username": "admin", "password": ADMIN_PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin"


def test_board_patch_for_a_note_escapes_its_text(client, workshop):
    from app.live import events
    from app.live.hub import Audience

    token = workshop["staff"]
    client.post(
        f"/api/v1/workshops/{workshop['id']}/notes",
        json={"stage": "strengths", "text": HOSTILE, "group": "1G"},
        headers=bearer(token),
    )
    app = client.app
    renderer: FragmentRenderer = app.state.hub.render
    with app.state.db.read_session() as session:
        batch = events.read_after(session, workshop_id=workshop["id"], after=0, limit=100)
        board = Audience(kind="board", locale="ja")
        phone = Audience(kind="phone", locale="en", group_id=2)
        rendered = renderer(session, batch, [board, phone])
    assert [seq for seq, _ in rendered[board]] == [1, 2]
    patch = rendered[board][-1][1].decode()
    html = "\n".join(line[6:] for line in patch.splitlines() if line.startswith("data: "))
    tree = parse(html)
    # One card patch: the new note's card, not the whole column.
    assert tree.find("template") and len([a for t, a in tree.tags if t == "li"]) == 1, html
    assert not tree.find("script")
    assert not tree.find("img")
    assert HOSTILE in "".join(tree.text)
    # Group 2's phones get nothing about a 1G note.
    assert [seq for seq, _ in rendered[phone]] == [1]


def test_language_buttons_switch_the_page_language(client):
    japanese = client.get("/", headers={"Accept-Language": "ja"})
    assert parse(japanese.text).find("html", lang="ja")
    switched = form_post(client, "/lang", data={"lang": "en", "next": "/"}, follow_redirects=False)
    assert switched.status_code == 303
    english = client.get("/", headers={"Accept-Language": "ja"})
    assert parse(english.text).find("html", lang="en")


def test_unknown_page_is_a_readable_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert parse(response.text).find("p", **{"class": "alert"})


def test_create_workshop_form_reports_bad_input_inline(client):
    form_post(client, "/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    response = form_post(
        client, "/admin/workshops", data={"title": "", "groups": "1G", "format": "kpt"}
    )
    assert response.status_code == 422
    assert parse(response.text).find("p", **{"class": "alert"})
    created = form_post(
        client,
        "/admin/workshops",
        data={"title": "研修", "groups": "3", "format": "kpt", "date": "2026-12-01"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "3G" in "".join(parse(page.text).text)


def test_qr_codes_are_svg_for_the_room_and_each_table(client, workshop):
    form_post(client, "/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    cards = client.get(f"/w/{workshop['id']}/qr")
    assert cards.status_code == 200
    images = parse(cards.text).find("img", **{"class": "qr-image"})
    assert len(images) == 3  # the room and two tables
    svg = client.get(images[1]["src"])
    assert svg.headers["content-type"].startswith("image/svg+xml")
    # A standalone SVG document: a browser shows an <img> of it only with the SVG namespace.
    root = ElementTree.fromstring(svg.content)  # noqa: S314  (our own server's output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert client.get(f"/w/{workshop['id']}/qr.svg?g=99999").status_code == 422


def test_api_docs_are_served_from_our_own_files_under_the_csp(client):
    response = client.get("/docs")
    assert response.status_code == 200
    tree = parse(response.text)
    sources = [s["src"] for s in tree.find("script")]
    assert sources and all(src.startswith("/static/") for src in sources)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert client.get("/openapi.json").json()["paths"]["/api/v1/join"]
