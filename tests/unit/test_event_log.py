"""The event log under concurrency: seq stays gapless and in commit order on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from app.db import Database
from app.domain import formats, notes, participants, workshops
from app.live import events
from app.models import Event

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


@BACKENDS
def test_concurrent_posts_get_gapless_unique_seqs_in_commit_order(db):
    with db.write_session() as session:
        workshop = workshops.create_workshop(
            session=session,
            title="並行",
            stages=list(formats.get_format("kpt").stages),
            groups=["1G", "2G"],
        )
        workshops.open_stage(session=session, workshop=workshop, key="keep")
        joined = participants.join(session=session, workshop=workshop, group="1G")
        session.commit()
    workshop_id, participant = workshop.id, joined.participant

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with db.write_session() as session:
                    current = workshops.get(session, workshop_id)
                    notes.post_note(
                        session=session,
                        workshop=current,
                        actor=notes.Actor(participant=participant),
                        stage_key="keep",
                        text=f"{n}-{i}",
                    )
                    session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    with db.read_session() as session:
        log = session.exec(
            select(Event).where(Event.workshop_id == workshop_id).order_by(Event.seq)
        ).all()
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        assert len(log) == 2 + 60
        assert events.last_seq(session, workshop_id) == len(log)
        # The order notes got their seq is the order they were committed in.
        created = [e for e in log if e.type == events.NOTE_CREATED]
        assert [e.id for e in created] == sorted(e.id for e in created)


@BACKENDS
def test_a_rolled_back_write_leaves_no_event_and_no_gap(db):
    with db.write_session() as session:
        workshop = workshops.create_workshop(
            session=session,
            title="rollback",
            stages=list(formats.get_format("kpt").stages),
            groups=["1G"],
        )
        session.commit()
    with db.write_session() as session:
        workshops.open_stage(
            session=session, workshop=workshops.get(session, workshop.id), key="keep"
        )
        session.rollback()
    with db.write_session() as session:
        workshops.open_stage(
            session=session, workshop=workshops.get(session, workshop.id), key="try"
        )
        session.commit()
    with db.read_session() as session:
        log = session.exec(select(Event).where(Event.workshop_id == workshop.id)).all()
        assert [(e.seq, e.type) for e in log] == [(1, events.STAGE_CHANGED)]


def test_sqlite_runs_in_wal_mode_with_full_synchronous_writes(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'pragma.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()
