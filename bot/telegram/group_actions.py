"""``GroupActions`` over the Bot API: hide a post, pause a member, let them post again,
answering in plain words when Telegram refuses (most often, the bot is not an admin
of the group with that right)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Awaitable, Optional

from telegram import Bot, ChatPermissions
from telegram.error import BadRequest, Forbidden, TelegramError

log = logging.getLogger(__name__)
NEEDS_ADMIN = ("I need to be an admin of this group with the right to {right}. A group owner can make me one "
               "in the group's settings (Administrators).")


async def refused(call: Awaitable[object], right: str) -> Optional[str]:
    """None when Telegram did it; otherwise why not, for the PSW who asked."""
    try:
        await call
    except Forbidden:
        return "I'm not in that group any more."
    except BadRequest as exc:
        log.info("group action refused: %s", exc.message)
        if "not found" in exc.message.lower():
            return "that post or member isn't there any more."
        return NEEDS_ADMIN.format(right=right) + f" (Telegram said: {exc.message})"
    except TelegramError as exc:  # a timeout or server error: worth trying again shortly
        return f"Telegram didn't answer ({type(exc).__name__}). Please try again in a moment."
    return None


class TelegramGroupActions:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def hide(self, chat_id: int, message_id: int) -> Optional[str]:
        return await refused(self.bot.delete_message(chat_id, message_id), "delete messages")

    async def pause(self, chat_id: int, user_id: int, until: datetime) -> Optional[str]:
        return await refused(self.bot.restrict_chat_member(
            chat_id, user_id, ChatPermissions.no_permissions(), until_date=until), "restrict members")

    async def unpause(self, chat_id: int, user_id: int) -> Optional[str]:
        return await refused(self.bot.restrict_chat_member(
            chat_id, user_id, ChatPermissions.all_permissions()), "restrict members")
