"""A room of phones at once: every request answered, none with a server error.

Against a real server process, because the stall lived between the thread pool and the
connection pool, which an in-process client does not exercise.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.conftest import LiveServer

JOINS = 60
SNAPSHOTS = 100
DEADLINE = 25.0


def _setup(server: LiveServer) -> tuple[dict, dict]:
    headers = {"Authorization": f"Bearer {server.staff_token()}"}
    room, other = (
        httpx.post(
            f"{server.url}/api/v1/workshops",
            json={"title": title, "format": "kpt", "groups": ["1G", "2G", "3G"]},
            headers=headers,
        ).json()
        for title in ("会場", "別の会場")
    )
    return room, other


async def _burst(server: LiveServer, room: dict, other: dict) -> tuple[list, list, float]:
    limits = httpx.Limits(max_connections=SNAPSHOTS + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=DEADLINE) as http:

        async def join(i: int) -> httpx.Response:
            body = {"code": room["join_code"], "group": f"{i % 3 + 1}G", "name": f"参加者{i}"}
            return await http.post("/api/v1/join", json=body)

        joins = await asyncio.gather(*(join(i) for i in range(JOINS)))
        tokens = [r.json()["token"] for r in joins if r.status_code == 201]

        async def snapshot(i: int) -> httpx.Response:
            token = tokens[i % len(tokens)]
            if i % 2:
                return await http.get(
                    f"/api/v1/workshops/{room['id']}", headers={"Authorization": f"Bearer {token}"}
                )
            cookie = {"Cookie": f"fusen_p{room['id']}={token}"}
            return await http.get(f"/w/{room['id']}/p", headers=cookie)

        async def bystander() -> float:
            # Someone in another workshop, in the middle of the burst.
            await asyncio.sleep(0.05)
            started = time.monotonic()
            response = await http.post(
                "/api/v1/join", json={"code": other["join_code"], "group": "1G"}
            )
            assert response.status_code == 201, response.text
            return time.monotonic() - started

        *snapshots, waited = await asyncio.gather(
            *(snapshot(i) for i in range(SNAPSHOTS)), bystander()
        )
        return joins, snapshots, waited


def test_a_room_joining_and_loading_at_once_gets_no_server_error(live_server: LiveServer):
    _assert_burst_answered(live_server)


def test_the_same_burst_on_postgresql(server_factory, postgres_database):
    from app.db import Database

    database = Database(postgres_database)
    database.migrate()
    database.dispose()
    _assert_burst_answered(server_factory(database_url=postgres_database))


def _assert_burst_answered(live_server: LiveServer) -> None:
    room, other = _setup(live_server)
    joins, snapshots, waited = asyncio.run(_burst(live_server, room, other))
    assert [r.status_code for r in joins] == [201] * JOINS
    assert sorted({r.status_code for r in snapshots}) == [200]
    assert waited < 10, f"a bystander's join waited {waited:.1f} s"
    assert "QueuePool limit" not in live_server.log.read_text()
