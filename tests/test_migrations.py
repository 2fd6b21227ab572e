"""Migrations: from empty to the newest schema and back, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from bot.cli import cli
from bot.storage import migrate
from bot.storage.db import make_engine
from bot.storage.models import Base


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_exactly_the_modelled_schema(empty_database_url):
    migrate.upgrade(empty_database_url)
    assert migrate.current_revision(empty_database_url) == migrate.head_revision()
    assert table_names(empty_database_url) == set(Base.metadata.tables) | {"alembic_version"}
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
            )
    finally:
        engine.dispose()
    assert differences == [], "the models changed without a migration: add one with alembic"


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(empty_database_url):
    migrate.upgrade(empty_database_url)
    migrate.downgrade(empty_database_url, "base")
    assert table_names(empty_database_url) <= {"alembic_version"}
    assert migrate.current_revision(empty_database_url) is None
    migrate.upgrade(empty_database_url)
    assert migrate.current_revision(empty_database_url) == migrate.head_revision()


def test_peerbot_db_upgrade_migrates_the_configured_database(empty_database_url):
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": empty_database_url, "PEERBOT_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert f"database at revision {migrate.head_revision()}" in result.output
    again = runner.invoke(cli, ["db", "current"], env={"DATABASE_URL": empty_database_url, "PEERBOT_CONFIG": ""})
    assert "up to date" in again.output


def test_processes_starting_together_on_an_empty_database_migrate_it_once(empty_database_url):
    """Each bot process migrates as it starts; with several started at once, one migrates
    and the others wait and find it done (each in its own process, as in the layout)."""
    import subprocess
    import sys

    from conftest import PROJECT_ROOT

    program = "import sys; from bot.storage import migrate; migrate.upgrade(sys.argv[1])"
    starts = [subprocess.Popen([sys.executable, "-c", program, empty_database_url], cwd=PROJECT_ROOT,
                               stderr=subprocess.PIPE, text=True) for _ in range(3)]
    failures = [process.communicate(timeout=120)[1] for process in starts if process.wait(timeout=120) != 0]
    assert failures == []
    assert migrate.current_revision(empty_database_url) == migrate.head_revision()
