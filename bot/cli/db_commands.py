"""``peerbot db ...``: schema migrations with Alembic."""
from __future__ import annotations

import click

from bot.cli.app import cli, current_settings
from bot.storage import migrate


@cli.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    url = current_settings().database.url
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current_revision(url)}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' empties it)."""
    url = current_settings().database.url
    migrate.downgrade(url, revision)
    click.echo(f"database at revision {migrate.current_revision(url) or 'base (empty)'}")


@db_group.command("current")
def current() -> None:
    """Print the database's revision and whether it is the newest."""
    revision = migrate.current_revision(current_settings().database.url)
    head = migrate.head_revision()
    state = "up to date" if revision == head else f"behind (newest is {head})"
    click.echo(f"{revision or 'base (empty)'}: {state}")
