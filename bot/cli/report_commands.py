"""``peerbot report`` and ``peerbot export``: the coordinators' figures and the
pseudonymised evaluation files, for a range of days.

Days are whole local days in the service's timezone, both ends included
(``--from 2026-03-01 --to 2026-03-31`` is all of March there); the services
get the matching half-open UTC period. Without dates: the last 30 days, today
included.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional
from zoneinfo import ZoneInfo

import click

from bot.cli.app import cli, current_settings
from bot.services.export import ExportService
from bot.services.report_charts import report_charts
from bot.services.report_text import report_text
from bot.services.reports import ReportService
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.types import utcnow

DEFAULT_DAYS = 30
DAY_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    timezone: str

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.timezone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.timezone)

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(timezone.utc)


def period_of(first: Optional[datetime], last: Optional[datetime]) -> Period:
    """The days asked for, or the last DEFAULT_DAYS days up to today (local)."""
    zone = current_settings().service.default_timezone
    last_day = last.date() if last else utcnow().astimezone(ZoneInfo(zone)).date()
    first_day = first.date() if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        raise click.BadParameter(f"{first_day} is after {last_day}", param_hint="--from/--to")
    return Period(first_day, last_day, zone)


def period_options(command: Callable) -> Callable:
    """--from, --to and --out, shared by report and export."""
    options = [
        click.option("--from", "first", type=click.DateTime([DAY_FORMAT]),
                     help=f"First day, YYYY-MM-DD (default: the {DEFAULT_DAYS} days ending with --to)."),
        click.option("--to", "last", type=click.DateTime([DAY_FORMAT]),
                     help="Last day, included (default: today)."),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder to write into (default: var/<reports|exports>/<from>_<to>/)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@contextmanager
def opened_database() -> Iterator[Database]:
    """The configured database, migrated to the newest schema, for one command."""
    url = current_settings().database.url
    migrate.upgrade(url)
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()


@cli.command("report")
@period_options
def report(first: Optional[datetime], last: Optional[datetime], out: Optional[Path]) -> None:
    """Attendance, check-in trends, escalation times and PSW caseload, as report.txt and PNG charts.
    Figures about fewer than reports.small_cell people are suppressed."""
    period = period_of(first, last)
    folder = out or Path("var/reports") / period.label
    with opened_database() as db:
        service = ReportService(db, current_settings().reports.small_cell)
        built = service.build(period.start, period.end, timezone=period.timezone)
        service.record(built)
    text = report_text(built)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.txt"]
    paths[0].write_text(text, encoding="utf-8")
    for name, png in report_charts(built).items():
        paths.append(folder / f"{name}.png")
        paths[-1].write_bytes(png)
    click.echo(text)
    for path in paths:
        click.echo(f"wrote {path}")


@cli.command("export")
@period_options
def export(first: Optional[datetime], last: Optional[datetime], out: Optional[Path]) -> None:
    """Pseudonymised CSV files for evaluation: attendance, check-ins, escalation timings and
    completed outcome questionnaires. No names, Telegram ids or anything people typed."""
    period = period_of(first, last)
    folder = out or Path("var/exports") / period.label
    with opened_database() as db:
        paths = ExportService(db).write(period.start, period.end, folder)
    for path in paths:
        click.echo(f"wrote {path}")
