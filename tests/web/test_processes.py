"""Several ``fusen serve`` processes: starting together, and stopping one with streams open."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sqlite3
import time
import uuid

import httpx

from tests.conftest import ADMIN_PASSWORD, SECRET_KEY, free_port
from tests.live_cluster import (
    Viewer,
    assert_exactly_once_in_order,
    open_workshop,
    post_note,
    staff_token,
    start_fusen,
    stop,
    wait_for,
    wait_healthy,
)

MIGRATED = "migrated the database schema from empty"


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "FUSEN_DATABASE_URL": database_url,
        "FUSEN_SECRET_KEY": SECRET_KEY,
        "FUSEN_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "FUSEN_SSE_HEARTBEAT_SECONDS": "1",
        **extra,
    }


def test_four_processes_starting_together_on_an_empty_postgres_migrate_once(
    postgres_database, tmp_path
):
    processes = [
        start_fusen(free_port(), _env(postgres_database), tmp_path / f"start-{n}.log")
        for n in range(4)
    ]
    try:
        wait_healthy(processes, timeout=90)
        logs = [proc.output() for proc in processes]
        assert sum(log.count(MIGRATED) for log in logs) == 1, "\n".join(logs)
        assert not any("Traceback" in log for log in logs), "\n".join(logs)
        # One first account, usable on every process.
        for proc in processes:
            assert staff_token(proc.url, ADMIN_PASSWORD)
    finally:
        stop(processes)


def test_sigterm_with_200_streams_exits_in_time_and_streams_resume_elsewhere(
    redis_url, tmp_path, migrated_sqlite_template
):
    shared = tmp_path / "shared.db"
    shutil.copy(migrated_sqlite_template, shared)
    env = _env(
        f"sqlite:///{shared}",
        FUSEN_BUS_URL=redis_url,
        FUSEN_REDIS_PREFIX=f"test-{uuid.uuid4().hex}",
        FUSEN_NOTES_BURST="1000",
        # The 200 viewers share one staff token; the per-token cap is for one person's tabs.
        FUSEN_STREAMS_PER_TOKEN="1000",
    )
    stopping = start_fusen(free_port(), env, tmp_path / "stopping.log")
    staying = start_fusen(free_port(), env, tmp_path / "staying.log")
    try:
        wait_healthy([stopping, staying])
        token = staff_token(staying.url, ADMIN_PASSWORD)
        workshop_id, base = open_workshop(staying.url, token)
        exit_seconds, signalled, viewers, acknowledged = asyncio.run(
            _stop_one_under_load(stopping, staying, token, workshop_id, base)
        )
    finally:
        stop([stopping, staying])
    assert exit_seconds <= 10, stopping.output()
    with sqlite3.connect(shared) as db:
        expected = [
            row[0]
            for row in db.execute(
                "SELECT seq FROM event WHERE workshop_id = ? AND seq > ? ORDER BY seq",
                (workshop_id, base),
            )
        ]
        stored = dict(db.execute("SELECT id, COUNT(*) FROM note GROUP BY id").fetchall())
    assert all(stored.get(note_id) == 1 for note_id in acknowledged)
    assert_exactly_once_in_order(viewers, expected, acknowledged)
    # Every stream was on the stopped process and came back on the other one: told to go at
    # once, not cut off when the server's graceful-shutdown timeout ran out.
    assert all(viewer.connects == 2 for viewer in viewers)
    assert max(viewer.disconnects[0] for viewer in viewers) - signalled < 3
    # All 200 come back to one process at once, after the 3 s retry hint.
    assert max(max(viewer.reconnect_seconds) for viewer in viewers) < 10


async def _stop_one_under_load(stopping, staying, token, workshop_id, base):  # type: ignore[no-untyped-def]
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=50)
    timeout = httpx.Timeout(30.0, read=10.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        # Every stream opens on the process that will stop, and fails over to the other.
        viewers = [
            Viewer([stopping.url, staying.url], workshop_id, token, after=base) for _ in range(200)
        ]
        tasks = [asyncio.create_task(viewer.run(client)) for viewer in viewers]
        await asyncio.wait_for(asyncio.gather(*(v.opened.wait() for v in viewers)), 60)
        acknowledged: set[str] = set()

        async def post(n: int) -> None:
            note_id, _ = await post_note(
                client, [staying.url], workshop_id, token, "keep", "1G", f"付箋 {n}"
            )
            acknowledged.add(note_id)

        posts = []
        for n in range(60):  # 20 notes a second for 3 s, the stop in the middle
            posts.append(asyncio.create_task(post(n)))
            if n == 20:
                stopping.process.send_signal(signal.SIGTERM)
                signalled = time.monotonic()
                exited = asyncio.create_task(asyncio.to_thread(_wait_exit, stopping, signalled))
            await asyncio.sleep(0.05)
        await asyncio.gather(*posts)
        exit_seconds = await exited
        await wait_for(viewers, acknowledged, timeout=20)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return exit_seconds, signalled, viewers, acknowledged


def _wait_exit(proc, since: float) -> float:  # type: ignore[no-untyped-def]
    proc.process.wait(timeout=30)
    return time.monotonic() - since
