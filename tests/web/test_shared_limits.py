"""Rate limits that hold under parallel requests, and across processes sharing Redis."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.web.ratelimit import Limiter, RedisLimiter
from tests.conftest import ADMIN_PASSWORD


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """One client shared by the test's threads. The requests come from the one loopback
    address either way, and a client per request spent more CPU loading its CA bundle than
    the servers spent answering."""
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
    with httpx.Client(timeout=30, limits=limits) as client:
        yield client


def _token(http: httpx.Client, url: str, password: str) -> int:
    return http.post(
        f"{url}/api/v1/token", data={"username": "admin", "password": password}
    ).status_code


def test_parallel_wrong_sign_ins_beyond_the_budget_are_refused(server_factory, http):
    server = server_factory(
        env={"FUSEN_LOGIN_FAILURES_BURST": "5", "FUSEN_LOGIN_FAILURES_PER_MINUTE": "1"}
    )
    # A right password gives its reservation back: only failures count.
    assert [_token(http, server.url, ADMIN_PASSWORD) for _ in range(7)] == [200] * 7
    # The server hashes with real argon2, so the 40 guesses are in flight together: checked
    # first and spent later, every one of them passed the check.
    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(lambda n: _token(http, server.url, f"wrong-{n}"), range(40)))
    assert answers.count(401) == 5
    assert answers.count(429) == 35
    assert _token(http, server.url, ADMIN_PASSWORD) == 429


def test_join_code_limit_holds_across_two_processes_and_right_codes_still_join(
    server_factory, redis_url, tmp_path, migrated_sqlite_template, http
):
    shared = tmp_path / "shared.db"
    shutil.copy(migrated_sqlite_template, shared)
    env = {
        "FUSEN_REDIS_URL": redis_url,
        "FUSEN_REDIS_PREFIX": f"test-{uuid.uuid4().hex}",
        # The documented 30 at once; earning back is slowed so the test's own seconds add none.
        "FUSEN_JOIN_FAILURES_BURST": "30",
        "FUSEN_JOIN_FAILURES_PER_MINUTE": "1",
    }
    first, second = (server_factory(database_url=f"sqlite:///{shared}", env=env) for _ in range(2))
    staff = first.staff_token()
    created = http.post(
        f"{first.url}/api/v1/workshops",
        json={"title": "県内一斉", "format": "kpt", "groups": ["1G", "2G"]},
        headers={"Authorization": f"Bearer {staff}"},
    ).json()

    def join(n: int, code: str) -> int:
        server = (first, second)[n % 2]
        return http.post(
            f"{server.url}/api/v1/join", json={"code": code, "group": "1G"}
        ).status_code

    # 300 phones behind the hall's one address scan the right code, while 29 typos (or guesses)
    # arrive among them on both processes.
    codes = [created["join_code"]] * 300
    for k in range(29):
        codes.insert(k * 11, "WRONGONE")
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(join, range(len(codes)), codes))
    by_code: dict[str, list[int]] = {}
    for code, answer in zip(codes, answers, strict=True):
        by_code.setdefault(code, []).append(answer)
    assert by_code["WRONGONE"] == [404] * 29
    assert by_code[created["join_code"]] == [201] * 300

    # 60 guesses at once on both processes: one token is left, in Redis, so one is answered.
    with ThreadPoolExecutor(max_workers=30) as pool:
        guesses = list(pool.map(join, range(60), [f"GUESS{n:03d}" for n in range(60)]))
    assert guesses.count(404) == 1
    assert guesses.count(429) == 59
    # The 31st and after are refused whichever process gets them.
    assert join(0, "WRONGTWO") == 429
    assert join(1, "WRONGTRE") == 429
    assert join(1, created["join_code"]) == 429  # an empty bucket tells nothing about a code


def test_redis_buckets_spend_atomically_refund_and_refill(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"test-{uuid.uuid4().hex}:"
    limiter = RedisLimiter(client=client, prefix=prefix, burst=3, per_minute=6)
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            waits = list(pool.map(lambda _: limiter.spend("a"), range(20)))
        assert waits.count(0.0) == 3
        assert limiter.wait("a") > 0
        limiter.refund("a")
        assert limiter.wait("a") == 0
        assert limiter.spend("b") == 0  # keys are independent
        # Gone once it would have refilled (10 s for one token at 6 a minute, plus a second).
        assert 10_000 < client.pttl(prefix + "b") <= 11_000
    finally:
        client.delete(prefix + "a", prefix + "b")
        client.close()


def test_in_process_buckets_spend_atomically_under_threads():
    limiter = Limiter(burst=5, per_minute=0.001)
    with ThreadPoolExecutor(max_workers=16) as pool:
        waits = list(pool.map(lambda _: limiter.spend("x"), range(64)))
    assert waits.count(0.0) == 5
    limiter.refund("x")
    assert limiter.spend("x") == 0.0
    assert limiter.spend("x") > 0
