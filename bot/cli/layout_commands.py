"""``peerbot layout``: the multi-process layout on this machine, for a try-out."""
from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click

from bot.cli.app import cli, current_settings
from bot.logging_setup import configure_logging

DEFAULT_LOCKS = "redis://127.0.0.1:6379/1"


@cli.command("layout")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="`peerbot run` processes, each with the dialogue model (one per core).")
@click.option("--port", type=int, default=8443, show_default=True, help="Where nginx takes the webhook.")
@click.option("--folder", type=click.Path(path_type=Path), default=Path("var/layout"), show_default=True,
              help="For the processes' logs and nginx's files.")
def layout(workers: int, port: int, folder: Path) -> None:
    """Run N bot workers in webhook mode behind nginx, sharing the database and Redis (dialogue
    locks): the shape of a deployment across machines (deploy/). Without a Telegram token the
    sandbox stands in for Telegram (no demo data: add people in its page)."""
    from bot.deploy.local import LocalLayout
    from bot.runtime import sandbox_settings
    from bot.sandbox.server import Sandbox

    settings = current_settings()
    configure_logging(settings.logging.level)
    token = settings.telegram.token
    if token and not settings.telegram.webhook_url:
        raise click.ClickException("telegram.webhook_url (PEERBOT_WEBHOOK_URL) is needed with a Telegram token: "
                                   f"the public HTTPS address your TLS proxy hands to port {port}")
    if not token:
        settings = sandbox_settings(settings)
    locks = settings.dialogue.lock_store_url or DEFAULT_LOCKS

    async def main() -> None:
        box = None
        base_url = settings.telegram.base_url
        if not token:
            box = Sandbox()
            click.echo(f"sandbox at {await box.start(settings.sandbox.host, settings.sandbox.port)}/")
            base_url = box.api_base_url
        click.echo(f"starting {workers} workers behind nginx on port {port} (loading the model: 30-75 s)...")
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        try:
            async with LocalLayout(workers, settings.database.url, box.token if box else token or "", base_url,
                                   folder.resolve(), locks, port, public_url=settings.telegram.webhook_url if token else None,
                                   secret=settings.telegram.webhook_secret) as running:
                click.echo(f"ready: webhook {running.balancer.url if running.balancer else ''}; logs in {folder}/; "
                           "Ctrl-C stops")
                await stop.wait()
        finally:
            if box is not None:
                await box.stop()

    asyncio.run(main())
