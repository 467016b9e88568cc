"""Hostile input through every text field: stored or refused with a reason, rendered inert."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from app.live import events
from app.live.hub import Audience
from app.models import Workshop
from tests.factories import (
    bearer,
    csrf_token,
    join,
    login,
    make_workshop,
    open_stage,
    page_csrf_token,
    staff_token,
)

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 1111*1111 }}{% raw %}${1111*1111}",
    "'; DROP TABLE note; --",
    "1 OR 1=1 /* */",
    "\u202eevil\u202c gnp.exe",
    "👨‍👩‍👧‍👦🍣𠮷𩸽",
    "bell\x07nul\x00esc\x1b[31m",
]
HUGE = "あ" * 100_000


class Inertness(HTMLParser):
    """Collect what a browser would execute: script elements and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script" and not (dict(attrs).get("src") or "").startswith("/static/"):
            self.problems.append("<script> without our src")
        if tag in ("img", "svg") and any(n in ("onerror", "onload") for n, _ in attrs):
            self.problems.append(f"<{tag}> with a handler")

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def assert_inert(html: str, where: str) -> str:
    parser = Inertness()
    parser.feed(html)
    assert not parser.problems, f"{where}: {parser.problems}"
    return "".join(parser.text)


def test_hostile_text_in_every_field_is_stored_inert_or_refused_with_a_reason(client):
    token = staff_token(client)
    login(client)
    # Workshops through the API and the staff form: title, venue, group names, stage texts.
    for n, value in enumerate(HOSTILE):
        body = {
            "title": value,
            "venue": value,
            "groups": [f"{n}{value}"[:40], "2G"],
            "stages": [{"key": "s", "label": value, "prompt": value, "label_en": value}],
        }
        response = client.post("/api/v1/workshops", json=body, headers=bearer(token))
        assert response.status_code in (201, 422), response.text
        page = client.post(
            "/admin/workshops",
            data={
                "title": value,
                "venue": value,
                "groups": f"A{n}, {value[:30]}",
                "format": "kpt",
                "csrf_token": csrf_token(client),
            },
        )
        assert page.status_code < 500
    workshop = make_workshop(client, token, groups=["1G", HOSTILE[1][:40]])
    open_stage(client, token, workshop["id"], "strengths")
    code = workshop["join_code"]
    phone_ids = []
    for value in HOSTILE:
        joined = client.post(
            "/api/v1/join",
            json={"code": code, "group": "1G", "name": value[:60], "organization": value},
        )
        assert joined.status_code == 201, joined.text
        phone_ids.append(joined.json()["token"])
        note = client.post(
            f"/api/v1/workshops/{workshop['id']}/notes",
            json={"stage": "strengths", "text": value},
            headers=bearer(joined.json()["token"]),
        )
        assert note.status_code == 201, note.text
        edited = client.patch(
            f"/api/v1/workshops/{workshop['id']}/notes/{note.json()['id']}",
            json={"text": value + " (edited)"},
            headers=bearer(joined.json()["token"]),
        )
        assert edited.status_code == 200
        paper = client.post(
            f"/w/{workshop['id']}/board/notes",
            data={
                "group": "1G",
                "stage": "strengths",
                "text": value,
                "csrf_token": csrf_token(client),
            },
            follow_redirects=False,
        )
        assert paper.status_code == 303
    # A lone surrogate cannot be stored as UTF-8; it is dropped, never a server error.
    lone = client.post(
        f"/api/v1/workshops/{workshop['id']}/notes",
        content=b'{"stage": "strengths", "text": "x\\ud800y"}',
        headers={**bearer(phone_ids[0]), "Content-Type": "application/json"},
    )
    assert lone.status_code in (201, 422)
    # The phone's own forms: join and post.
    phone = client.post(
        f"/j/{code}",
        data={
            "group": "1G",
            "name": HOSTILE[0],
            "organization": HOSTILE[1],
            "csrf_token": csrf_token(client),
        },
    )
    assert phone.status_code == 200
    home = client.get(f"/w/{workshop['id']}/p")
    for value in HOSTILE:
        posted = client.post(
            f"/w/{workshop['id']}/p/notes",
            data={"stage": "strengths", "text": value},
            headers={"HX-Request": "true", "X-CSRF-Token": page_csrf_token(home.text)},
        )
        assert posted.status_code == 200
        assert_inert(posted.text, "phone fragment")

    pages = [
        "/admin",
        f"/admin/workshops/{workshop['id']}",
        f"/w/{workshop['id']}/board",
        f"/w/{workshop['id']}/board/live",
        f"/w/{workshop['id']}/p",
        f"/w/{workshop['id']}/p/live",
        f"/w/{workshop['id']}/qr",
        f"/j/{code}",
        "/admin/audit",
    ]
    board_text = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = assert_inert(response.text, url)
        if url.endswith("/board"):
            board_text = text
    assert "<script>alert(1)</script>" in board_text
    # Evaluated, it would read 1234321; join codes have no 1, so the number cannot occur by chance.
    assert "{{ 1111*1111 }}" in board_text and "1234321" not in board_text
    assert "👨‍👩‍👧‍👦🍣𠮷𩸽" in board_text
    assert "\u202e" not in board_text and "\x00" not in board_text

    # Event fragments, rendered once per audience as the hub does.
    db = client.app.state.db
    with db.read_session() as session:
        row = session.exec(select(Workshop).where(Workshop.id == workshop["id"])).one()
        batch = events.read_after(session, workshop_id=row.id, after=0, limit=1000)
        audiences = [
            Audience("board", "ja"),
            Audience("phone", "en", group_id=None),
            Audience("api"),
        ]
        rendered = client.app.state.hub.render(session, batch, audiences)
    html_fragments = 0
    for audience, messages in rendered.items():
        for _seq, data in messages:
            lines = data.decode().splitlines()
            payload = "\n".join(
                line[len("data: ") :] for line in lines if line.startswith("data: ")
            )
            if audience.kind == "api":
                json.loads(payload)
            else:
                assert_inert(payload, f"{audience.kind} event fragment")
                html_fragments += 1
    assert html_fragments > len(HOSTILE)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/v1/workshops", {"title": HUGE, "format": "kpt", "groups": ["1G"]}),
        (
            "POST",
            "/api/v1/workshops",
            {"title": "t", "venue": HUGE, "format": "kpt", "groups": ["1G"]},
        ),
        ("POST", "/api/v1/workshops", {"title": "t", "format": "kpt", "groups": [HUGE]}),
        ("POST", "/api/v1/join", {"code": "CODE", "group": "1G", "name": HUGE}),
        ("POST", "/api/v1/join", {"code": HUGE, "group": "1G"}),
        ("NOTE", "", {"stage": "strengths", "text": HUGE}),
        ("EDIT", "", {"text": HUGE}),
    ],
)
def test_100_kb_strings_are_refused_with_a_reason(client, method, url, body):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    if "code" in body and body["code"] == "CODE":
        body = {**body, "code": workshop["join_code"]}
    if method == "NOTE":
        response = client.post(
            f"/api/v1/workshops/{workshop['id']}/notes", json=body, headers=bearer(token)
        )
    elif method == "EDIT":
        member = join(client, workshop["join_code"])
        note = client.post(
            f"/api/v1/workshops/{workshop['id']}/notes",
            json={"stage": "strengths", "text": "short"},
            headers=bearer(member["token"]),
        ).json()
        response = client.patch(
            f"/api/v1/workshops/{workshop['id']}/notes/{note['id']}",
            json=body,
            headers=bearer(member["token"]),
        )
    else:
        response = client.post(url, json=body, headers=bearer(token))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail and ("at most" in str(detail) or "characters" in str(detail))


def test_100_kb_strings_in_page_forms_are_refused_with_a_reason(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    login(client)
    response = client.post(
        "/admin/workshops", data={"title": HUGE, "groups": "2", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    assert "at most" in assert_inert(response.text, "new workshop")
    joined = client.post(
        f"/j/{workshop['join_code']}",
        data={"group": "1G", "name": HUGE, "csrf_token": csrf_token(client)},
    )
    assert joined.status_code == 422
    assert "at most" in assert_inert(joined.text, "join")
