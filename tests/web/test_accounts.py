"""Accounts and roles: sign in, sessions, disabling, resetting, co-facilitators, the CLI."""

from __future__ import annotations

from html.parser import HTMLParser

from app.cli import main as cli_main
from app.domain import audit, users
from tests.factories import (
    bearer,
    form_post,
    login,
    make_user,
    make_workshop,
    staff_token,
)


def _status(client, url: str) -> int:
    return client.get(url, follow_redirects=False).status_code


def test_login_sets_httponly_lax_session_cookie_and_rotates_it(client):
    login(client)
    first = client.cookies.get("fusen_staff")
    response = form_post(
        client,
        "/login",
        {"username": "admin", "password": "admin-pass-for-tests"},
        follow_redirects=False,
    )
    cookie_header = response.headers["set-cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=lax" in cookie_header
    second = client.cookies.get("fusen_staff")
    assert first and second and first != second
    # The session id the browser had before signing in is dead: no fixation.
    client.cookies.clear()
    client.cookies.set("fusen_staff", first)
    assert _status(client, "/admin") == 303


def test_secure_cookie_when_served_over_https(settings):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.factories import csrf_token

    with TestClient(create_app(settings), base_url="https://fusen.example") as client:
        response = client.post(
            "/login",
            data={
                "username": "admin",
                "password": "admin-pass-for-tests",
                "csrf_token": csrf_token(client),
            },
            follow_redirects=False,
        )
    staff = [c for c in response.headers.get_list("set-cookie") if c.startswith("fusen_staff=")]
    assert staff and "Secure" in staff[0]


def test_logout_ends_the_session_on_the_server(client):
    login(client)
    cookie = client.cookies.get("fusen_staff")
    assert form_post(client, "/logout", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("fusen_staff", cookie)
    assert _status(client, "/admin") == 303


def test_wrong_password_is_refused_and_audited(client):
    response = form_post(
        client,
        "/login",
        {"username": "admin", "password": "nope-nope-nope"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    with client.app.state.db.read_session() as session:
        assert [e.action for e in audit.recent(session)] == ["login.failed"]


def test_admin_creates_a_facilitator_who_can_sign_in(client):
    login(client)
    response = form_post(
        client,
        "/admin/users",
        {"username": "sato", "role": "facilitator", "password": "long-enough-pass"},
    )
    assert response.status_code == 200
    client.cookies.clear()
    login(client, "sato", "long-enough-pass")
    assert _status(client, "/admin") == 200
    assert _status(client, "/admin/users") == 403


def test_generated_password_is_shown_once_and_works(client):
    login(client)
    response = form_post(client, "/admin/users", {"username": "tanaka", "role": "facilitator"})
    notice = _text_of_class(response.text, "notice")
    password = notice.split("password is ")[1].split(" ")[0]
    client.cookies.clear()
    login(client, "tanaka", password)


def test_disabling_an_account_signs_it_out_and_blocks_its_token(client):
    user_id = make_user(client, "suzuki", password="suzuki-password")
    api_token = staff_token(client, "suzuki", "suzuki-password")
    login(client, "suzuki", "suzuki-password")
    suzuki_cookie = client.cookies.get("fusen_staff")
    client.cookies.clear()
    login(client)
    response = form_post(client, f"/admin/users/{user_id}/active", {"active": "false"})
    assert response.status_code == 200
    client.cookies.clear()
    client.cookies.set("fusen_staff", suzuki_cookie)
    assert _status(client, "/admin") == 303
    assert client.get("/api/v1/formats").status_code == 200
    created = client.post(
        "/api/v1/workshops",
        json={"title": "x", "groups": ["1G"], "format": "kpt"},
        headers=bearer(api_token),
    )
    assert created.status_code == 401


def test_reset_password_ends_sessions_and_old_password_stops_working(client):
    user_id = make_user(client, "ito", password="old-password-1")
    login(client, "ito", "old-password-1")
    ito_cookie = client.cookies.get("fusen_staff")
    client.cookies.clear()
    login(client)
    form_post(client, f"/admin/users/{user_id}/password", {"password": "new-password-2"})
    client.cookies.clear()
    client.cookies.set("fusen_staff", ito_cookie)
    assert _status(client, "/admin") == 303
    client.cookies.clear()
    bad = form_post(
        client, "/login", {"username": "ito", "password": "old-password-1"}, follow_redirects=False
    )
    assert bad.status_code == 401
    login(client, "ito", "new-password-2")


def test_last_admin_cannot_be_disabled_or_demoted(client):
    login(client)
    with client.app.state.db.read_session() as session:
        admin_id = users.by_username(session, "admin").id
    second = make_user(client, "boss2", role="admin", password="boss2-password")
    assert (
        form_post(client, f"/admin/users/{admin_id}/active", {"active": "false"}).status_code == 409
    )
    assert (
        form_post(client, f"/admin/users/{second}/active", {"active": "false"}).status_code == 200
    )
    assert (
        form_post(client, f"/admin/users/{admin_id}/role", {"role": "facilitator"}).status_code
        == 409
    )


def test_co_facilitator_runs_the_workshop_and_loses_it_when_removed(client):
    owner = make_user(client, "owner", password="owner-password")
    helper = make_user(client, "helper", password="helper-password")
    assert owner and helper
    workshop = make_workshop(client, staff_token(client, "owner", "owner-password"))
    login(client, "helper", "helper-password")
    board = f"/w/{workshop['id']}/board"
    assert _status(client, board) == 403
    client.cookies.clear()
    login(client, "owner", "owner-password")
    added = form_post(
        client,
        f"/admin/workshops/{workshop['id']}/facilitators",
        {"username": "helper"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    client.cookies.clear()
    login(client, "helper", "helper-password")
    assert _status(client, board) == 200
    assert workshop["join_code"][:4] in client.get("/admin").text
    client.cookies.clear()
    login(client, "owner", "owner-password")
    form_post(client, f"/admin/workshops/{workshop['id']}/facilitators/{helper}/remove")
    client.cookies.clear()
    login(client, "helper", "helper-password")
    assert _status(client, board) == 403


def test_cli_creates_a_user_and_resets_a_password(settings, monkeypatch, capsys):
    import io

    from app import settings as settings_module

    monkeypatch.setattr(settings_module, "get_settings", lambda: settings)
    import app.cli_admin as cli_admin

    monkeypatch.setattr(cli_admin, "get_settings", lambda: settings)
    monkeypatch.setattr("sys.stdin", io.StringIO("cli-password-123\n"))
    assert cli_main(["create-user", "kato", "--role", "admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("cli-password-456\n"))
    assert cli_main(["reset-password", "kato", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli_main(["reset-password", "kato", "--password-stdin"]) == 1
    out = capsys.readouterr()
    assert "Created admin 'kato'" in out.out
    assert "at least 10 characters" in out.err
    from app.db import Database
    from app.domain import accounts

    db = Database(settings.database_url)
    with db.read_session() as session:
        assert accounts.authenticate(session, username="kato", password="cli-password-456")
    db.dispose()


def _text_of_class(html: str, css_class: str) -> str:
    parts: list[str] = []

    class Finder(HTMLParser):
        depth = 0

        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            if self.depth or css_class in (dict(attrs).get("class") or "").split():
                self.depth += 1

        def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):  # type: ignore[no-untyped-def]
            if self.depth:
                parts.append(data)

    Finder().feed(html)
    return "".join(parts)
