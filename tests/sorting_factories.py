"""Helpers for the live-sorting tests: a running workshop, recorders, and reading the event log
exactly as a subscriber receives it (the hub's own replay of the stored events)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from app.live.hub import Audience
from tests.conftest import ADMIN_PASSWORD
from tests.factories import bearer, join, login, make_workshop, open_stage, staff_token


def api(client: TestClient, token: str, method: str, path: str, **kwargs: Any):
    return client.request(method, f"/api/v1{path}", headers=bearer(token), **kwargs)


def running_workshop(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """A workshop with stage ② open; returns ids and tokens."""
    token = staff_token(client)
    created = make_workshop(client, token, **overrides)
    open_stage(client, token, created["id"], overrides.get("first_stage", "shared_issues"))
    return {"id": created["id"], "code": created["join_code"], "staff": token}


def make_recorder(client: TestClient, ws: dict[str, Any], group: str, name: str = "") -> str:
    joined = join(client, ws["code"], group, name=name)
    response = api(
        client,
        ws["staff"],
        "PUT",
        f"/workshops/{ws['id']}/participants/{joined['participant_id']}/role",
        json={"role": "recorder"},
    )
    assert response.status_code == 200, response.text
    return joined["token"]


def sign_in_staff(client: TestClient) -> None:
    login(client, "admin", ADMIN_PASSWORD)


def subscriber_events(
    client: TestClient, workshop_id: int, *, kind: str = "api", after: int = 0, group_id=None
) -> list[tuple[str, str]]:
    """``(event type, data)`` as the hub sends them to a subscriber resuming after ``after``."""
    hub = client.app.state.hub
    audience = Audience(kind=kind, locale="en", group_id=group_id)
    messages = hub._replay(workshop_id, audience, after)
    out = []
    for _seq, raw in messages:
        if not raw:
            continue
        event, data = "", []
        for line in raw.decode().split("\n"):
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
        out.append((event, "\n".join(data)))
    return out


def subscriber_payloads(client: TestClient, workshop_id: int, **kwargs: Any) -> list[tuple]:
    return [
        (event, json.loads(data))
        for event, data in subscriber_events(client, workshop_id, **kwargs)
    ]
