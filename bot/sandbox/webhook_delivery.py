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


class WebhookPusher:
    """Delivers queued updates to the webhook one at a time and in order, as Telegram does.

    A failed delivery is retried with growing pauses for ``world.webhook_patience``
    seconds (by default a few tries, so a broken bot never stalls the sandbox; tests
    of a bot that restarts set it longer, as Telegram keeps trying for a day) and then
    dropped (recorded in getWebhookInfo). If the webhook is removed meanwhile, the
    update stays queued for getUpdates.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)) as session:
            while True:
                hook, pending = self.world.webhook, self.world.pending
                if hook is None or not pending:
                    await self.world.changed.wait(None)
                    continue
                await self._deliver(session, hook, pending[0])

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
