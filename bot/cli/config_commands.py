"""``peerbot config ...``: check the settings before starting anything."""
from __future__ import annotations

import os

import click
from sqlalchemy.engine import make_url

from bot.cli.app import cli, current_settings
from bot.config import config_path
from bot.services.coping import load_library
from bot.services.outcomes import load_measure


@cli.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
def check() -> None:
    """Validate the settings file and environment; print what will be used.

    Secrets are never printed, only whether they are set.
    """
    settings = current_settings()
    path = config_path(os.environ)
    database = make_url(settings.database.url)
    click.echo(f"configuration OK (file: {path or 'none, built-in defaults'})")
    click.echo(f"  database: {database.get_backend_name()} {database.render_as_string(hide_password=True)}")
    click.echo(f"  telegram token: {'set' if settings.telegram.token else 'not set (sandbox mode)'}")
    click.echo(f"  region: {settings.service.default_region}, timezone: {settings.service.default_timezone}")
    library = load_library(settings.content.coping_strategies)  # raises, naming the entry, if broken
    click.echo(f"  coping library: {len(library)} strategies")
    measure = load_measure(settings.outcomes.measure) if settings.outcomes.measure else None
    click.echo(f"  wellbeing questionnaire: {measure.title + ' (' + measure.licence + ')' if measure else 'off'}")
