"""Delivering the bot's updates to its webhook, in order and with retries, as Telegram does."""
from __future__ import annotations

import asyncio
import itertools
import logging

import aiohttp

from bot.sandbox.records import Webhook, now
from bot.sandbox.state import World

log = logging.getLogger(__name__)

# Seconds before each retry of a failed webhook delivery; then the update is dropped.
WEBHOOK_RETRY_DELAYS = (0.2, 0.5, 1.0)  # then every WEBHOOK_RETRY_CAP seconds, within the world's patience
WEBHOOK_RETRY_CAP = 2.0
WEBHOOK_TIMEOUT = 10.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def chat_key(update: dict) -> str:
    """The chat an update belongs to (its sender's, or its own id when it has neither)."""
    for part in update.values():
        if isinstance(part, dict):
            chat = part.get("chat") or (part.get("message") or {}).get("chat") or part.get("from") or part.get("user")
            if isinstance(chat, dict) and "id" in chat:
                return str(chat["id"])
    return f"update {update.get('update_id')}"


class WebhookPusher:
    """Delivers queued updates to the webhook as Telegram does: up to the webhook's
    ``max_connections`` (40 unless set) at once, each chat's one at a time and in order.

    A failed delivery is retried with growing pauses for ``world.webhook_patience``
    seconds (by default a few tries, so a broken bot never stalls the sandbox; tests
    of a bot that restarts set it longer, as Telegram keeps trying for a day) and then
    dropped (recorded in getWebhookInfo); the chat's next update waits meanwhile. If the
    webhook is removed, the updates not yet delivered stay queued for getUpdates.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self._task: asyncio.Task | None = None
        self._sending: dict[str, asyncio.Task] = {}  # chat -> its delivery in flight

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        tasks = [task for task in [self._task, *self._sending.values()] if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._sending = {}

    def _next_per_chat(self) -> list[dict]:
        """The first waiting update of each chat with no delivery in flight, in queue order."""
        seen, ready = set(self._sending), []
        for update in self.world.pending:
            key = chat_key(update)
            if key not in seen:
                seen.add(key)
                ready.append(update)
        return ready

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)) as session:
            while True:
                change = self.world.changed.next()
                self._sending = {key: task for key, task in self._sending.items() if not task.done()}
                hook = self.world.webhook
                if hook is not None:
                    for update in self._next_per_chat()[:max(0, hook.max_connections - len(self._sending))]:
                        self._sending[chat_key(update)] = asyncio.create_task(self._deliver(session, hook, update))
                changed = asyncio.create_task(change.wait())
                await asyncio.wait([changed, *self._sending.values()], return_when=asyncio.FIRST_COMPLETED)
                changed.cancel()

    def _delays(self):
        waited = 0.0
        yield 0.0
        for delay in itertools.chain(WEBHOOK_RETRY_DELAYS, itertools.repeat(WEBHOOK_RETRY_CAP)):
            waited += delay
            if waited > self.world.webhook_patience + 1e-9:
                return
            yield delay

    async def _deliver(self, session: aiohttp.ClientSession, hook: Webhook, update: dict) -> None:
        for delay in self._delays():
            await asyncio.sleep(delay)
            if self.world.webhook is not hook:
                return
            error = await self._post(session, hook, update)
            if error is None:
                break
            hook.last_error_date, hook.last_error_message = now(), error
            log.warning("webhook delivery of update %s failed: %s", update["update_id"], error)
        self.world.drop_update(update["update_id"])

    @staticmethod
    async def _post(session: aiohttp.ClientSession, hook: Webhook, update: dict) -> str | None:
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        try:
            async with session.post(hook.url, json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return f"Connection failed: {exc or type(exc).__name__}"
