"""``peerbot train`` and ``peerbot classify``: the dialogue model from the command line."""
from __future__ import annotations

import asyncio
import json
import sys

import click

from bot.cli.app import cli, current_settings
from bot.dialogue.model import ModelError, train_if_changed


@cli.command("train")
@click.option("--force", is_flag=True, help="Train even if the project has not changed.")
def train(force: bool) -> None:
    """Train the Rasa model if rasa_project/ changed since the last training."""
    dialogue = current_settings().dialogue
    try:
        path, trained = train_if_changed(dialogue.project_dir, dialogue.model_dir, force=force)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'trained' if trained else 'up to date'}: {path}")


async def _classify_lines(lines) -> None:
    from bot.dialogue.factory import open_engine
    from bot.safety.lexicon import RiskLexicon
    from bot.safety.screen import SafetyScreen

    settings = current_settings()
    screen = SafetyScreen(RiskLexicon.load(settings.content.risk_lexicon))
    engine = open_engine(settings)
    try:
        for line in lines:
            message = line.rstrip("\n")
            if not message.strip():
                continue
            parse = await engine.parse(message)
            risk = screen.assess(message, parse)
            record = {"text": message, "intent": parse.intent, "confidence": round(parse.confidence, 4),
                      "risk": risk.level}
            click.echo(json.dumps(record, ensure_ascii=False))
    finally:
        await engine.close()


@cli.command("classify")
def classify() -> None:
    """Read one message per line on stdin; print intent, confidence and risk as JSON lines.

    The risk is the same decision the running bot makes.
    """
    try:
        asyncio.run(_classify_lines(sys.stdin))
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
