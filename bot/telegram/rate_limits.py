"""Telegram's broadcast limits, kept by waiting only when a message must wait.

Telegram allows a bot about 30 messages a second overall and 20 a minute to one
group; beyond that it answers 429 with ``retry_after``. PTB's AIORateLimiter, used
before, paced every request that names a chat one at a time, 34 ms apart, edits
and look-ups included: a turn's keyboard retirement and its answer took two slots,
so under load the pacer, not the work, set the pace (about 14 answers a second)
and every message waited its turn whether or not the limit was near. Here the
limits are rolling windows counted for messages sent (``sendMessage``,
``sendPhoto``, ...): a message goes at once unless 29 went in the last second (or
20 to its group in the last minute), and then waits only as long as needed, a
crisis's messages first. Several processes share Telegram's 30 a second: each
keeps to its share (``telegram.messages_per_second``). Anything else Telegram
refuses with 429 is waited out and tried again.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Coroutine, Optional, Union

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.dialogue.priority import is_urgent

log = logging.getLogger(__name__)
JSONDict = dict[str, Any]
Result = Union[bool, JSONDict, list[JSONDict]]

MESSAGES_PER_SECOND = 29  # Telegram's "about 30", with a message to spare
GROUP_MESSAGES_PER_MINUTE = 20
GIVE_WAY = 0.002  # how often an ordinary message looks again while a crisis's takes a freed slot


def sends_a_message(endpoint: str) -> bool:
    """The Bot API methods that put a message in a chat, which the broadcast limits count."""
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) and endpoint != "sendChatAction"


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait (PTB 22 reads it as a timedelta or whole seconds)."""
    value = exc.retry_after
    return float(value) if isinstance(value, (int, float)) else value.total_seconds()


class Window:
    """At most ``limit`` messages in any ``span`` seconds; ``take`` waits only when it is full.

    A message counts from when its call to Telegram ended (until then, from when it was
    let through): Telegram counts it when it arrives, which can be up to a request's time
    after it was let through, so counting from the start would let a burst of slow calls
    and a quick one land in the same second at Telegram."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.slots: list[list[float]] = []  # each message's time, one-item lists updated when its call ends
        self.lock = asyncio.Lock()  # first come, first served
        self.urgent_waiting = 0  # a crisis's messages waiting: ordinary ones give way

    def wait_needed(self, now: float) -> float:
        self.slots = [slot for slot in self.slots if slot[0] > now - self.span]
        return 0.0 if len(self.slots) < self.limit else min(slot[0] for slot in self.slots) + self.span - now

    async def take(self) -> list[float]:
        """A slot for one message; set its time (``slot[0]``) when the call to Telegram ends.
        A message sent while handling a crisis (``bot.dialogue.priority.urgent``) does not
        queue behind the ordinary ones waiting: it takes the next slot that frees."""
        if not is_urgent():
            async with self.lock:
                return await self._next_slot(urgent=False)
        self.urgent_waiting += 1
        try:
            return await self._next_slot(urgent=True)
        finally:
            self.urgent_waiting -= 1

    async def _next_slot(self, urgent: bool) -> list[float]:
        while True:
            wait = self.wait_needed(time.monotonic())
            if wait <= 0 and (urgent or not self.urgent_waiting):
                slot = [time.monotonic()]  # checked and taken with no await between: never one too many
                self.slots.append(slot)
                return slot
            await asyncio.sleep(wait if wait > 0 else GIVE_WAY)


class BroadcastLimits(BaseRateLimiter[int]):
    """PTB's rate-limiter hook: the overall and per-group windows for messages, and 429s
    waited out up to ``max_retries`` times."""

    def __init__(self, max_retries: int = 5, per_second: int = MESSAGES_PER_SECOND,
                 group_per_minute: int = GROUP_MESSAGES_PER_MINUTE) -> None:
        self.max_retries = max_retries
        self.overall = Window(per_second, 1.0)
        self.group_per_minute = group_per_minute
        self.groups: dict[str, Window] = {}

    async def initialize(self) -> None:
        """Nothing to set up: the windows start empty."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _windows(self, endpoint: str, data: JSONDict) -> list[Window]:
        if not sends_a_message(endpoint):
            return []
        chat_id = str(data.get("chat_id", ""))
        if not chat_id.startswith(("-", "@")):  # a person's private chat (groups are negative)
            return [self.overall]
        window = self.groups.setdefault(chat_id, Window(self.group_per_minute, 60.0))
        return [window, self.overall]  # the group's slot first: waiting for it must not hold an overall one

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Result]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: Optional[int]) -> Result:
        retries = rate_limit_args if rate_limit_args is not None else self.max_retries
        for attempt in range(retries + 1):
            slots = [await window.take() for window in self._windows(endpoint, data)]
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                wait = retry_after_seconds(exc)
                log.info("Telegram asked to wait %.1f s (%s); waiting", wait, endpoint)
                await asyncio.sleep(wait + 0.1)
            finally:
                ended = time.monotonic()
                for slot in slots:
                    slot[0] = ended
        raise AssertionError("unreachable: the loop returns or raises")
