"""``peerbot sessions ...``: session series from the command line (the same service
as config/sessions.yaml and the coordinators' Telegram commands)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import click

from bot.cli.app import cli, current_settings
from bot.services.series import SeriesError, SeriesService, SeriesSpec
from bot.storage import migrate
from bot.storage.db import Database


def with_service(action):
    """Run ``action(service)`` on a migrated database, turning SeriesError into a clear message."""
    settings = current_settings()
    migrate.upgrade(settings.database.url)
    db = Database(settings.database.url)
    try:
        return action(SeriesService(db, settings.sessions.kinds))
    except SeriesError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.dispose()


@cli.group("sessions")
def sessions_group() -> None:
    """Manage session series (recurring or one-off)."""


@sessions_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
def import_sessions(path: Optional[Path]) -> None:
    """Create or update every series in a sessions YAML file (default: sessions.definitions). Idempotent."""
    path = path or current_settings().sessions.definitions
    if path is None:
        raise click.ClickException("give a file, or set sessions.definitions in the settings")
    seen, changed = with_service(lambda service: service.import_file(path))
    click.echo(f"{seen} series in {path}; {changed} created or changed")


@sessions_group.command("add")
@click.option("--key", required=True, help="A short unique name, e.g. thursday-walk (reuse it to edit).")
@click.option("--name", required=True)
@click.option("--kind", required=True)
@click.option("--start", "start", required=True, help="First session, local time: 2026-12-03T10:00")
@click.option("--timezone", default=None, help="IANA name (default: service.default_timezone).")
@click.option("--duration", type=int, default=90, show_default=True, help="Minutes.")
@click.option("--rrule", default=None, help="RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=TH (none: one-off).")
@click.option("--group", default=None, help="The group's invite code.")
@click.option("--location", default=None)
@click.option("--online-link", default=None)
@click.option("--capacity", type=int, default=None)
def add(key: str, name: str, kind: str, start: str, timezone: Optional[str], duration: int, rrule: Optional[str],
        group: Optional[str], location: Optional[str], online_link: Optional[str], capacity: Optional[int]) -> None:
    """Add a series, or edit the one with that key."""
    try:
        first = datetime.fromisoformat(start)
    except ValueError as exc:
        raise click.BadParameter(f"{start!r} is not like 2026-12-03T10:00", param_hint="--start") from exc
    spec = SeriesSpec(key=key, name=name, kind=kind, timezone=timezone or current_settings().service.default_timezone,
                      start_date=first.date(), start_time=first.time(), duration_minutes=duration, rrule=rrule,
                      group=group, location=location, online_link=online_link, capacity=capacity)
    _, changed = with_service(lambda service: service.save(spec))
    click.echo(f"series {key}: {'saved' if changed else 'unchanged'}")


@sessions_group.command("list")
def list_series() -> None:
    """Every series and its next sessions, in local time."""

    def show(service: SeriesService) -> None:
        for series in service.all():
            state = " (cancelled)" if series.cancelled_at else ""
            click.echo(f"{series.key}: {series.name} [{series.kind}] {series.rrule or 'one-off'} "
                       f"from {series.start_date} {series.start_time:%H:%M} {series.timezone}{state}")
            for occurrence in service.upcoming(series.key, limit=3):
                local = occurrence.starts_at.astimezone(ZoneInfo(series.timezone))
                click.echo(f"  #{occurrence.id} {local:%a %d %b %Y %H:%M} {occurrence.status}")

    with_service(show)


@sessions_group.command("cancel")
@click.argument("occurrence_id", type=int)
@click.option("--note", default=None, help="Told to people who said they were coming.")
def cancel(occurrence_id: int, note: Optional[str]) -> None:
    """Cancel one session."""
    with_service(lambda service: service.cancel_occurrence(occurrence_id, note))
    click.echo(f"session #{occurrence_id} cancelled")


@sessions_group.command("cancel-series")
@click.argument("key")
def cancel_series(key: str) -> None:
    """Cancel a series and all its future sessions."""
    count = with_service(lambda service: service.cancel_series(key))
    click.echo(f"series {key} cancelled ({count} future sessions)")
