"""CSRF, security headers, rate limits and size limits."""

from __future__ import annotations

from html.parser import HTMLParser

from app.web.ratelimit import Limiter
from tests.factories import (
    bearer,
    csrf_token,
    form_post,
    join,
    login,
    make_workshop,
    open_stage,
    staff_token,
)


class _Forms(HTMLParser):
    """Every POST form of a page, and whether it carries the CSRF field."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.forms.append({"action": attributes.get("action"), "csrf": False})
        if tag == "input" and attributes.get("name") == "csrf_token" and self.forms:
            self.forms[-1]["csrf"] = bool(attributes.get("value"))


def _post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def test_form_post_without_the_token_is_refused_and_with_it_works(client):
    client.get("/login")
    without = client.post(
        "/login",
        data={"username": "admin", "password": "admin-pass-for-tests"},
        follow_redirects=False,
    )
    assert without.status_code == 403
    assert "Reload the page" in without.text
    assert "fusen_staff" not in client.cookies
    with_token = form_post(
        client,
        "/login",
        {"username": "admin", "password": "admin-pass-for-tests"},
        follow_redirects=False,
    )
    assert with_token.status_code == 303


def test_htmx_request_carries_the_token_in_a_header(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    client.post(
        f"/j/{workshop['join_code']}", data={"group": "1G", "csrf_token": csrf_token(client)}
    )
    url = f"/w/{workshop['id']}/p/notes"
    refused = client.post(
        url, data={"stage": "strengths", "text": "x"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 403
    page = client.get(f"/w/{workshop['id']}/p")
    from tests.factories import page_csrf_token

    header = {"HX-Request": "true", "X-CSRF-Token": page_csrf_token(page.text)}
    accepted = client.post(url, data={"stage": "strengths", "text": "x"}, headers=header)
    assert accepted.status_code == 200


def test_token_of_another_browser_is_refused(client, settings):
    from fastapi.testclient import TestClient

    from app.main import create_app

    foreign = csrf_token(client)
    with TestClient(create_app(settings)) as other:
        other.get("/login")
        response = other.post(
            "/login",
            data={"username": "admin", "password": "admin-pass-for-tests", "csrf_token": foreign},
        )
    assert response.status_code == 403


def test_cross_site_origin_is_refused_even_with_a_token(client):
    data = {
        "username": "admin",
        "password": "admin-pass-for-tests",
        "csrf_token": csrf_token(client),
    }
    evil = client.post("/login", data=data, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    fetch = client.post("/login", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch.status_code == 403
    same = client.post(
        "/login",
        data=data,
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert same.status_code == 303


def test_json_api_needs_no_csrf_token(client):
    token = staff_token(client)
    make_workshop(client, token)


def test_every_post_form_on_staff_and_phone_pages_carries_the_token(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    login(client)
    pages = [
        "/admin",
        "/admin/workshops/new",
        f"/admin/workshops/{workshop['id']}",
        f"/w/{workshop['id']}/board",
        "/admin/users",
        "/admin/formats/new",
        f"/j/{workshop['join_code']}",
    ]
    seen = 0
    for page in pages:
        forms = _post_forms(client.get(page).text)
        assert forms, page
        for form in forms:
            assert form["csrf"], f"{page}: form to {form['action']} has no CSRF field"
            seen += 1
    assert seen >= 10


def test_security_headers_on_every_html_page(client):
    for url in ("/", "/login", "/does-not-exist", "/join?code=NOPE"):
        response = client.get(url)
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_wrong_codes_are_limited_per_address_but_right_codes_never_are(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    client.app.state.limits.join_failures = Limiter(burst=3, per_minute=1)
    for _ in range(3):
        assert client.get("/join", params={"code": "WRONGONE"}).status_code == 404
    limited = client.get("/join", params={"code": "WRONGONE"})
    assert limited.status_code == 429
    assert "Too many wrong codes" in limited.text
    assert int(limited.headers["retry-after"]) >= 1
    api = client.post("/api/v1/join", json={"code": workshop["join_code"], "group": "1G"})
    assert api.status_code == 429


def test_three_hundred_phones_behind_one_address_all_join(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    client.app.state.limits.join_failures = Limiter(burst=3, per_minute=1)
    # A few typos on the way do not lock the hall out.
    for _ in range(2):
        client.post("/api/v1/join", json={"code": "TYPOTYPO", "group": "1G"})
    for n in range(300):
        join(client, workshop["join_code"], "1G" if n % 2 else "2G")


def test_failed_logins_are_limited_per_address(client):
    client.app.state.limits.login_failures = Limiter(burst=2, per_minute=1)
    for _ in range(2):
        bad = client.post("/api/v1/token", data={"username": "admin", "password": "wrong-one"})
        assert bad.status_code == 401
    limited = client.post(
        "/api/v1/token", data={"username": "admin", "password": "admin-pass-for-tests"}
    )
    assert limited.status_code == 429
    page = form_post(client, "/login", {"username": "admin", "password": "admin-pass-for-tests"})
    assert page.status_code == 429
    assert "Too many failed sign-ins" in page.text


def test_notes_per_participant_are_limited_with_a_clear_message(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    client.app.state.limits.notes = Limiter(burst=3, per_minute=3)
    member = join(client, workshop["join_code"])
    url = f"/api/v1/workshops/{workshop['id']}/notes"
    for n in range(3):
        posted = client.post(
            url, json={"stage": "strengths", "text": f"n{n}"}, headers=bearer(member["token"])
        )
        assert posted.status_code == 201
    limited = client.post(
        url, json={"stage": "strengths", "text": "n"}, headers=bearer(member["token"])
    )
    assert limited.status_code == 429
    assert "posting very quickly" in limited.json()["detail"]
    other = join(client, workshop["join_code"])
    ok = client.post(url, json={"stage": "strengths", "text": "x"}, headers=bearer(other["token"]))
    assert ok.status_code == 201


def test_limiter_earns_tokens_back_over_time():
    now = [0.0]
    limiter = Limiter(burst=2, per_minute=60, clock=lambda: now[0])
    assert limiter.spend("a") == 0 and limiter.spend("a") == 0
    assert limiter.spend("a") > 0
    now[0] += 1.0
    assert limiter.spend("a") == 0


def test_oversize_body_is_refused_with_a_reason(client, settings):
    from fastapi.testclient import TestClient

    from app.main import create_app

    small = settings.model_copy(update={"max_body_bytes": 10_000})
    with TestClient(create_app(small), headers={"Accept-Language": "en"}) as limited:
        token = staff_token(limited)
        body = {"title": "x" * 20_000, "format": "kpt", "groups": ["1G"]}
        response = limited.post("/api/v1/workshops", json=body, headers=bearer(token))
        assert response.status_code == 413
        assert "too large" in response.json()["detail"]
        page = limited.post("/login", data={"username": "a" * 20_000})
        assert page.status_code == 413
