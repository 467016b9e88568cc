"""The sorting pages: escaped text, Japanese labels, and forms that work without JavaScript."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.factories import form_post, join, post_note
from tests.sorting_factories import api, running_workshop, sign_in_staff


class Texts(HTMLParser):
    """Element tags and text, to check HTML by parsing instead of by substring."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.texts.append(data.strip())


def parse(html: str) -> Texts:
    parser = Texts()
    parser.feed(html)
    return parser


def test_cluster_titles_and_notes_are_escaped_on_board_and_phone(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")
    note = post_note(client, member["token"], ws["id"], "shared_issues", "<b>太字</b>")
    api(
        client,
        ws["staff"],
        "POST",
        f"/workshops/{ws['id']}/clusters",
        json={
            "stage": "shared_issues",
            "group": "1G",
            "title": "<script>x</script>",
            "notes": [note["id"]],
        },
    )
    sign_in_staff(client)
    board = parse(client.get(f"/w/{ws['id']}/board").text)
    assert "<script>x</script>" in board.texts  # parsed as text, so it was escaped
    assert "<b>太字</b>" in board.texts
    assert board.tags.count("b") == 0
    client.cookies.clear()
    client.cookies.set(f"fusen_p{ws['id']}", member["token"])
    phone = parse(client.get(f"/w/{ws['id']}/p").text)
    assert "<script>x</script>" in phone.texts
    assert "<b>太字</b>" in phone.texts
    assert phone.tags.count("b") == 0


def test_board_speaks_japanese_for_the_sorting_controls(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    post_note(client, member, ws["id"], "shared_issues", "メモ")
    sign_in_staff(client)
    page = client.get(f"/w/{ws['id']}/board", headers={"Accept-Language": "ja"}).text
    texts = parse(page).texts
    for label in ("公開まで付箋を隠す", "タイマー開始", "整理…", "新しいまとまり", "記録者: "):
        assert any(label.strip() in t for t in texts), label


def test_moving_by_form_without_javascript_returns_to_the_board(client):
    ws = running_workshop(client)
    member = join(client, ws["code"], "1G")["token"]
    note = post_note(client, member, ws["id"], "shared_issues", "メモ")
    sign_in_staff(client)
    response = form_post(
        client,
        f"/w/{ws['id']}/sort/notes/{note['id']}/move",
        data={"cluster": "new"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{ws['id']}/board"
    snapshot = api(client, ws["staff"], "GET", f"/workshops/{ws['id']}").json()
    assert snapshot["notes"][0]["cluster_id"] == snapshot["clusters"][0]["id"]
    bad = form_post(
        client,
        f"/w/{ws['id']}/sort/notes/{note['id']}/move",
        data={"cluster": "abc"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422
    assert "Choose a cluster" in bad.text


def test_a_recorders_phone_is_told_it_may_organise(client):
    ws = running_workshop(client)
    recorder = join(client, ws["code"], "1G")
    api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/participants/{recorder['participant_id']}/role",
        json={"role": "recorder"},
    )
    post_note(client, recorder["token"], ws["id"], "shared_issues", "メモ")
    client.cookies.set(f"fusen_p{ws['id']}", recorder["token"])
    page = client.get(f"/w/{ws['id']}/p").text
    assert f'data-recorders="{recorder["participant_id"]}"' in page
    assert 'data-sortable="notes"' in page
