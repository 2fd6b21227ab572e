"""Role checks for every command and button, in one place.

Each command or callback is registered with the roles allowed to use it; the
wrapper looks the caller up, refuses kindly (changing nothing) when they lack
the role, and otherwise passes the caller to the handler. The same table
builds each person's command menu, and the role-matrix test walks it.

It also reads what a handler's routing guarantees its update carries (the
pressed button, the chat, the message, ...): PTB types all of these as
optional, since another kind of update lacks them. A helper here returns the
value, or raises ``RoutingError`` if the guarantee is ever broken, which the
application's error handler logs: handlers then read simply.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional, TypeVar

from sqlalchemy.exc import DataError
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    MaybeInaccessibleMessage,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.app.replies import Reply
from bot.i18n import say
from bot.services.roles import COORDINATOR, PARTICIPANT, PSW
from bot.storage.models import Person
from bot.telegram.context import PeerbotContext
from bot.telegram.sending import send_replies
from bot.telegram.typed_press import remember

log = logging.getLogger(__name__)

ANYONE: frozenset[str] = frozenset()
PARTICIPANTS = frozenset({PARTICIPANT})
STAFF = frozenset({PSW, COORDINATOR})
PSWS = frozenset({PSW})
COORDINATORS = frozenset({COORDINATOR})
# What parsing button data that was forged or damaged raises (an id too large for the
# database included): such a press is refused, never left to crash the update.
MALFORMED = (ValueError, IndexError, KeyError, OverflowError, DataError)
STALE_BUTTON = "That button isn't valid any more. Nothing has been changed."
ROLE_NAMES = {PARTICIPANT: "people who have joined", PSW: "peer support workers", COORDINATOR: "coordinators"}
T = TypeVar("T")


class RoutingError(RuntimeError):
    """An update lacks what its handler's routing guarantees: a bug in the routing, not
    something a person did, so it is raised (for the error handler to log), never answered."""


def _routed(value: Optional[T], what: str) -> T:
    """``value``, which the routing guarantees is there; RoutingError naming ``what`` if not."""
    if value is None:
        raise RoutingError(f"the update has no {what}, though its handler's routing guarantees one")
    return value


def pressed(update: Update) -> tuple[CallbackQuery, str]:
    """The button press and its data, for a button handler: PTB routes only callback
    queries there, and the bot's buttons all carry data (no games, no inline mode)."""
    query = _routed(update.callback_query, "callback query")
    return query, _routed(query.data, "button data")


def chat_of(update: Update) -> Chat:
    """The chat the update came from: every command, message and button the bot routes has one
    (a button's chat is that of its message, kept even when the message is too old to read)."""
    return _routed(update.effective_chat, "chat")


def message_of(update: Update) -> Message:
    """The message of a message handler (new or edited), or of a command."""
    return _routed(update.effective_message, "message")


def origin_of(update: Update) -> MaybeInaccessibleMessage:
    """The message an update is about: the one sent, or for a button, the bot's message
    carrying it. Only its chat and id can be relied on: a button's message may be too old
    for Telegram to show the bot anything else (PTB's ``effective_message`` is then None)."""
    if update.callback_query is not None:
        return _routed(update.callback_query.message, "message of the button")
    return message_of(update)


def user_of(update: Update) -> User:
    """Who sent the update: ``guarded`` runs a handler only for an update from someone."""
    return _routed(update.effective_user, "user")


def left_member_of(update: Update) -> User:
    """Who left the group chat, for the handler routed only "left chat member" messages."""
    return _routed(message_of(update).left_chat_member, "left chat member")


def bot_membership_of(update: Update) -> ChatMemberUpdated:
    """The change in the bot's own membership of a chat, for the handler routed only those."""
    return _routed(update.my_chat_member, "change in the bot's membership")


@dataclass(frozen=True)
class Caller:
    person: Optional[Person]  # None for someone who never pressed Start (only ANYONE handlers see them)
    roles: frozenset[str]

    @property
    def member(self) -> Person:
        """The caller's record, for a handler guarded with a role: nobody holds one before
        consenting, so such a caller always has a record (RoutingError if ever not)."""
        return _routed(self.person, "person record for the role-holding caller")


Handler = Callable[[Update, PeerbotContext, Caller], Awaitable[None]]


def refusal(allowed: frozenset[str], roles: frozenset[str]) -> str:
    if not roles:
        return ("I'd like to help with that, but first please open a private chat with me and press Start, "
                "so I can explain what I store and ask for your OK.")
    who = " or ".join(ROLE_NAMES[role] for role in sorted(allowed))
    return f"Sorry, that's only for {who}. Nothing has been changed."


class GuardedHandler:
    """A handler that runs only for callers holding one of ``allowed_roles`` (empty: anyone):
    what PTB calls, and where menus and the role-matrix test read the roles. It passes for
    the handler it wraps (name, docstring), as ``functools.wraps`` would."""

    def __init__(self, handler: Handler, allowed_roles: frozenset[str]) -> None:
        functools.update_wrapper(self, handler)
        self.handler = handler
        self.allowed_roles = allowed_roles

    async def __call__(self, update: Update, context: PeerbotContext) -> None:
        handler, allowed = self.handler, self.allowed_roles
        user = update.effective_user
        if user is None:
            return
        app = context.app
        person = app.people.find(user.id)
        caller = Caller(person, frozenset(app.people.roles_of(person)))
        if allowed and not allowed & caller.roles:
            log.info("refused %s for user with roles %s", handler.__name__, sorted(caller.roles))
            await tell(update, refusal(allowed, caller.roles))
            return
        if update.callback_query is None:
            await handler(update, context, caller)
            return
        if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
            app.choices.clear(update.effective_chat.id)  # a press answers the question: typing can't again
        try:
            await handler(update, context, caller)
        except MALFORMED as exc:  # forged or damaged button data: refuse clearly, never crash
            log.warning("refused malformed button data for %s (%s)", handler.__name__, type(exc).__name__)
            await tell(update, STALE_BUTTON)


def guarded(allowed: frozenset[str]) -> Callable[[Handler], GuardedHandler]:
    """Wrap a handler so it runs only for callers holding one of ``allowed`` (empty: anyone)."""

    def decorate(handler: Handler) -> GuardedHandler:
        return GuardedHandler(handler, allowed)

    return decorate


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    callback: GuardedHandler

    @property
    def allowed(self) -> frozenset[str]:
        return self.callback.allowed_roles


# Every command, in menu order, with its roles: filled once by ``bot.telegram.registry``,
# which gathers the handler modules, so a handler that shows a menu imports no other handler.
COMMAND_TABLE: list[CommandSpec] = []


def menu_for(roles: frozenset[str]) -> list[CommandSpec]:
    """The commands a person with these roles may use."""
    return [c for c in COMMAND_TABLE if not c.allowed or c.allowed & roles]


def bot_commands(roles: frozenset[str], language: Optional[str] = None) -> list[BotCommand]:
    return [BotCommand(c.name, say(language, c.description)) for c in menu_for(roles)]


async def set_menu(context: PeerbotContext, person: Person) -> None:
    """Give a staff member their own command menu in their private chat."""
    app = context.app
    roles = frozenset(app.people.roles_of(app.people.get(person.id)))
    await context.bot.set_my_commands(bot_commands(roles, person.language),
                                      scope=BotCommandScopeChat(person.telegram_user_id))


async def reply(update: Update, context: PeerbotContext, replies: list[Reply],
                keyboard_key: Optional[str] = None) -> None:
    """Send replies to the chat the update came from; with ``keyboard_key``, the last one
    carrying buttons is remembered under that key, to be retired by ``retire_keyboard``.
    In a private chat, the buttons that can be pressed by typing are remembered too."""
    chat = chat_of(update)
    await send_replies(context.bot, chat.id, replies, keyboard_keeper(context, keyboard_key) if keyboard_key else None)
    if chat.type == ChatType.PRIVATE:
        remember(context.app, chat.id, replies)


def keyboard_keeper(context: PeerbotContext, key: str) -> Callable[[Reply, Message], None]:
    """A ``send_replies`` callback noting, per chat, the message whose buttons are live for a step."""

    def keep(sent: Reply, message: Message) -> None:
        if sent.buttons and context.chat_data is not None:
            context.chat_data[key] = message.message_id

    return keep


async def retire_keyboard(update: Update, context: PeerbotContext, key: str) -> None:
    """The buttons remembered under ``key`` belong to a step now answered some other way
    (by typing, or the step is over): take them away so a late press cannot act on it.
    A press on those very buttons is left alone: its handler settles that message itself."""
    message_id = context.chat_data.pop(key, None) if context.chat_data is not None else None
    pressed_on = update.callback_query.message if update.callback_query is not None else None
    if message_id is None or (pressed_on is not None and pressed_on.message_id == message_id):
        return
    try:
        await context.bot.edit_message_reply_markup(chat_of(update).id, message_id, reply_markup=None)
    except TelegramError as exc:  # already retired (pressed) or gone: nothing to take away
        log.debug("keyboard %s not retired: %s", message_id, type(exc).__name__)


async def tell(update: Update, text: str) -> None:
    """Answer in the same place the caller used: a button press or a message."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
