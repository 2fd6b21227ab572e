"""``peerbot sessions ...``: session series from the command line (the same service
as config/sessions.yaml and the coordinators' Telegram commands)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Optional

import click

from bot.cli.app import cli, current_settings
from bot.services.series import SeriesError, SeriesService, SeriesSpec
from bot.services.wording import describe_when, local_time, where
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


def series_options(command):
    """The options shared by ``add`` and ``edit``; each maps to a SeriesSpec field."""
    options = [
        click.option("--name"), click.option("--kind"),
        click.option("--start", help="First session, local time: 2026-12-03T10:00"),
        click.option("--timezone", help="IANA name (default: service.default_timezone)."),
        click.option("--duration", type=int, help="Minutes (default for a new series: 90)."),
        click.option("--rrule", help="RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=TH (leave out for a one-off)."),
        click.option("--group", help="The group's invite code."),
        click.option("--location"), click.option("--online-link"), click.option("--accessibility"),
        click.option("--agenda", help="Shown when the session opens in the group chat."),
        click.option("--capacity", type=int, help="Places; more 'Going' answers join a waiting list."),
        click.option("--facilitator", "facilitators", type=int, multiple=True,
                     help="A facilitator's Telegram id (repeat for several; they must have started the bot)."),
        click.option("--auto-facilitate/--no-auto-facilitate", default=None,
                     help="Open the check-in and check-out rounds at the start and end times."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def changes(options: dict) -> dict:
    """SeriesSpec fields from the options given on the command line (others left alone)."""
    fields = {"duration": "duration_minutes", "accessibility": "accessibility_notes", "auto_facilitate": "auto_facilitate"}
    values = {fields.get(name, name): value for name, value in options.items()
              if value is not None and value != () and name != "start"}
    if "facilitators" in values:
        values["facilitators"] = list(values["facilitators"])
    if options.get("start"):
        try:
            first = datetime.fromisoformat(options["start"])
        except ValueError as exc:
            raise click.BadParameter(f"{options['start']!r} is not like 2026-12-03T10:00", param_hint="--start") from exc
        values.update(start_date=first.date(), start_time=first.time())
    return values


@sessions_group.command("add")
@click.option("--key", required=True, help="A short unique name, e.g. thursday-walk.")
@series_options
def add(key: str, **options) -> None:
    """Add a series (one-off without --rrule). Needs --name, --kind and --start."""
    values = changes(options)
    missing = [f"--{name}" for name in ("name", "kind", "start") if not options.get(name)]
    if missing:
        raise click.UsageError(f"a new series needs {', '.join(missing)}")
    values.setdefault("timezone", current_settings().service.default_timezone)
    values.setdefault("duration_minutes", 90)
    _, changed = with_service(lambda service: service.save(SeriesSpec(key=key, **values)))
    click.echo(f"series {key}: {'saved' if changed else 'unchanged'}")


@sessions_group.command("edit")
@click.argument("key")
@series_options
def edit(key: str, **options) -> None:
    """Change some fields of a series; people who said they're coming hear about changes to
    place, link, length or access, and moved dates are cancelled with a notice."""
    values = changes(options)
    _, changed = with_service(lambda service: service.save(replace(service.spec_of(key), **values)))
    click.echo(f"series {key}: {'saved' if changed else 'unchanged'}")


@sessions_group.command("list")
def list_series() -> None:
    """Every series and its next sessions, in local time."""

    def show(service: SeriesService) -> None:
        for series in service.all():
            state = " (cancelled)" if series.cancelled_at else ""
            when = describe_when(series.rrule, series.start_date, series.start_time, series.timezone)
            click.echo(f"{series.key}: {series.name} [{series.kind}] {when}, "
                       f"{where(series.location, series.online_link)}{state}")
            for occurrence in service.upcoming(series.key, limit=3):
                click.echo(f"  #{occurrence.id} {local_time(occurrence.starts_at, series.timezone)} {occurrence.status}")

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
