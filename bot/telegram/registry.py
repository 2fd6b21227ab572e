"""Every command and button the bot answers, with the roles allowed to use each.

Handlers live in modules by subject; this table gathers them, registers them
with the application, builds each person's command menu, and is what the
role-matrix test walks.
"""
from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import ContextTypes

from bot.storage.models import Person
from bot.telegram import coping_handlers
from bot.telegram import facilitation
from bot.telegram import handlers
from bot.telegram import outcome_handlers
from bot.telegram import privacy_handlers
from bot.telegram import report_handlers
from bot.telegram import session_admin
from bot.telegram.access import CommandSpec
from bot.telegram.context import app_of

# One module per subject, each with its COMMANDS and CALLBACKS (one per line, to add to).
MODULES = (
    handlers,
    facilitation,
    session_admin,
    privacy_handlers,
    outcome_handlers,
    report_handlers,
    coping_handlers,
)
COMMANDS: tuple[CommandSpec, ...] = tuple(spec for module in MODULES for spec in module.COMMANDS)
CALLBACKS: tuple[tuple[str, object], ...] = tuple(entry for module in MODULES for entry in module.CALLBACKS)


def menu_for(roles: frozenset[str]) -> list[CommandSpec]:
    """The commands a person with these roles may use."""
    return [c for c in COMMANDS if not c.allowed or c.allowed & roles]


def bot_commands(roles: frozenset[str]) -> list[BotCommand]:
    return [BotCommand(c.name, c.description) for c in menu_for(roles)]


async def set_menu(context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    """Give a staff member their own command menu in their private chat."""
    app = app_of(context)
    roles = frozenset(app.people.roles_of(app.people.get(person.id)))
    await context.bot.set_my_commands(bot_commands(roles), scope=BotCommandScopeChat(person.telegram_user_id))
