"""The search index: ``search_entry`` rows kept current by triggers on every searchable table.

Why triggers: notes, cluster titles, questions, answers, comments and feedback are written by
many domain modules (and bulk-updated by the retention purge). A trigger in the database sees
every one of those writes, so nothing can forget to index, to drop a moderated or deleted note,
or to clear text that a purge emptied. Each source row is deleted from the index and inserted
again when a watched column changes; only visible, non-empty text is indexed.

SQLite adds an FTS5 table with the trigram tokenizer over ``search_entry.text`` (external
content, so the text is stored once); PostgreSQL indexes the same column with pg_trgm. Both are
substring indexes that need no morphological analyser for Japanese.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Every statement below is assembled from the constants of this module, never from input.

FTS_TABLE = "search_fts"
TRIGRAM_INDEX = "ix_search_entry_text_trgm"
# Tables and indexes the index adds beyond the models: schema comparisons leave them out.
UNMODELLED = frozenset(
    {
        FTS_TABLE,
        f"{FTS_TABLE}_data",
        f"{FTS_TABLE}_idx",
        f"{FTS_TABLE}_docsize",
        f"{FTS_TABLE}_config",
        f"{FTS_TABLE}_content",
        TRIGRAM_INDEX,
    }
)

COLUMNS = (
    "kind",
    "ref",
    "workshop_id",
    "stage_id",
    "stage_key",
    "group_name",
    "organization",
    "text",
    "created_at",
)


@dataclass(frozen=True)
class Source:
    """How one table feeds the index; ``{r}`` stands for the row (NEW, OLD or the table)."""

    table: str
    kind: str
    values: tuple[str, ...]
    visible: str
    watched: tuple[str, ...]
    ref: str = "CAST({r}.id AS TEXT)"

    def select(self, row: str, *, from_table: bool = False) -> str:
        exprs = ", ".join(value.format(r=row) for value in self.values)
        source = f" FROM {self.table}" if from_table else ""
        return f"SELECT {exprs}{source} WHERE {self.visible.format(r=row)}"

    def delete(self, row: str) -> str:
        ref = self.ref.format(r=row)
        return f"DELETE FROM search_entry WHERE kind = '{self.kind}' AND ref = {ref}"  # noqa: S608

    def insert(self, row: str) -> str:
        return f"INSERT INTO search_entry ({', '.join(COLUMNS)}) {self.select(row)}"


_STAGE_KEY = "COALESCE((SELECT key FROM stage WHERE id = {r}.stage_id), '')"
_GROUP = "COALESCE((SELECT name FROM workshop_group WHERE id = {r}.group_id), '')"
_ORG_OF = "COALESCE((SELECT organization FROM participant WHERE id = {r}.participant_id), '')"
_GROUP_OF = (
    "COALESCE((SELECT g.name FROM participant p JOIN workshop_group g ON g.id = p.group_id"
    " WHERE p.id = {r}.participant_id), '')"
)

SOURCES = (
    Source(
        table="note",
        kind="note",
        values=(
            "'note'",
            "{r}.id",
            "{r}.workshop_id",
            "{r}.stage_id",
            _STAGE_KEY,
            _GROUP,
            _ORG_OF,
            "{r}.text",
            "{r}.created_at",
        ),
        visible="{r}.deleted_at IS NULL AND {r}.moderated_at IS NULL AND {r}.text <> ''",
        watched=("text", "deleted_at", "moderated_at"),
        ref="{r}.id",
    ),
    Source(
        table="cluster",
        kind="cluster",
        values=(
            "'cluster'",
            "CAST({r}.id AS TEXT)",
            "{r}.workshop_id",
            "{r}.stage_id",
            _STAGE_KEY,
            _GROUP,
            "''",
            "{r}.title",
            "NULL",
        ),
        visible="{r}.deleted_at IS NULL AND {r}.title <> ''",
        watched=("title", "deleted_at"),
    ),
    Source(
        table="question",
        kind="question",
        values=(
            "'question'",
            "CAST({r}.id AS TEXT)",
            "{r}.workshop_id",
            "NULL",
            "''",
            _GROUP_OF,
            "{r}.organization",
            "{r}.text",
            "{r}.created_at",
        ),
        visible="{r}.text <> ''",
        watched=("text", "organization"),
    ),
    Source(
        table="answer",
        kind="answer",
        values=(
            "'answer'",
            "CAST({r}.id AS TEXT)",
            "(SELECT workshop_id FROM question WHERE id = {r}.question_id)",
            "NULL",
            "''",
            "''",
            "{r}.organization",
            "{r}.text",
            "{r}.created_at",
        ),
        visible="{r}.text <> ''",
        watched=("text", "organization"),
    ),
    Source(
        table="comment",
        kind="comment",
        values=(
            "'comment'",
            "CAST({r}.id AS TEXT)",
            "{r}.workshop_id",
            "NULL",
            "''",
            "''",
            "{r}.organization",
            "{r}.text",
            "{r}.created_at",
        ),
        visible="{r}.text <> ''",
        watched=("text", "organization"),
    ),
    Source(
        table="feedback",
        kind="feedback",
        values=(
            "'feedback'",
            "CAST({r}.id AS TEXT)",
            "{r}.workshop_id",
            "NULL",
            "''",
            _GROUP_OF,
            _ORG_OF,
            "{r}.text",
            "{r}.created_at",
        ),
        visible="{r}.text <> ''",
        watched=("text",),
    ),
)
KINDS = tuple(source.kind for source in SOURCES)


def _sqlite_statements() -> list[str]:
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "text, content='search_entry', content_rowid='id', tokenize='trigram')",
        "CREATE TRIGGER IF NOT EXISTS search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
        "INSERT INTO search_fts (rowid, text) VALUES (new.id, new.text); END",
        "CREATE TRIGGER IF NOT EXISTS search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
        "INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', old.id, old.text);"
        " END",
    ]
    for source in SOURCES:
        name = f"search_{source.table}"
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {source.table} "
            f"BEGIN {source.insert('new')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE OF "
            f"{', '.join(source.watched)} ON {source.table} "
            f"BEGIN {source.delete('old')}; {source.insert('new')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {source.table} "
            f"BEGIN {source.delete('old')}; END",
        ]
    return statements


def _postgres_statements() -> list[str]:
    statements = [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON search_entry USING gin (text gin_trgm_ops)",
    ]
    for source in SOURCES:
        name = f"search_sync_{source.table}"
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {source.delete('old')}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {source.insert('new')}; END IF; "
            "RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF "
            f"{', '.join(source.watched)} ON {source.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return statements


def install(connection: Connection) -> None:
    """Create the index structures and triggers if missing; safe to run on every start.

    A later migration that rebuilds a source table (SQLite batch mode copies tables) drops that
    table's triggers, so the server reinstalls them when it starts.
    """
    dialect = connection.dialect.name
    statements = _sqlite_statements() if dialect == "sqlite" else _postgres_statements()
    for statement in statements:
        connection.exec_driver_sql(statement)


def rebuild(connection: Connection) -> None:
    """Fill the index from the source tables, discarding what it held."""
    connection.exec_driver_sql("DELETE FROM search_entry")
    for source in SOURCES:
        select = source.select(source.table, from_table=True)
        connection.exec_driver_sql(f"INSERT INTO search_entry ({', '.join(COLUMNS)}) {select}")
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")


def forget_workshop(connection: Connection, workshop_id: int) -> None:
    """Drop a workshop's entries whatever the triggers did: a purge must leave no text behind.

    On SQLite the FTS5 delete trigger also removes the text from the trigram index.
    """
    connection.execute(
        text("DELETE FROM search_entry WHERE workshop_id = :id"), {"id": workshop_id}
    )


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for source in SOURCES:
            for suffix in ("insert", "update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_{source.table}_{suffix}")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_entry_fts_insert")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS search_entry_fts_delete")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        return
    for source in SOURCES:
        name = f"search_sync_{source.table}"
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {source.table}")
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
    connection.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
