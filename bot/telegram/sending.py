"""Sending replies to Telegram, surviving what Telegram does to bots.

Telegram's limits are kept, and 429s waited out, by the rate limiter
(``rate_limits.py``). Here: long texts are split, network timeouts are retried
once, and a chat the bot may not write to (403: the person never pressed
Start, or the bot was removed) is reported to the caller instead of crashing
the handler.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Optional, Sequence, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import Application

from bot.app.replies import Reply

log = logging.getLogger(__name__)
T = TypeVar("T")
# Set in bot_data when the bot starts stopping (see draining).
DRAINING_KEY = "peerbot.draining"
RETRY_DELAY = 1.0


def keyboard(reply: Reply) -> Optional[InlineKeyboardMarkup]:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(title, callback_data=data) for title, data in row] for row in reply.buttons]
    )


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Pieces of at most ``limit`` characters, broken at line ends where possible."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return pieces


async def with_retry(call: Callable[[], Awaitable[T]]) -> T:
    """One retry after a timeout or network blip; anything else is for the caller."""
    try:
        return await call()
    except NetworkError as exc:  # includes TimedOut; BadRequest is a NetworkError too in PTB
        if isinstance(exc, BadRequest):
            raise
        log.warning("Telegram call failed (%s); retrying once", type(exc).__name__)
        await asyncio.sleep(RETRY_DELAY)
        return await call()


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> Optional[Message]:
    """Send one reply; returns the last message sent, or None if the chat is closed to the bot."""
    try:
        if reply.photo is not None:
            photo = reply.photo
            return await with_retry(lambda: bot.send_photo(
                chat_id, InputFile(photo, filename="chart.png"), caption=reply.text[:1024] or None,
                reply_markup=keyboard(reply)))
        if reply.document is not None:
            name, contents = reply.document
            return await with_retry(lambda: bot.send_document(
                chat_id, InputFile(contents, filename=name), caption=reply.text[:1024] or None,
                reply_markup=keyboard(reply)))
        pieces = split_text(reply.text)
        sent = None
        for index, piece in enumerate(pieces):
            markup = keyboard(reply) if index == len(pieces) - 1 else None
            sent = await with_retry(lambda: bot.send_message(chat_id, piece, reply_markup=markup))
        return sent
    except Forbidden as exc:
        log.info("cannot write to chat %s: %s", chat_id, exc.message)
        return None


async def send_replies(bot: Bot, chat_id: int, replies: list[Reply],
                       sent: Optional[Callable[[Reply, Message], None]] = None) -> bool:
    """Send in order, telling ``sent`` of each message that went out; False if the chat
    is closed to the bot."""
    for reply in replies:
        message = await send_reply(bot, chat_id, reply)
        if message is None:
            return False
        if sent is not None:
            sent(reply, message)
    return True


async def try_send(bot: Bot, chat_id: int, reply: Reply) -> tuple[bool, Optional[str]]:
    """For queued messages (reminders, notices): (sent?, why not), never raising for one
    chat's failure, so one bad chat cannot stop the rest of a fan-out."""
    try:
        sent = await send_reply(bot, chat_id, reply)
    except TelegramError as exc:
        log.warning("could not send a queued message to chat %s: %s", chat_id, type(exc).__name__)
        return False, f"{type(exc).__name__}: {exc.message}"
    return (True, None) if sent is not None else (False, "the bot cannot message this person")


def draining(application: Application) -> bool:
    """True once the bot is stopping: a queue being sent finishes the message in hand and
    claims no more (the rest stay queued for the next start or another process)."""
    return bool(application.bot_data.get(DRAINING_KEY))


async def send_queue(application: Application, take: Callable[[], Optional[T]],
                     message: Callable[[T], tuple[int, Reply]], mark: Callable[[T, bool, Optional[str]], None]) -> int:
    """Send a queue of claimed messages (reminders, notices) one at a time, so at most one
    waits in the rate limiter and people's replies or a crisis page never queue behind a big
    fan-out; returns how many were sent. The database work runs in a worker thread, so the
    bot keeps answering people while a fan-out goes out."""
    sent = 0
    while not draining(application) and (item := await asyncio.to_thread(take)) is not None:
        chat_id, reply = message(item)
        ok, error = await try_send(application.bot, chat_id, reply)
        await asyncio.to_thread(mark, item, ok, error)
        sent += ok
    return sent


class TelegramOutbox:
    """The use cases' outbound port (``bot.app.outbox.Outbox``) over the Bot API."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, replies: Sequence[Reply]) -> bool:
        return await send_replies(self.bot, chat_id, list(replies))

    async def try_send(self, chat_id: int, reply: Reply) -> tuple[bool, Optional[str]]:
        return await try_send(self.bot, chat_id, reply)
