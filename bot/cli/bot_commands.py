"""``peerbot run``, ``sandbox``, ``invite`` and ``groups``: running the bot, its staff and its groups."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Callable

import click
from telegram import Bot
from telegram.error import TelegramError

from bot.cli.app import cli, current_settings
from bot.config import Settings
from bot.dialogue.model import ModelError
from bot.logging_setup import configure_logging
from bot.services.groups import GroupService, summary_lines
from bot.services.people import InviteError, PeopleService
from bot.services.roles import STAFF
from bot.storage import migrate
from bot.storage.db import Database


@cli.command("run")
def run() -> None:
    """Migrate the database and run the bot (the sandbox when no Telegram token is set)."""
    from bot.runtime import StartupError, serve

    settings = current_settings()
    configure_logging(settings.logging.level)
    try:
        asyncio.run(serve(settings))
    except (ModelError, StartupError) as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("sandbox")
@click.option("--port", type=int, default=None, help="Port (default: sandbox.port from the settings).")
def sandbox(port: int | None) -> None:
    """Run only the sandbox (a local Telegram stand-in) to point any bot at via TELEGRAM_BASE_URL."""
    from bot.sandbox.server import Sandbox

    settings = current_settings()
    configure_logging(settings.logging.level)

    async def main() -> None:
        box = Sandbox()
        url = await box.start(settings.sandbox.host, port or settings.sandbox.port)
        click.echo(f"sandbox at {url}/  token {box.token}  TELEGRAM_BASE_URL={box.api_base_url}")
        try:
            await asyncio.Event().wait()
        finally:
            await box.stop()

    asyncio.run(main())


@cli.command("invite")
@click.argument("role", type=click.Choice(STAFF))
def invite(role: str) -> None:
    """Create a single-use, expiring invite code for a PSW or coordinator."""
    settings = current_settings()
    migrate.upgrade(settings.database.url)
    db = Database(settings.database.url)
    try:
        hours = settings.roles.invite_expiry_hours
        people = PeopleService(db, settings.roles.bootstrap_coordinators, timedelta(hours=hours))
        code = people.create_role_invite(role, created_by_id=None).code
    except InviteError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.dispose()
    click.echo(f"Invite for a {role}, single use, valid {hours} h.")
    click.echo(f"For them: {bot_link_maker(settings)(f'role_{code}')}")


@cli.group("groups")
def groups_group() -> None:
    """Groups and their join links."""


@groups_group.command("list")
def list_groups() -> None:
    """Each group: members, next session and the link that joins it."""
    settings = current_settings()
    migrate.upgrade(settings.database.url)
    db = Database(settings.database.url)
    try:
        summaries = GroupService(db, settings.content.ground_rules).overview()
    finally:
        db.dispose()
    click.echo(summary_lines(summaries, bot_link_maker(settings)))


def bot_link_maker(settings: Settings) -> Callable[[str], str]:
    """Makes, for a /start payload, the t.me link with the bot's real username (asked of
    Telegram once); with no token, or when Telegram cannot be asked, the message to send
    the bot instead, saying plainly why there is no link."""
    if not settings.telegram.token:
        return lambda payload: (f"send the bot /start {payload} once it runs "
                                "(no TELEGRAM_BOT_TOKEN is set, so there is no link to the bot yet)")
    try:
        username = asyncio.run(bot_username(settings.telegram.token, settings.telegram.base_url))
    except TelegramError as exc:
        why = str(exc)  # the name ``exc`` is gone once the block ends
        return lambda payload: f"send the bot /start {payload} (could not ask Telegram for its username: {why})"
    return lambda payload: f"https://t.me/{username}?start={payload}"


async def bot_username(token: str, base_url: str | None) -> str:
    async with Bot(token, base_url=base_url) if base_url else Bot(token) as bot:
        username = (await bot.get_me()).username
    if username is None:  # every bot has one; a User in general need not
        raise TelegramError("Telegram gave the bot no username")
    return username
