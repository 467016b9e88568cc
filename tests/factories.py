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
