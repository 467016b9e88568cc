"""Open streams lose access when their holder does, and one token cannot hold many of them."""

from __future__ import annotations

import shutil
import threading
import time

import httpx
import pytest

from app.db import Database
from app.domain import formats, participants, retention, staff_sessions, stream_access, users
from app.domain import workshops as workshops_domain
from app.domain.stream_access import Grant
from tests.conftest import LiveServer
from tests.web.test_event_stream import EVENT_TIMEOUT, Message, messages

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


def _world(db: Database) -> dict:
    with db.write_session() as session:
        owner = users.create_user(session=session, username="owner", role="facilitator").user
        helper = users.create_user(session=session, username="helper", role="facilitator").user
        workshop = workshops_domain.create_workshop(
            session=session,
            title="再確認",
            stages=list(formats.get_format("kpt").stages),
            groups=["1G"],
            owner_id=owner.id,
        )
        users.add_co_facilitator(session=session, workshop=workshop, username="helper")
        joined = participants.join(session=session, workshop=workshop, group="1G", name="山田")
        cookie = staff_sessions.start(session=session, user=helper, hours=1).cookie_value
        session.commit()
        grants = {
            "participant": stream_access.for_participant(joined.participant),
            "helper_board": stream_access.for_staff_session(cookie, helper),
            "helper_api": stream_access.for_bearer("helper-token", helper),
            "owner_api": stream_access.for_bearer("owner-token", owner),
        }
        return {"workshop": workshop, "owner": owner, "helper": helper, "grants": grants}


def _valid(db: Database, world: dict) -> set[str]:
    with db.read_session() as session:
        valid = stream_access.still_valid(
            session, world["workshop"].id, set(world["grants"].values())
        )
    return {name for name, grant in world["grants"].items() if grant in valid}


@BACKENDS
def test_every_grant_holds_until_its_access_ends(db):
    world = _world(db)
    assert _valid(db, world) == {"participant", "helper_board", "helper_api", "owner_api"}
    with db.write_session() as session:
        users.remove_co_facilitator(
            session=session, workshop=world["workshop"], user_id=world["helper"].id
        )
        session.commit()
    assert _valid(db, world) == {"participant", "owner_api"}
    with db.write_session() as session:
        workshop = workshops_domain.get(session, world["workshop"].id)
        retention.close_workshop(session=session, workshop=workshop)
        session.commit()
    assert _valid(db, world) == {"owner_api"}


@BACKENDS
def test_a_purge_ends_the_participants_grant_even_if_the_workshop_were_reopened(db):
    world = _world(db)
    with db.write_session() as session:
        workshop = workshops_domain.get(session, world["workshop"].id)
        retention.close_workshop(session=session, workshop=workshop)
        retention.purge_workshop(session=session, workshop=workshop)
        workshop.status = "live"
        session.add(workshop)
        session.commit()
    assert "participant" not in _valid(db, world)


@BACKENDS
def test_disabling_or_resetting_ends_the_accounts_grants_for_good(db):
    world = _world(db)
    with db.write_session() as session:
        owner = users.get(session, world["owner"].id)
        users.reset_password(session=session, user=owner, password="a-new-password-1")
        session.commit()
    assert "owner_api" not in _valid(db, world)
    with db.write_session() as session:
        admin = users.create_user(session=session, username="boss", role="admin").user
        helper = users.get(session, world["helper"].id)
        users.set_active(session=session, user=helper, active=False, by=admin)
        users.set_active(session=session, user=helper, active=True, by=admin)
        session.commit()
    # Enabled again, yet the board session and the token issued before stay dead.
    assert _valid(db, world) == {"participant"}


# ---- Against a real server -------------------------------------------------------------------


@pytest.fixture
def served(server_factory, tmp_path, migrated_sqlite_template):
    path = tmp_path / "served.db"
    shutil.copy(migrated_sqlite_template, path)
    url = f"sqlite:///{path}"
    server = server_factory(database_url=url)
    database = Database(url)
    yield server, database
    database.dispose()


class Watcher:
    """Reads one stream in a thread; records its messages and when the server ended it."""

    def __init__(self, server: LiveServer, workshop_id: int, token: str) -> None:
        self.received: list[Message] = []
        self.ended_at: float | None = None
        self.opened = threading.Event()
        self.status: int | None = None
        self._thread = threading.Thread(
            target=self._run, args=(server, workshop_id, token), daemon=True
        )
        self._thread.start()

    def _run(self, server: LiveServer, workshop_id: int, token: str) -> None:
        url = f"{server.url}/api/v1/workshops/{workshop_id}/events"
        timeout = httpx.Timeout(10.0, read=30.0)
        try:
            with httpx.stream("GET", url, params={"token": token}, timeout=timeout) as response:
                self.status = response.status_code
                for message in messages(response, on_open=self.opened.set):
                    if message is not None:
                        self.received.append(message)
        except httpx.HTTPError:
            return  # the server stopped at the end of the test: not an ending we measure
        self.ended_at = time.monotonic()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def test_open_streams_end_within_a_second_of_losing_access(served):
    server, db = served
    with db.write_session() as session:
        users.create_user(
            session=session, username="helper", role="facilitator", password="helper-pass-1"
        )
        session.commit()
    admin = {"Authorization": f"Bearer {server.staff_token()}"}
    created = httpx.post(
        f"{server.url}/api/v1/workshops",
        json={"title": "途中で外れる", "format": "kpt", "groups": ["1G"]},
        headers=admin,
    ).json()
    with db.write_session() as session:
        workshop = workshops_domain.get(session, created["id"])
        users.add_co_facilitator(session=session, workshop=workshop, username="helper")
        session.commit()
    helper_token = httpx.post(
        f"{server.url}/api/v1/token", data={"username": "helper", "password": "helper-pass-1"}
    ).json()["access_token"]
    phone_token = httpx.post(
        f"{server.url}/api/v1/join", json={"code": created["join_code"], "group": "1G"}
    ).json()["token"]
    helper = Watcher(server, created["id"], helper_token)
    phone = Watcher(server, created["id"], phone_token)
    admin_watch = Watcher(server, created["id"], admin["Authorization"].split()[1])
    for watcher in (helper, phone, admin_watch):
        assert watcher.opened.wait(5)

    with db.write_session() as session:
        workshop = workshops_domain.get(session, created["id"])
        users.remove_co_facilitator(session=session, workshop=workshop, user_id=2)
        session.commit()
    removed_at = time.monotonic()
    helper.join(3)
    assert helper.ended_at is not None, "the removed co-facilitator's stream stayed open"
    assert helper.ended_at - removed_at < 1.0

    with db.write_session() as session:
        workshop = workshops_domain.get(session, created["id"])
        retention.close_workshop(session=session, workshop=workshop)
        session.commit()
    closed_at = time.monotonic()
    phone.join(3)
    assert phone.ended_at is not None, "the participant's stream outlived the closing"
    assert phone.ended_at - closed_at < 1.0
    assert [m.event for m in phone.received][-1] == retention.WORKSHOP_CLOSED
    # Staff keep watching a closed workshop; the participant cannot come back.
    assert admin_watch.ended_at is None
    again = httpx.get(
        f"{server.url}/api/v1/workshops/{created['id']}/events",
        params={"token": phone_token},
        headers={"Accept-Language": "en"},
    )
    assert again.status_code == 409
    assert "closed" in again.json()["detail"]


def test_the_eleventh_stream_of_one_token_is_refused(served):
    server, _db = served
    admin = {"Authorization": f"Bearer {server.staff_token()}"}
    created = httpx.post(
        f"{server.url}/api/v1/workshops",
        json={"title": "十一本目", "format": "kpt", "groups": ["1G"]},
        headers=admin,
    ).json()
    token = httpx.post(
        f"{server.url}/api/v1/join", json={"code": created["join_code"], "group": "1G"}
    ).json()["token"]
    url = f"{server.url}/api/v1/workshops/{created['id']}/events"
    with httpx.Client(timeout=EVENT_TIMEOUT) as http:
        opened = []
        try:
            for _ in range(10):
                response = http.send(
                    http.build_request("GET", url, params={"token": token}), stream=True
                )
                assert response.status_code == 200
                opened.append(response)
            eleventh = http.get(url, params={"token": token})
            assert eleventh.status_code == 429
            assert eleventh.headers["retry-after"]
            # Another participant is not affected by this one's streams.
            other = httpx.post(
                f"{server.url}/api/v1/join", json={"code": created["join_code"], "group": "1G"}
            ).json()["token"]
            with http.stream("GET", url, params={"token": other}) as response:
                assert response.status_code == 200
        finally:
            for response in opened:
                response.close()
        # Closed streams free their place.
        deadline = time.monotonic() + 5
        while True:
            with http.stream("GET", url, params={"token": token}) as response:
                if response.status_code == 200 or time.monotonic() > deadline:
                    assert response.status_code == 200
                    break
            time.sleep(0.1)


def test_grants_name_their_token_without_holding_it():
    grant = Grant(kind=stream_access.BEARER, key=stream_access.token_key("secret"), user_id=1)
    assert "secret" not in repr(grant)


# ---- Bearer tokens -------------------------------------------------------------------------


def _formats(client, token):
    from tests.factories import bearer

    return client.post(
        "/api/v1/workshops",
        json={"title": "トークン", "groups": ["1G"], "format": "kpt"},
        headers=bearer(token),
    ).status_code


def test_a_password_reset_revokes_the_accounts_api_tokens(client):
    from tests.factories import form_post, login, make_user, staff_token

    user_id = make_user(client, "kimura", password="kimura-password")
    token = staff_token(client, "kimura", "kimura-password")
    assert _formats(client, token) == 201
    login(client)
    reset = form_post(client, f"/admin/users/{user_id}/password", {"password": "kimura-new-pass"})
    assert reset.status_code == 200
    assert _formats(client, token) == 401
    assert _formats(client, staff_token(client, "kimura", "kimura-new-pass")) == 201


def test_tokens_of_a_disabled_account_stay_dead_when_it_is_enabled_again(client):
    from tests.factories import form_post, login, make_user, staff_token

    user_id = make_user(client, "mori", password="mori-password")
    token = staff_token(client, "mori", "mori-password")
    login(client)
    assert (
        form_post(client, f"/admin/users/{user_id}/active", {"active": "false"}).status_code == 200
    )
    assert (
        form_post(client, f"/admin/users/{user_id}/active", {"active": "true"}).status_code == 200
    )
    assert _formats(client, token) == 401
    assert _formats(client, staff_token(client, "mori", "mori-password")) == 201
