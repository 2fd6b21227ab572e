"""The bot's connection to the sandbox's world: the calls it makes and the updates it gets.

Every Bot API call is counted and may meet a fault a test injected (an error or
a delay); updates wait in a queue for getUpdates (long polling, with Telegram's
conflicts) or for the webhook pusher (webhook_delivery.py). ``open`` and
``close`` let the server release waiting long polls when it stops.
"""
from __future__ import annotations

import asyncio
import copy
from dataclasses import asdict

from bot.sandbox.errors import BotApiError, SandboxError
from bot.sandbox.records import Fault, Webhook
from bot.sandbox.world_store import WorldStore


class Connection(WorldStore):
    """Call counts, injected faults, the update queue, long polling and the webhook."""

    # --- calls and faults -----------------------------------------------------------------

    def count_call(self, method: str) -> None:
        calls = self._stats["calls"]
        calls[method] = calls.get(method, 0) + 1

    def add_fault(self, method: str, error_code: int, description: str, *, retry_after: int | None = None,
                  count: int = 1, delay: float = 0.0, chat_id: int | None = None) -> dict:
        """The next ``count`` calls of ``method`` (for ``chat_id`` only, if given) fail, or are delayed.

        ``error_code`` 0 with a ``delay`` only slows the call down (the bot's
        request may time out); otherwise the call waits ``delay`` seconds and
        then fails with that code, description and ``retry_after``.
        """
        if count < 1 or delay < 0:
            raise SandboxError("count must be at least 1 and delay not negative")
        if error_code == 0 and delay <= 0:
            raise SandboxError("error_code 0 means 'only delay': give a delay > 0")
        if error_code != 0 and not (400 <= error_code <= 599 and description):
            raise SandboxError("error_code must be 400-599 (or 0 with a delay) and needs a description")
        fault = Fault(method, error_code, description, retry_after, count, delay, chat_id)
        self.faults.append(fault)
        return asdict(fault)

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.method.lower() == method.lower() and fault.chat_id in (None, chat_id):
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                self._stats["injected_faults"] += 1
                return fault
        return None

    # --- updates, polling and the webhook ---------------------------------------------

    async def poll_updates(self, offset: int, limit: int, timeout: float) -> list[dict]:
        """getUpdates: confirm what is below ``offset``, then wait up to ``timeout`` for something new."""
        self._check_no_webhook()
        if offset > 0:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]
        self._polls += 1
        poll = self._polls
        self.changed.fire()  # a poll already waiting must learn that this one superseded it
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.pending and not self._closed and loop.time() < deadline:
            await self.changed.wait(deadline - loop.time())
            if poll != self._polls:
                raise BotApiError(409, "Conflict: terminated by other getUpdates request; "
                                       "make sure that only one bot instance is running")
            self._check_no_webhook()
        return copy.deepcopy(self.pending[:limit])

    def set_webhook(self, url: str, secret_token: str | None, max_connections: int, drop_pending: bool) -> None:
        """An empty ``url`` removes the webhook, as in Telegram."""
        if drop_pending:
            self.pending.clear()
        self.webhook = Webhook(url, secret_token, max_connections) if url else None
        self.changed.fire()

    def webhook_info(self) -> dict:
        info: dict = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.pending)}
        if self.webhook is not None:
            hook = self.webhook
            info.update({"url": hook.url, "max_connections": hook.max_connections})
            info.update({key: value for key, value in (("last_error_date", hook.last_error_date),
                                                        ("last_error_message", hook.last_error_message)) if value})
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        return info

    def drop_update(self, update_id: int) -> None:
        self.pending = [update for update in self.pending if update["update_id"] != update_id]

    def open(self) -> None:
        self._closed = False

    def close(self) -> None:
        """Release every waiting long poll, so the server can stop at once."""
        self._closed = True
        self.changed.fire()

    def _check_no_webhook(self) -> None:
        if self.webhook is not None:
            raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                   "use deleteWebhook to delete the webhook first")
