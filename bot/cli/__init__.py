"""The ``peerbot`` command line: the root group in ``app``, a module per subcommand family."""
from __future__ import annotations

from bot.cli import (  # noqa: F401  (each registers its subcommands)
    bot_commands,
    config_commands,
    db_commands,
    dialogue_commands,
    layout_commands,
    report_commands,
    safety_commands,
    session_commands,
)
from bot.cli.app import cli, main

__all__ = ["cli", "main"]
