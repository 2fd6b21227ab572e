"""Getting updates from Telegram without ever losing one: poll or webhook → inbox → worker.

python-telegram-bot's own updater confirms a polled batch with the next request
and its webhook answers 200 before handling, so a crash in between loses the
update, and an update it cannot parse is fetched again and again. Here the raw
JSON is written to the inbox (``bot.services.inbox``) first and confirmed only
then; if the database is down nothing is confirmed, so Telegram keeps the update,
while a crisis the lexicon sees in it still gets the crisis contacts from memory.
A worker handles the inbox highest priority first, and a second one handles only
crises, beside it; both resume whatever a crash left behind and quarantine what
they cannot handle.
"""
from __future__ import annotations

import asyncio
import json
import logging
import warnings
from typing import Any, Optional

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.app.conversation import OWN_CRISIS_WORDS
from bot.app.replies import Reply
from bot.dialogue.priority import urgent
from bot.services.inbox import Arrival, Delivery, Inbox
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import try_send
from bot.telegram.words import words_of

log = logging.getLogger(__name__)
# What one update is for: its first key besides the id ("message", "callback_query", ...).
SENDER_PATHS = ("message", "edited_message", "callback_query", "channel_post", "my_chat_member", "chat_member",
                "poll_answer", "message_reaction")
WORKER_IDLE_SECONDS = 1.0  # how often an idle worker looks again (claims whose lease ran out)
RETRY_SECONDS = 2.0  # pause after a failed poll or database call
# Workers for crises alone, beside the ordinary ones: several people in crisis at once
# (a group in shock) are each handled at once, not one after another.
CRISIS_LANES = 3
FAILURE_KEY = "peerbot.failures"  # bot_data: update id -> the error its handling raised
INTAKE_KEY = "peerbot.intake"  # bot_data: the running Intake
FLOODING = ("You're sending a lot of messages quickly, so I'll read the rest a little later, in order. "
            "If you need someone now, ask for a person or use the contacts in /help.")
SORRY = ("Sorry, something went wrong on my side and I couldn't deal with your last message. "
         "Please try again in a minute. If you need someone now, ask for a person or use the contacts in /help.")


def sender_of(raw: dict[str, Any]) -> Optional[int]:
    for key in SENDER_PATHS:
        part = raw.get(key)
        if isinstance(part, dict):
            person = part.get("from") or part.get("user") or part.get("from_user")
            if isinstance(person, dict) and isinstance(person.get("id"), int):
                return person["id"]
    return None


def chat_of(raw: dict[str, Any]) -> Optional[int]:
    """The chat an update happened in (a button's chat is that of its message)."""
    for key in SENDER_PATHS:
        part = raw.get(key)
        if isinstance(part, dict):
            chat = part.get("chat") or (part.get("message") or {}).get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return chat["id"]
    return None


def order_key_of(raw: dict[str, Any]) -> Optional[str]:
    """The conversation whose order an update keeps: one person in one chat, so a private
    chat is handled in order, and in a group each member's messages are (members overlap)."""
    chat, sender = chat_of(raw), sender_of(raw)
    if chat is None and sender is None:
        return None
    return f"{chat if chat is not None else ''}:{sender if sender is not None else ''}"


class Intake:
    """Owns the poll loop (or the webhook route) and the inbox workers of one bot process."""

    def __init__(self, application: Application, poll_timeout: float = 10, workers: int = 1) -> None:
        self.application = application
        self.workers = workers  # updates handled at once (each conversation's still in order)
        self.app: AppContext = application.bot_data[APP_KEY]
        self.inbox: Inbox = self.app.inbox
        self.poll_timeout = poll_timeout
        # Workers not handling an update: one is woken per update stored (waking them all
        # had every worker query the inbox at once for the one update there was).
        self.looking: list[asyncio.Event] = []
        self.lanes_looking: list[asyncio.Event] = []  # the same for the crisis lanes, woken by urgent updates
        self.tasks: list[asyncio.Task] = []
        self.stopping = False
        self.telegram_ok = False  # Telegram answered the last poll (or accepted the webhook)
        self.contacted_without_database: set[int] = set()
        application.bot_data[FAILURE_KEY] = {}

    # --- arrival -----------------------------------------------------------------------
    async def take_in(self, raw_updates: list[dict[str, Any]]) -> bool:
        """Store a batch; True if it is safe to confirm it to Telegram."""
        arrivals = [self._arrival(raw) for raw in raw_updates if isinstance(raw.get("update_id"), int)]
        try:
            flooding = await asyncio.to_thread(self.inbox.store, arrivals)
        except Exception as exc:  # the database is down: do not confirm, help anyone in crisis from memory
            log.error("could not store %d update(s) (%s); not confirming them to Telegram",
                      len(arrivals), type(exc).__name__)
            await self._contacts_without_database(arrivals)
            return False
        self._wake_workers(len(arrivals), urgent=any(a.urgent for a in arrivals))
        for sender in flooding:
            await try_send(self.application.bot, sender, Reply(FLOODING))
        return True

    def _arrival(self, raw: dict[str, Any]) -> Arrival:
        """The update with its sender, marked urgent when the lexicon already sees a crisis in
        its words: it then goes to the crisis lane, ahead of everything waiting. (The full
        screen, classifier included, runs when the update is handled: at intake it would
        cost a flood of messages a second per hundred.)"""
        update = self._parse(raw)
        message = update.effective_message if update is not None else None
        text = words_of(message).text if message is not None else ""
        flagged = bool(text.strip()) and self.app.conversation.safety.lexicon_sees_crisis(text)
        return Arrival(raw["update_id"], raw, sender_of(raw), flagged, order_key_of(raw))

    def _parse(self, raw: dict[str, Any]) -> Optional[Update]:
        try:
            return Update.de_json(raw, self.application.bot)
        except Exception:  # an update the library cannot read: the worker quarantines it
            return None

    async def _contacts_without_database(self, arrivals: list[Arrival]) -> None:
        """With the database down, a person in crisis still gets the crisis words and their
        region's contacts (the default region: their own is in the database). The case is
        written, and paged, when the database is back and the update is handled."""
        crisis = self.app.conversation.crisis
        region = self.app.settings.service.default_region
        for arrival in arrivals:
            if arrival.urgent and arrival.sender_id is not None \
                    and arrival.update_id not in self.contacted_without_database:
                self.contacted_without_database.add(arrival.update_id)
                for reply in (Reply(OWN_CRISIS_WORDS), Reply(crisis.message_for(region))):
                    await try_send(self.application.bot, arrival.sender_id, reply)

    # --- polling -------------------------------------------------------------------------
    async def poll_forever(self) -> None:
        """Long-poll getUpdates as raw JSON; the offset moves past a batch only once it is stored."""
        offset: Optional[int] = None
        while not self.stopping:
            try:
                raw = await self._get_updates(offset)
            except Exception as exc:  # Telegram unreachable, or anything else: the loop must go on
                self.telegram_ok = False
                log.warning("getUpdates failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            self.telegram_ok = True
            if not raw:
                continue
            if await self.take_in(raw):
                offset = max(u["update_id"] for u in raw if isinstance(u.get("update_id"), int)) + 1
            else:
                await asyncio.sleep(RETRY_SECONDS)

    async def _get_updates(self, offset: Optional[int]) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"timeout": self.poll_timeout, "allowed_updates": json.dumps(Update.ALL_TYPES)}
        if offset is not None:
            kwargs["offset"] = offset
        with warnings.catch_warnings():  # PTB prefers get_updates, which parses (and dies on) bad updates
            warnings.simplefilter("ignore")
            result = await self.application.bot.do_api_request(
                "getUpdates", api_kwargs=kwargs, read_timeout=self.poll_timeout + 10)
        return [u for u in result or () if isinstance(u, dict)]

    # --- webhook -------------------------------------------------------------------------
    async def receive(self, request: web.Request) -> web.Response:
        """A webhook call: 200 only once the update is stored; 503 (Telegram retries) if not."""
        try:
            raw = json.loads(await request.text())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            return web.Response(status=200)  # nothing we could ever handle: don't make Telegram retry it
        return web.Response(status=200 if await self.take_in([raw]) else 503)

    # --- handling ------------------------------------------------------------------------
    async def work_forever(self, urgent_only: bool = False) -> None:
        """Handle the inbox, highest priority first; resumes what a crash left behind. The
        crisis lanes (``urgent_only``) run beside the ordinary workers, so a crisis never waits
        behind someone else's turn, however slow or however many."""
        wake = asyncio.Event()
        looking = self.lanes_looking if urgent_only else self.looking
        while not self.stopping:
            wake.clear()  # before looking, so an update stored meanwhile still wakes us
            if wake not in looking:
                looking.append(wake)
            try:
                delivery = await asyncio.to_thread(self.inbox.claim_next, urgent_only)
            except Exception as exc:
                log.error("could not read the inbox (%s); retrying", type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if delivery is None:
                try:
                    await asyncio.wait_for(wake.wait(), WORKER_IDLE_SECONDS)
                except asyncio.TimeoutError:
                    pass
                continue
            if wake in looking:
                looking.remove(wake)
            try:
                await self.handle(delivery)
            except Exception as exc:  # whatever happens to one update, the worker goes on
                log.exception("update %s: handling raised %s", delivery.update_id, type(exc).__name__)
                await self._settle(self.inbox.failed, delivery, repr(exc))

    async def handle(self, delivery: Delivery) -> None:
        update = self._parse(delivery.payload)
        if update is None:
            await self._settle(self.inbox.quarantine, delivery, "the update could not be read")
            return
        failures: dict[int, str] = self.application.bot_data[FAILURE_KEY]
        keeping = asyncio.create_task(self._keep_lease(delivery))
        try:
            with urgent(delivery.urgent):  # its dialogue-engine calls go ahead of ordinary turns
                await self.application.process_update(update)
        finally:
            keeping.cancel()
        error = failures.pop(update.update_id, None)
        if error is None:
            await self._settle(self.inbox.finish, delivery)
            return
        quarantined = await self._settle(self.inbox.failed, delivery, error)
        chat = update.effective_chat
        if quarantined and chat is not None and chat.type == "private":
            await try_send(self.application.bot, chat.id, Reply(SORRY))

    async def _keep_lease(self, delivery: Delivery) -> None:
        """Renew the update's lease while it is handled (a third of the lease at a time); a
        crashed process renews nothing, so its updates are still taken over."""
        while True:
            await asyncio.sleep(self.inbox.lease.total_seconds() / 3)
            try:
                await asyncio.to_thread(self.inbox.extend, delivery)
            except Exception as exc:  # the database is down: the handling goes on regardless
                log.warning("could not renew update %s's lease (%s)", delivery.update_id, type(exc).__name__)

    async def _settle(self, how, delivery: Delivery, *args) -> Any:
        """Record the outcome; if the database is down, the lease runs out and it is handled again."""
        try:
            return await asyncio.to_thread(how, delivery, *args)
        except Exception as exc:
            log.error("could not record update %s's outcome (%s); it will be handled again",
                      delivery.update_id, type(exc).__name__)
            return False

    def _wake_workers(self, count: Optional[int] = None, urgent: bool = True) -> None:
        """Wake ``count`` idle workers (all when None), and as many crisis lanes if ``urgent``."""
        for looking in [self.looking, self.lanes_looking] if urgent else [self.looking]:
            idle = [wake for wake in looking if not wake.is_set()]
            for wake in idle if count is None else idle[:count]:
                wake.set()

    # --- life cycle ----------------------------------------------------------------------
    def start(self, polling: bool) -> None:
        """``workers`` inbox workers, so one person's slow turn (the model, a paced send) never
        holds up anyone else's, and the crisis lanes beside them."""
        self.tasks = [asyncio.create_task(self.work_forever(), name=f"inbox worker {n}") for n in range(self.workers)]
        self.tasks += [asyncio.create_task(self.work_forever(urgent_only=True), name=f"crisis lane {n}")
                       for n in range(CRISIS_LANES)]
        if polling:
            self.tasks.append(asyncio.create_task(self.poll_forever(), name="poller"))

    async def stop(self, grace: float = 10) -> None:
        """Stop taking updates at once (whatever was not stored stays with Telegram); let the
        updates being handled finish, within ``grace`` seconds, then cancel."""
        self.stopping = True
        self._wake_workers()
        handlers = self.workers + CRISIS_LANES
        workers, pollers = self.tasks[:handlers], self.tasks[handlers:]
        for task in pollers:
            task.cancel()
        await asyncio.wait(workers, timeout=grace)
        for task in workers:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
