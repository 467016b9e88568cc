"""The migrations are one straight line and build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from app import models  # noqa: F401  (registers every table)
from app.db import Database, alembic_config
from app.domain import search_index

BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def test_revisions_form_a_single_line():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        assert not isinstance(revision.down_revision, tuple | list), revision.revision


@BACKENDS
def test_migrated_schema_matches_the_models(database_url):
    database = Database(database_url)
    database.migrate()
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "render_as_batch": True,
                # The search index's FTS5 table and trigram index are raw SQL, not models.
                "include_name": lambda name, kind, parent: name not in search_index.UNMODELLED,
            },
        )
        differences = compare_metadata(context, SQLModel.metadata)
    database.dispose()
    assert differences == []


def test_downgrade_to_nothing_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
