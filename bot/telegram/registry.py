"""Every command and button the bot answers, with the roles allowed to use each.

Handlers live in modules by subject; this table gathers them, registers them
with the application, builds each person's command menu, and is what the
role-matrix test walks.
"""
from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import ContextTypes

from bot.storage.models import Person
from bot.telegram import facilitation, handlers, session_admin
from bot.telegram.access import CommandSpec
from bot.telegram.context import app_of

COMMANDS: tuple[CommandSpec, ...] = handlers.COMMANDS + facilitation.COMMANDS + session_admin.COMMANDS
CALLBACKS: tuple[tuple[str, object], ...] = handlers.CALLBACKS + facilitation.CALLBACKS + session_admin.CALLBACKS


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
