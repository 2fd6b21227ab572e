"""``peerbot train`` and ``peerbot classify``: the dialogue model from the command line."""
from __future__ import annotations

import asyncio
import json
import sys

import click

from bot.cli.app import cli, current_settings
from bot.dialogue.model import ModelError, train_if_changed
from bot.safety.classifier import ClassifierMissing
from bot.safety.encoder import EncoderUnavailable

SCREEN_ERRORS = (ModelError, ClassifierMissing, EncoderUnavailable)


@cli.command("train")
@click.option("--force", is_flag=True, help="Train even if the training data has not changed.")
def train(force: bool) -> None:
    """Train the Rasa model and the safety screen's classifier, each only if its data changed."""
    from bot.safety import classifier

    settings = current_settings()
    dialogue = settings.dialogue
    try:
        path, trained = train_if_changed(dialogue.project_dir, dialogue.model_dir, force=force)
        click.echo(f"{'trained' if trained else 'up to date'}: {path}")
        screen, summary = classifier.train_if_changed(dialogue.model_dir, dialogue.nlu_dir,
                                                      settings.safety.training_dir, force=force)
    except SCREEN_ERRORS as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'trained' if summary else 'up to date'}: {screen}")
    if summary:
        click.echo(f"  safety classifier, cross-validated on its training data: {json.dumps(summary)}")


async def _classify_lines(lines) -> None:
    from bot.dialogue.factory import open_engine
    from bot.safety.screen import SafetyScreen

    settings = current_settings()
    screen = SafetyScreen.load(settings)
    engine = open_engine(settings)
    try:
        for line in lines:
            message = line.rstrip("\n")
            if not message.strip():
                continue
            parse = await engine.parse(message)
            risk = screen.assess(message, parse)
            record = {"text": message, "intent": parse.intent, "confidence": round(parse.confidence, 4),
                      "risk": risk.level, "reasons": list(risk.reasons)}
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
    except SCREEN_ERRORS as exc:
        raise click.ClickException(str(exc)) from exc
