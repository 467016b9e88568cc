"""Live-note tallies: ``note_tally`` rows kept current by triggers on ``note``.

Why: every new note is checked against three caps (the workshop's, the stage's, the group's
column), read under the workshop's lock. Counting live notes for them read every note of the
stage, so a post cost more the fuller the board (0.6 ms of a 2.5 ms post at 1,500 notes). A
tally per (workshop, stage, group) turns the three counts into sums over a few rows.

Why triggers, as for the search index: notes are inserted, soft-deleted, restored, moved
between groups and purged by several domain modules and the archive import; the database sees
every one of those writes, so no writer can forget to count.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

# Every statement below is a constant of this module, never assembled from input.

_KEY = "workshop_id = {r}.workshop_id AND stage_id = {r}.stage_id AND group_id = {r}.group_id"
_DECREMENT = "UPDATE note_tally SET live = live - 1 WHERE " + _KEY  # noqa: S608
_UPSERT = (
    "INSERT INTO note_tally (workshop_id, stage_id, group_id, live) "
    "SELECT {r}.workshop_id, {r}.stage_id, {r}.group_id, 1 WHERE {r}.deleted_at IS NULL "
    "ON CONFLICT (workshop_id, stage_id, group_id) DO UPDATE SET live = note_tally.live + 1"
)
_WATCHED = "workshop_id, stage_id, group_id, deleted_at"

_SQLITE_TRIGGERS = {
    "note_tally_insert": (
        "CREATE TRIGGER IF NOT EXISTS note_tally_insert AFTER INSERT ON note "
        f"BEGIN {_UPSERT.format(r='new')}; END"
    ),
    "note_tally_update": (
        f"CREATE TRIGGER IF NOT EXISTS note_tally_update AFTER UPDATE OF {_WATCHED} ON note BEGIN "
        f"{_DECREMENT.format(r='old')} AND old.deleted_at IS NULL; {_UPSERT.format(r='new')}; END"
    ),
    "note_tally_delete": (
        "CREATE TRIGGER IF NOT EXISTS note_tally_delete AFTER DELETE ON note "
        f"WHEN old.deleted_at IS NULL BEGIN {_DECREMENT.format(r='old')}; END"
    ),
}

_POSTGRES_STATEMENTS = (
    "CREATE OR REPLACE FUNCTION note_tally_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP <> 'INSERT' THEN IF OLD.deleted_at IS NULL THEN "
    f"{_DECREMENT.format(r='OLD')}; END IF; END IF; "
    f"IF TG_OP <> 'DELETE' THEN {_UPSERT.format(r='NEW')}; END IF; "
    "RETURN NULL; END $$",
    f"CREATE OR REPLACE TRIGGER note_tally_sync AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED} "
    "ON note FOR EACH ROW EXECUTE FUNCTION note_tally_sync()",
)


def _installed(connection: Connection) -> bool:
    if connection.dialect.name == "sqlite":
        query = (
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'note_tally_%'"
        )
        expected = len(_SQLITE_TRIGGERS)
    else:
        query = "SELECT count(*) FROM pg_trigger WHERE tgname = 'note_tally_sync'"
        expected = 1
    found: int = connection.exec_driver_sql(query).scalar_one()
    return found == expected


def install(connection: Connection) -> None:
    """Create the triggers if missing and, when they were, count every note once.

    Runs on every start, under the migration lock. A migration that rebuilds ``note`` (SQLite's
    batch mode copies the table) drops its triggers; the next start puts them back and
    recounts, so the tallies never miss a write made while they were absent.
    """
    present = _installed(connection)
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_TRIGGERS.values():
            connection.exec_driver_sql(statement)
    else:
        for statement in _POSTGRES_STATEMENTS:
            connection.exec_driver_sql(statement)
    if not present:
        rebuild(connection)


def rebuild(connection: Connection) -> None:
    """Count the live notes again, discarding the tallies."""
    connection.exec_driver_sql("DELETE FROM note_tally")
    connection.exec_driver_sql(
        "INSERT INTO note_tally (workshop_id, stage_id, group_id, live) "
        "SELECT workshop_id, stage_id, group_id, count(*) FROM note WHERE deleted_at IS NULL "
        "GROUP BY workshop_id, stage_id, group_id"
    )


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    connection.exec_driver_sql("DROP TRIGGER IF EXISTS note_tally_sync ON note")
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS note_tally_sync()")
