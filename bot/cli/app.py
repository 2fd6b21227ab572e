"""The root command and what every subcommand shares: the settings, loaded once
per invocation, with configuration errors reported as one clear message
(naming the key) and exit status 2 instead of a traceback."""
from __future__ import annotations

import os
from typing import Any, Optional

import click

from bot.config import ConfigError, Settings, load_settings, unread_variables

CONFIG_ERROR_EXIT = 2


class PeerbotGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"peerbot: {exc}", err=True)
            ctx.exit(CONFIG_ERROR_EXIT)


def current_settings() -> Settings:
    """The settings of the running command, loaded on first use."""
    meta = click.get_current_context().meta
    if "peerbot.settings" not in meta:
        meta["peerbot.settings"] = load_settings()
        for warning in unread_variables(os.environ):
            click.echo(f"peerbot: warning: {warning}", err=True)
    return meta["peerbot.settings"]


@click.group(cls=PeerbotGroup)
def cli() -> None:
    """peerbot: group-session facilitation for mental-health peer support."""


def main(argv: Optional[list[str]] = None) -> None:
    cli.main(args=argv, prog_name="peerbot")
