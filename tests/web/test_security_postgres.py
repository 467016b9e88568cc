"""The security tables and paths on PostgreSQL, which refuses NUL and checks types strictly."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.domain import retention
from app.main import create_app
from app.settings import Settings
from tests.conftest import ADMIN_PASSWORD, SECRET_KEY
from tests.factories import (
    form_post,
    join,
    login,
    make_user,
    make_workshop,
    open_stage,
    post_note,
    staff_token,
)


@pytest.mark.postgres
def test_sessions_audit_and_purge_work_on_postgres(postgres_database):
    settings = Settings(
        database_url=postgres_database, secret_key=SECRET_KEY, admin_password=ADMIN_PASSWORD
    )
    with TestClient(create_app(settings), headers={"Accept-Language": "en"}) as client:
        token = staff_token(client)
        workshop = make_workshop(client, token, title="nul\x00bidi\u202e title")
        open_stage(client, token, workshop["id"], "strengths")
        member = join(client, workshop["join_code"], name="null\x00name")
        post_note(client, member["token"], workshop["id"], "strengths", "text\x00here")
        make_user(client, "pg-helper", password="pg-helper-password")
        login(client)
        wid = workshop["id"]
        added = form_post(client, f"/admin/workshops/{wid}/facilitators", {"username": "pg-helper"})
        assert added.status_code == 200
        assert form_post(client, f"/admin/workshops/{wid}/close").status_code == 200
        assert form_post(client, f"/admin/workshops/{wid}/purge").status_code == 200
        with client.app.state.db.read_session() as session:
            kept = retention.counts(session, wid)
        assert kept.participants == 1 and kept.total_notes == 1
        assert "nulbidi title" in client.get("/admin/audit").text
