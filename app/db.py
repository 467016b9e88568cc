"""Engine, sessions and migrations.

SQLite is the embedded default: WAL so that live streams read while a request writes, and
``synchronous=FULL`` so that a note acknowledged to a phone survives a power cut. Writes start
with ``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing when a read
transaction tries to upgrade; reads stay deferred and never block.

Migrations run inside one transaction that first takes a database-wide lock (PostgreSQL's
advisory lock, SQLite's write lock), so any number of processes starting together migrate once:
the first does the work, the others wait and then find the schema at its newest revision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

from app.settings import ROOT

log = logging.getLogger("fusen.db")

WRITE_OPTION = "fusen_write"
# pg_advisory_xact_lock key: the bytes of "fusen-mi" as a signed 64-bit integer.
MIGRATION_LOCK = int.from_bytes(b"fusen-mi", "big", signed=True)
T = TypeVar("T")


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine whose pool never makes a thread wait: see ``web/admission.py`` for the sizes."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        pool: dict[str, int] = {}
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": pool_size, "max_overflow": max_overflow}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine plus the two kinds of session the app opens."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self.after_commit: list[Callable[[Session], None]] = []
        self.after_rollback: list[Callable[[Session], None]] = []
        # Hooks are attached once to the factory, not to every session: listening per
        # session cost more than a note's INSERT.
        self._sessions = sessionmaker(class_=Session, expire_on_commit=False)
        event.listen(self._sessions, "after_commit", self._run_after_commit)
        event.listen(self._sessions, "after_rollback", self._run_after_rollback)

    def read_session(self) -> Session:
        return self._sessions(bind=self.engine)

    def write_session(self) -> Session:
        return self._sessions(bind=self._write_engine)

    def _run_after_commit(self, session: Session) -> None:
        for hook in self.after_commit:
            hook(session)

    def _run_after_rollback(self, session: Session) -> None:
        for hook in self.after_rollback:
            hook(session)

    def migrate(self, then: Callable[[Session], T] | None = None) -> T | None:
        """Bring the schema to the newest revision under the migration lock; safe on every start.

        ``then`` runs in the same locked transaction once the schema is current (creating the
        first account there means two processes starting on an empty database cannot both).
        """
        config = alembic_config(self.url)
        head = ScriptDirectory.from_config(config).get_current_head()
        with self._write_engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            else:
                # The connection's BEGIN IMMEDIATE has taken SQLite's write lock by now.
                connection.exec_driver_sql("SELECT 1")
            current = MigrationContext.configure(connection).get_current_revision()
            if current != head:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                log.info("migrated the database schema from %s to %s", current or "empty", head)
            if then is None:
                return None
            with Session(bind=connection, expire_on_commit=False) as session:
                result = then(session)
                session.flush()
                return result

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config
