"""Plain functions that build what tests need through the public API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD


def staff_token(client: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    response = client.post("/api/v1/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_workshop(client: TestClient, token: str, **overrides: Any) -> dict[str, Any]:
    body = {"title": "テストワークショップ", "format": "open-meeting", "groups": ["1G", "2G"]}
    body.update(overrides)
    response = client.post("/api/v1/workshops", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


def open_stage(client: TestClient, token: str, workshop_id: int, stage: str) -> None:
    response = client.put(
        f"/api/v1/workshops/{workshop_id}/current-stage",
        json={"stage": stage},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text


def join(client: TestClient, code: str, group: str = "1G", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/join", json={"code": code, "group": group, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def post_note(
    client: TestClient, token: str, workshop_id: int, stage: str, text: str, **extra: Any
) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/workshops/{workshop_id}/notes",
        json={"stage": stage, "text": text, **extra},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    return response.json()


# ---- Browser forms: CSRF token and staff sign-in --------------------------------------------


def page_csrf_token(html: str) -> str:
    """The token a page hands to htmx on <body hx-headers>, read by parsing the page."""
    import json
    from html.parser import HTMLParser

    found: list[str] = []

    class BodyParser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "body":
                headers = dict(attrs).get("hx-headers")
                if headers:
                    found.append(json.loads(headers)["X-CSRF-Token"])

    BodyParser().feed(html)
    assert found, "the page carries no CSRF token"
    return found[0]


def csrf_token(client: TestClient) -> str:
    """This client's CSRF token, fetched from the start page as a browser would."""
    response = client.get("/")
    assert response.status_code == 200, response.text
    return page_csrf_token(response.text)


def form_post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    """Post a browser form with its CSRF token, as the page's own form would."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)


def login(client: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    response = form_post(
        client,
        "/login",
        {"username": username, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def make_user(
    client: TestClient, username: str, role: str = "facilitator", password: str = "facilitator-pass"
) -> int:
    """Create a staff account directly in the database (no admin page round trip)."""
    from app.domain import users

    with client.app.state.db.write_session() as session:  # type: ignore[attr-defined]
        created = users.create_user(
            session=session, username=username, role=role, password=password
        )
        session.commit()
        return created.user.id
