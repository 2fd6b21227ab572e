"""The outbound port: the one way a use case reaches a person's chat.

How a message travels (Telegram, its rate limits, a chat that is closed to the
bot) is the adapter's business; use cases only learn whether it arrived."""
from __future__ import annotations

from typing import Optional, Protocol, Sequence

from bot.app.replies import Reply


class Outbox(Protocol):
    async def send(self, chat_id: int, replies: Sequence[Reply]) -> bool:
        """Send in order; False when the chat is closed to the bot (blocked, never
        started). A passing failure (timeout, server error) raises, so the update that
        asked for it is handled again rather than silently losing the message."""

    async def try_send(self, chat_id: int, reply: Reply) -> tuple[bool, Optional[str]]:
        """One message in a fan-out (a page, a reminder): (sent?, why not), never raising
        for one chat's failure, so one bad chat cannot keep the message from the rest."""
