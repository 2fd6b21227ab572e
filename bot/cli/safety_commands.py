"""``peerbot eval-safety``: the safety screen's figures on the evaluation set."""
from __future__ import annotations

import asyncio
from pathlib import Path

import click

from bot.cli.app import cli, current_settings
from bot.cli.dialogue_commands import SCREEN_ERRORS

DEFAULT_SET = Path("evaluation/safety_eval.yaml")
DEFAULT_REPORT = Path("var/safety-eval.md")


async def _evaluate(items, without_model: bool):
    from bot.dialogue.factory import open_engine
    from bot.dialogue.guarded import GuardedEngine
    from bot.safety.evaluation import run
    from bot.safety.screen import SafetyScreen

    settings = current_settings()
    screen = SafetyScreen.load(settings)
    engine = None if without_model else GuardedEngine(open_engine(settings), settings.dialogue.timeout_seconds)

    async def assess(text: str):
        return (await screen.screen(text, engine.parse if engine else None))[1]

    try:
        return await run(items, assess)
    finally:
        if engine is not None:
            await engine.close()


@cli.command("eval-safety")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_SET,
              show_default=True, help="The evaluation set (never used for training or tuning).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_REPORT,
              show_default=True, help="Where to write the Markdown report.")
@click.option("--without-model", is_flag=True, help="Screen as when the dialogue engine is down (no Rasa).")
@click.option("--show-misses", is_flag=True,
              help="List each wrong reading in the report. Reading them is using the set for tuning: "
                   "a set whose misses were read must be retired into training data and replaced.")
def eval_safety(set_path: Path, report_path: Path, without_model: bool, show_misses: bool) -> None:
    """Crisis recall and false crisis, overall, per category and per style."""
    from bot.safety.evaluation import load_set, report

    items = load_set(set_path)
    try:
        outcomes = asyncio.run(_evaluate(items, without_model))
    except SCREEN_ERRORS as exc:
        raise click.ClickException(str(exc)) from exc
    layers = "lexicon and sentence classifier only" if without_model else "every layer"
    text = report(outcomes, f"Safety screen on {set_path} ({layers})",
                  f"{len(items)} messages. How the set was made: see the comment at the top of {set_path}.",
                  show_misses)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(text, encoding="utf-8")
    click.echo(text.split("\n## Wrong readings")[0])
    click.echo(f"report written to {report_path}")
