"""Shared fixtures: a fresh database per test, an in-process client, and a live server.

PostgreSQL runs when ``FUSEN_TEST_POSTGRES_URL`` names a server (CI sets it and requires it);
on a laptop without one, those tests skip and say why.
"""

from __future__ import annotations

import gc
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.domain import accounts
from app.main import create_app
from app.settings import ROOT, Settings
from tests import route_cache

ADMIN_PASSWORD = "admin-pass-for-tests"
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SAMPLE = Path(__file__).parent / "fixtures" / "open-meeting-2017.json"


class OutsideReads:
    """Every file or folder a test opened outside the repository, next to it.

    The suite must pass in a fresh clone with nothing beside it, so reading a sibling folder is
    a bug even where that folder happens to exist. An audit hook sees every
    ``open`` (and directory listing) of the test process; paths under the repository's parent
    but not inside the repository are recorded, and the test that made them fails. Only that
    one prefix check runs per event, so the hook costs next to nothing; everything else on
    the machine (temporary folders, the Python installation, /usr, /proc, Chromium's
    profile) lies outside the checked prefix anyway.

    A file the process creates itself (exclusively: ``O_CREAT | O_EXCL``, as ``tempfile`` and
    libraries' scratch files do) did not exist before, so it is nobody's data: it and later
    opens of it are not counted, wherever the clone sits.
    """

    EVENTS = frozenset({"open", "os.listdir", "os.scandir", "sqlite3.connect"})

    def __init__(self, repository: Path) -> None:
        self.inside = os.path.normpath(repository) + os.sep
        self.beside = os.path.dirname(os.path.normpath(repository)) + os.sep
        self.machine = self._machine_folders_beside()
        self.paths: list[str] = []
        self.created: set[str] = set()

    def _machine_folders_beside(self) -> tuple[str, ...]:
        """Folders beside the repository that belong to the machine, not to a sibling project.

        Only folders strictly below the repository's parent are exempted: exempting the parent
        itself, or one of its ancestors (a clone in /tmp/ci/repo with /tmp as the temporary
        folder), would let a sibling folder through unseen.
        """
        import site
        import tempfile

        candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir()}
        candidates.update(site.getsitepackages())
        candidates.add(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", ""))
        folders = [os.path.normpath(p) + os.sep for p in candidates if p and os.path.isabs(p)]
        exempt = [f for f in folders if f.startswith(self.beside) and f != self.beside]
        temporary = os.path.normpath(tempfile.gettempdir()) + os.sep
        if temporary == self.beside:
            # A clone straight in the temporary folder: only pytest's and tempfile's own names.
            exempt += [temporary + "pytest-of-", temporary + "tmp", temporary + "playwright"]
        return tuple(exempt)

    def hook(self, event: str, args: tuple[object, ...]) -> None:
        if event not in self.EVENTS or not args:
            return
        try:
            path = args[0]
            if isinstance(path, int) or path is None:
                return  # an already open descriptor
            text = os.fsdecode(path) if not isinstance(path, str) else path
            if not text.startswith(os.sep):
                if text.startswith(":memory:") or text.startswith("file:"):
                    return
                text = os.path.join(os.getcwd(), text)
            text = os.path.normpath(text)
            if event == "open" and len(args) > 2 and _creates_new(args[1], args[2]):
                self.created.add(text)
                return
            if (
                text not in self.created
                and text.startswith(self.beside)
                and not (text + os.sep).startswith(self.inside)
                and not (text + os.sep).startswith(self.machine)
            ):
                self.paths.append(text)
        except Exception:  # noqa: S110  (an audit hook must never break the operation)
            pass


def _creates_new(mode: object, flags: object) -> bool:
    """Whether an ``open`` audit event makes a file that cannot have existed before."""
    if isinstance(mode, str) and "x" in mode:
        return True
    exclusive = os.O_CREAT | os.O_EXCL
    return isinstance(flags, int) and flags & exclusive == exclusive


OUTSIDE_READS = OutsideReads(ROOT)
sys.addaudithook(OUTSIDE_READS.hook)


@pytest.fixture(autouse=True)
def stays_inside_the_repository() -> Iterator[OutsideReads]:
    """Fail the test that opened anything beside the repository (see ``OutsideReads``)."""
    start = len(OUTSIDE_READS.paths)
    yield OUTSIDE_READS
    found = OUTSIDE_READS.paths[start:]
    del OUTSIDE_READS.paths[start:]
    if found:
        pytest.fail(
            "the test opened files outside the repository (copy them into tests/fixtures/): "
            + ", ".join(sorted(set(found)))
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    accounts.use_cheap_hashing()
    route_cache.install()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; every test then starts from a copy of this file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    return path


@pytest.fixture
def redis_url() -> str:
    """The Redis server named in ``FUSEN_TEST_REDIS_URL``; required in CI, skipped elsewhere."""
    import redis

    url = os.environ.get("FUSEN_TEST_REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("FUSEN_TEST_REDIS_URL is not set; CI must test the Redis bus")
        pytest.skip("Redis not configured: set FUSEN_TEST_REDIS_URL to run this test")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {url} is not reachable: {exc}")
        pytest.skip(f"Redis at {url} is not reachable: {exc}")
    return url


def postgres_url() -> str | None:
    return os.environ.get("FUSEN_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    base = postgres_url()
    if not base:
        if IN_CI:
            pytest.fail("FUSEN_TEST_POSTGRES_URL is not set; CI must test on PostgreSQL")
        pytest.skip("PostgreSQL not configured: set FUSEN_TEST_POSTGRES_URL to run this test")
    name = f"fusen_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(base, autocommit=True)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {base} is not reachable: {exc}")
        pytest.skip(f"PostgreSQL at {base} is not reachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        # Client handles a test left to the garbage collector are collected here, where their
        # database goes away, instead of warning inside whichever test runs next.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite_template: Path
) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_database")
    path = tmp_path / "fusen.db"
    shutil.copy(migrated_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        admin_password=ADMIN_PASSWORD,
        sse_heartbeat_seconds=1.0,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, headers={"Accept-Language": "en"}) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def staff_token(self) -> str:
        response = httpx.post(
            f"{self.url}/api/v1/token", data={"username": "admin", "password": ADMIN_PASSWORD}
        )
        response.raise_for_status()
        return response.json()["access_token"]


@pytest.fixture
def live_server(server_factory: Callable[..., LiveServer]) -> LiveServer:
    """The real app under uvicorn in its own process, as a browser or a script would meet it."""
    return server_factory()


@pytest.fixture(scope="module")
def module_live_server(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_template: Path
) -> Iterator[LiveServer]:
    """One live server for a whole test module, for modules whose tests each make their own
    workshop and never stop the server: starting a server costs seconds of both cores, and a
    module of such tests proves the same on one. A module opts in by overriding
    ``live_server`` with a module-scoped fixture that returns this one."""
    folder = tmp_path_factory.mktemp("module-live")
    db_path = folder / "live.db"
    shutil.copy(migrated_sqlite_template, db_path)
    server = _start_server(folder, f"sqlite:///{db_path}", {}, 0)
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture
def server_factory(
    tmp_path: Path, migrated_sqlite_template: Path
) -> Iterator[Callable[..., LiveServer]]:
    """Start servers; several may share one database (``database_url``) and a bus (``env``)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(database_url: str | None = None, env: dict[str, str] | None = None) -> LiveServer:
        if database_url is None:
            db_path = tmp_path / f"live-{len(processes)}.db"
            shutil.copy(migrated_sqlite_template, db_path)
            database_url = f"sqlite:///{db_path}"
        server = _start_server(tmp_path, database_url, env or {}, len(processes))
        processes.append(server.process)
        return server

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _start_server(
    tmp_path: Path, database_url: str, extra_env: dict[str, str], n: int
) -> LiveServer:
    port = free_port()
    env = {
        **os.environ,
        "FUSEN_DATABASE_URL": database_url,
        "FUSEN_SECRET_KEY": SECRET_KEY,
        "FUSEN_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "FUSEN_SSE_HEARTBEAT_SECONDS": "1",
        # The server listens on loopback only, and the test browsers playing phones run on
        # this machine: join links and QR codes must name an address they can open.
        "FUSEN_LAN_ADDRESS": "127.0.0.1",
        **extra_env,
    }
    log = tmp_path / f"server-{n}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--timeout-graceful-shutdown",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    # One client for the whole wait: a new one per try loads the CA bundle again, CPU taken
    # from the server that is starting on the same two cores.
    with httpx.Client(timeout=1) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited early:\n{log.read_text()}")
            try:
                if http.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            process.kill()
            pytest.fail(f"server did not start:\n{log.read_text()}")
    return LiveServer(url, process, log)
