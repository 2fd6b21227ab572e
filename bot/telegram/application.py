"""Builds the python-telegram-bot Application: handlers, rate limiting, error
handling, start-up checks and command menus, and the webhook route (updates arrive
through ``intake``, never through PTB's own updater)."""
from __future__ import annotations

import hmac
import logging
from typing import Optional

from aiohttp import web
from sqlalchemy import select
from telegram import BotCommandScopeChat, BotCommandScopeDefault, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.app.replies import Reply
from bot.dialogue.guarded import GuardedEngine
from bot.i18n import ENGLISH, LANGUAGES
from bot.services.roles import PARTICIPANT
from bot.storage.models import Person, PersonRole
from bot.telegram import registry
from bot.telegram.access import bot_commands
from bot.telegram.context import APP_KEY, CONTEXT_TYPES, AppContext, PeerbotContext
from bot.telegram.handlers import membership, messages
from bot.telegram.intake import FAILURE_KEY, Intake
from bot.telegram.rate_limits import BroadcastLimits
from bot.telegram.sending import try_send
from bot.telegram.words import has_words

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RATE_LIMIT_RETRIES = 5


def bot_id_of(token: str) -> int:
    """The bot's Telegram id, the part of its token before the colon: it scopes stored update ids."""
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 0


async def on_error(update: object, context: PeerbotContext) -> None:
    """Log with the update id (never the message text) and note the failure for the inbox
    worker, which retries the update or, after too many failures, quarantines it."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)
    if update_id is not None:
        context.application.bot_data.setdefault(FAILURE_KEY, {})[update_id] = repr(context.error)


class HasWords(filters.MessageFilter):
    """Messages carrying a person's words (text, a caption, a poll, ...): each is screened."""

    def filter(self, message: Message) -> bool:
        return has_words(message)


WORDS = HasWords(name="HasWords")


def register_handlers(application: Application) -> None:
    for spec in registry.COMMANDS:
        application.add_handler(CommandHandler(spec.name, spec.callback))
    for pattern, callback in registry.CALLBACKS:
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(CallbackQueryHandler(messages.on_unknown_button))
    application.add_handler(ChatMemberHandler(membership.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, membership.on_new_members))
    application.add_handler(MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, membership.on_left_member))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, messages.on_edited))
    application.add_handler(MessageHandler(filters.COMMAND, messages.on_unknown_command))
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & WORDS, messages.on_private_message))
    application.add_handler(MessageHandler(filters.ChatType.GROUPS & WORDS, messages.on_group_message))
    application.add_handler(MessageHandler(~WORDS & ~filters.StatusUpdate.ALL, messages.on_not_text))
    application.add_error_handler(on_error)


async def publish_menus(application: Application) -> None:
    """Everyone sees the participant menu; each staff member gets their own in their chat."""
    app: AppContext = application.bot_data[APP_KEY]
    bot = application.bot
    await bot.set_my_commands(bot_commands(frozenset({PARTICIPANT})), scope=BotCommandScopeDefault())
    for language in LANGUAGES.keys() - {ENGLISH}:  # Telegram shows it to people whose app is in that language
        await bot.set_my_commands(bot_commands(frozenset({PARTICIPANT}), language), scope=BotCommandScopeDefault(),
                                  language_code=language)
    with app.people.db.session() as session:
        staff = session.execute(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                                .where(Person.telegram_user_id.is_not(None)).distinct()).scalars().all()
    for person in staff:
        roles = frozenset(app.people.roles_of(person))
        await bot.set_my_commands(bot_commands(roles, person.language),
                                  scope=BotCommandScopeChat(person.telegram_user_id))


async def check_privacy_mode(application: Application) -> None:
    me = await application.bot.get_me()
    if not me.can_read_all_group_messages:
        log.warning(
            "PRIVACY MODE IS ON for @%s: in groups the bot only sees commands, mentions and replies, so it "
            "CANNOT screen group messages for risk. Fix: in @BotFather send /setprivacy, choose @%s, then "
            "Disable (or make the bot an admin of each group), and remove and re-add the bot to existing groups.",
            me.username, me.username)


async def check_staff_chat(application: Application) -> None:
    """A staff chat the bot cannot reach would silently miss every page: say so at start-up."""
    staff_chat = application.bot_data[APP_KEY].settings.escalation.staff_chat_id
    if staff_chat is None:
        return
    try:
        await application.bot.get_chat(staff_chat)
    except TelegramError as exc:
        log.error("escalation.staff_chat_id %s cannot be reached by the bot (%s: %s): pages will go to the "
                  "PSWs only. Add the bot to that chat, or fix the id.", staff_chat, type(exc).__name__, exc.message)


ENGINE_DOWN = ("⚠️ The bot's dialogue engine is not answering. The bot still screens every message for "
               "crisis, gives crisis contacts and pages you, and passes on requests for a person, but it "
               "can't chat or run check-ins. People are told honestly. I'll say when it is back.")
ENGINE_UP = "The bot's dialogue engine is answering again."


def watch_dialogue_engine(application: Application) -> None:
    """Tell the on-duty PSWs and the staff chat, once, when the dialogue engine goes down or comes back."""
    app: AppContext = application.bot_data[APP_KEY]
    engine = app.conversation.engine
    if not isinstance(engine, GuardedEngine):
        return

    async def tell_staff(up: bool) -> None:
        chats = [p.telegram_user_id for p in app.escalations.on_duty() if p.telegram_user_id is not None]
        staff_chat = app.settings.escalation.staff_chat_id
        for chat_id in chats + ([staff_chat] if staff_chat is not None else []):
            await try_send(application.bot, chat_id, Reply(ENGINE_UP if up else ENGINE_DOWN))

    engine.on_change = tell_staff


async def post_init(application: Application) -> None:
    """Start-up checks and command menus (bot.runtime.running calls it before polling)."""
    await check_privacy_mode(application)
    await check_staff_chat(application)
    await publish_menus(application)


def build_application(app: AppContext, token: str, base_url: Optional[str] = None,
                      base_file_url: Optional[str] = None) -> Application:
    builder = (
        ApplicationBuilder().token(token).updater(None).context_types(CONTEXT_TYPES)
        .rate_limiter(BroadcastLimits(max_retries=RATE_LIMIT_RETRIES,
                                      per_second=app.settings.telegram.messages_per_second))
        .connect_timeout(10).read_timeout(20).write_timeout(20)
        # A reply to a post a PSW has just hidden (or its author deleted) still goes out,
        # unquoted: a crisis line in a group must not fail on the post being gone.
        .defaults(Defaults(allow_sending_without_reply=True))
    )
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url or base_url.replace("/bot", "/file/bot"))
    application = builder.build()
    app.inbox.bot_id = bot_id_of(token)
    application.bot_data[APP_KEY] = app
    register_handlers(application)
    return application


def webhook_app(intake: Intake, secret: str, path: str = "/telegram") -> web.Application:
    """An aiohttp app receiving Telegram's webhook calls; requests without the secret are
    refused, and an update is answered 200 only once it is stored."""

    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            log.warning("webhook request without the right secret token refused")
            return web.Response(status=403)
        return await intake.receive(request)

    web_app = web.Application()
    web_app.router.add_post(path, receive)
    return web_app
