"""Fail-safe, proved from outside: a real `peerbot run` process against the sandbox,
killed with SIGKILL at random moments while people in crisis write to it, on SQLite
and PostgreSQL, polling and webhook. Afterwards nobody's crisis is lost, every case
is paged (a page is doubled only if a kill lands in the milliseconds between
Telegram accepting it and its record), and everyone in crisis got the crisis
contacts. The same process with its dialogue engine dead, or its database gone for
a while, still pages."""
from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import pytest
from sqlalchemy import select

from bot.deploy.process import BotProcess
from bot.sandbox.harness import seed
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.models import Escalation, Group, Membership, Person, ReminderDelivery
from conftest import BACKENDS, PROJECT_ROOT, free_port, fresh_sandbox, session_soon

CRISES = ["I want to end it all", "I'm going to kill myself tonight", "I've taken all my tablets",
          "I can't go on, I want to die", "this is my last message, goodbye forever"]
DELIVERIES = 13  # per mode and database: 52 crisis deliveries, each followed by a SIGKILL
def bot_process(database_url: str, sandbox, folder: Path, webhook: bool, rasa_url: str) -> BotProcess:
    """`peerbot run` on the remote engine, with short leases so a killed worker's claims
    are taken over within seconds."""
    settings = {"RASA_URL": rasa_url, "PEERBOT_TELEGRAM__HANDLING_LEASE_SECONDS": "2",
                "PEERBOT_ESCALATION__REPAGE_AFTER_MINUTES": "60", "PEERBOT_SCHEDULER__LEASE_SECONDS": "2"}
    if webhook:
        port = free_port()
        settings.update({"PEERBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                         "PEERBOT_TELEGRAM__WEBHOOK_SECRET": "s3cret", "PEERBOT_TELEGRAM__WEBHOOK_PORT": str(port)})
    return BotProcess(database_url, sandbox.token, sandbox.api_base_url, folder, settings, cwd=PROJECT_ROOT)


def a_bot(request, tmp_path, backend: str, webhook: bool, rasa_url: str, people: int):
    url = (f"sqlite:///{tmp_path / 'peerbot.db'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_schema_url"))
    return a_bot_at(url, tmp_path, rasa_url, people, webhook)


@asynccontextmanager
async def a_bot_at(url: str, tmp_path, rasa_url: str, people: int, webhook: bool = False):
    """A migrated database with a PSW on duty and ``people`` participants, the sandbox,
    and `peerbot run` started and ready."""
    migrate.upgrade(url)
    db = Database(url)
    sandbox = fresh_sandbox()
    sandbox.webhook_patience = 120  # Telegram keeps re-sending for a day; a restart takes seconds
    await sandbox.start()
    psw, users = seed(db, sandbox, people)
    bot = bot_process(url, sandbox, tmp_path, webhook, rasa_url)
    try:
        await bot.start()
        for user in [psw, *users]:  # the answers to /help (they list the contacts too) are in
            await sandbox.wait_for_bot_message(user["id"], lambda m: "not an emergency service" in m["text"])
        yield bot, sandbox, db, psw, users
    finally:
        bot.stop()
        await sandbox.stop()
        db.dispose()


def cases_by_person(db: Database) -> Counter:
    with db.session() as session:
        rows = session.execute(select(Person.telegram_user_id).join(Escalation, Escalation.person_id == Person.id)
                               .where(Escalation.priority == "urgent", Escalation.kind == "crisis")).scalars()
        return Counter(rows)


def crisis_contacts(sandbox, user: dict) -> list[dict]:
    """The crisis contacts sent to this person since their /help (which lists them too)."""
    messages = sandbox.bot_messages(user["id"])
    helped = next(m["message_id"] for m in messages if "not an emergency service" in (m.get("text") or ""))
    return [m for m in messages if m["message_id"] > helped and "Samaritans" in (m.get("text") or "")]


def pages_per_case(sandbox, psw: dict) -> Counter:
    pages = [m["text"] for m in sandbox.bot_messages(psw["id"]) if "URGENT" in (m.get("text") or "")]
    return Counter(text.split("(case #")[1].split(")")[0] for text in pages)


async def settled(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.5)


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
@pytest.mark.parametrize("backend", BACKENDS)
async def test_sigkill_at_random_moments_loses_no_crisis_and_pages_every_case(
        request, tmp_path, remote_rasa_url, backend, webhook, capsys):
    rng = random.Random(f"{backend}-{webhook}")
    async with a_bot(request, tmp_path, backend, webhook, remote_rasa_url, DELIVERIES) as (bot, sandbox, db, psw, users):
        for index, user in enumerate(users):
            sandbox.send(user["id"], user["id"], CRISES[index % len(CRISES)])
            await asyncio.sleep(rng.uniform(0.0, 1.5))
            bot.kill()
            await bot.start()
        everyone = {u["id"] for u in users}
        contacted = lambda: {u["id"] for u in users if crisis_contacts(sandbox, u)}
        await settled(lambda: set(cases_by_person(db)) == everyone and contacted() == everyone
                      and len(pages_per_case(sandbox, psw)) == len(users), timeout=90)
        cases, pages = cases_by_person(db), pages_per_case(sandbox, psw)
        contact_messages = Counter({u["id"]: len(crisis_contacts(sandbox, u)) for u in users})
        contact_messages = +contact_messages
        with capsys.disabled():
            print(f"\nfault injection ({backend}, {'webhook' if webhook else 'polling'}): {len(users)} crisis "
                  f"deliveries, {bot.starts - 1} SIGKILLs: {len(cases)} people with a case, "
                  f"{sum(pages.values())} pages for {len(pages)} cases ({sum(pages.values()) - len(pages)} doubled), "
                  f"contacts sent to "
                  f"{len(contact_messages)} people ({sum(contact_messages.values())} messages)")
        assert set(cases) == everyone and set(cases.values()) == {1}, "every crisis has exactly one case"
        assert len(pages) == len(users), "every case paged"
        # A page the process was killed in the middle of sending is sent again: Telegram has no
        # idempotency key, so a kill in the milliseconds between its answer and the record
        # doubles that one page (seen in about 1 delivery in 50). Three or more doubles in
        # 13 kills (under 1 % at that rate) means a real fault, such as the chain moving on.
        assert sum(pages.values()) - len(pages) <= 2, f"pages doubled: {pages}"
        assert set(contact_messages) == everyone, "everyone in crisis got the crisis contacts"


# --- the dialogue engine dead, failing or hanging ------------------------------------------

@asynccontextmanager
async def broken_engine(how: str) -> AsyncIterator[str]:
    """A "Rasa" that is not there, answers 500 to everything, or never answers."""
    from aiohttp import web

    if how == "stopped":
        yield f"http://127.0.0.1:{free_port()}"
        return

    async def answer(request: web.Request) -> web.Response:
        if how == "hanging":
            await asyncio.sleep(120)
        return web.Response(status=500, text="internal error")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def seconds_until(sandbox, chat_id: int, predicate, after: int, timeout: float = 30) -> float:
    started = time.monotonic()
    await sandbox.wait_for_bot_message(chat_id, predicate, timeout=timeout, after_message_id=after)
    return time.monotonic() - started


def last_id(sandbox, chat_id: int) -> int:
    messages = sandbox.bot_messages(chat_id)
    return messages[-1]["message_id"] if messages else 0


@pytest.mark.parametrize("how", ["stopped", "500", "hanging"])
async def test_with_the_dialogue_engine_down_a_crisis_is_paged_within_5_s_and_a_request_reaches_a_psw(
        request, tmp_path, how, capsys):
    async with broken_engine(how) as rasa_url, \
            a_bot(request, tmp_path, "sqlite", False, rasa_url, 3) as (bot, sandbox, db, psw, users):
        crisis, asker, chatter = users
        after = last_id(sandbox, psw["id"])
        sandbox.send(crisis["id"], crisis["id"], "I want to end it all")
        paged = await seconds_until(sandbox, psw["id"], lambda m: "URGENT" in (m.get("text") or ""), after)
        await settled(lambda: crisis_contacts(sandbox, crisis), timeout=10)
        assert crisis_contacts(sandbox, crisis)
        after = last_id(sandbox, psw["id"])
        sandbox.send(asker["id"], asker["id"], "can I talk to a person please")
        asked = await seconds_until(sandbox, psw["id"], lambda m: "would like to talk" in (m.get("text") or ""), after)
        sandbox.send(chatter["id"], chatter["id"], "how are you today?")
        honest = await sandbox.wait_for_bot_message(chatter["id"], lambda m: "trouble understanding" in m["text"])
        with capsys.disabled():
            print(f"\ndialogue engine {how}: crisis paged after {paged:.2f} s, request after {asked:.2f} s")
        assert paged < 5 and "Talk to a person" in str(honest.get("reply_markup"))
        engine_down = [m for m in sandbox.bot_messages(psw["id"]) if "dialogue engine is not answering" in m["text"]]
        assert len(engine_down) == 1, "staff are told once that the engine is down"


# --- an update the library cannot read, and a flood -----------------------------------------

def unreadable_update(sandbox, user: dict) -> None:
    """A message whose date is not a timestamp: python-telegram-bot cannot parse it."""
    sandbox.pending.append({"update_id": sandbox._next("update"), "message": {
        "message_id": 1, "date": "yesterday", "chat": {"id": user["id"], "type": "private"},
        "from": {"id": user["id"], "is_bot": False, "first_name": user["first_name"]}, "text": "hello"}})
    sandbox.changed.fire()


async def test_an_unreadable_update_is_quarantined_and_delays_nobody(request, tmp_path, remote_rasa_url, capsys):
    from bot.storage.models import InboxUpdate

    async with a_bot(request, tmp_path, "sqlite", False, remote_rasa_url, 2) as (bot, sandbox, db, psw, users):
        poisoner, person = users
        unreadable_update(sandbox, poisoner)
        after = last_id(sandbox, psw["id"])
        sandbox.send(person["id"], person["id"], "I want to end it all")
        paged = await seconds_until(sandbox, psw["id"], lambda m: "URGENT" in (m.get("text") or ""), after)

        def poison() -> list:
            with db.session() as session:
                return session.execute(select(InboxUpdate).where(InboxUpdate.status == "poison")).scalars().all()

        await settled(lambda: poison(), timeout=10)
        with capsys.disabled():
            print(f"\npoison update: the next crisis was paged after {paged:.2f} s")
        assert len(poison()) == 1 and paged < 2


async def test_a_crisis_sent_during_a_300_message_flood_is_paged_within_1_s(request, tmp_path, remote_rasa_url,
                                                                           capsys):
    async with a_bot(request, tmp_path, "sqlite", False, remote_rasa_url, 2) as (bot, sandbox, db, psw, users):
        flooder, person = users
        for i in range(300):
            sandbox.send(flooder["id"], flooder["id"], f"message {i} about my day")
        await asyncio.sleep(0.5)  # the flood is arriving
        after = last_id(sandbox, psw["id"])
        sandbox.send(person["id"], person["id"], "I want to end it all")
        paged = await seconds_until(sandbox, psw["id"], lambda m: "URGENT" in (m.get("text") or ""), after)
        told = await sandbox.wait_for_bot_message(flooder["id"], lambda m: "a lot of messages" in m["text"])
        with capsys.disabled():
            print(f"\nflood of 300: the crisis was paged {paged:.2f} s after it was sent")
        assert paged < 1 and told


# --- the database gone for 25 seconds --------------------------------------------------------

class Outage:
    """A TCP proxy in front of PostgreSQL that can drop every connection and refuse new
    ones. It runs its own event loop in a thread, so the test's own (blocking) database
    calls pass through it too."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.AbstractServer | None = None
        self.links: set[asyncio.StreamWriter] = set()

    def _run(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def up(self) -> None:
        self._run(self._up())

    def down(self) -> None:
        self._run(self._down())

    def close(self) -> None:
        self.down()
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _up(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def _down(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.links):
            writer.close()
        self.links.clear()

    async def _link(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.links.update({writer, up_writer})

        async def pipe(source, sink) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.postgres
async def test_a_25_s_database_outage_loses_nothing_and_the_bot_recovers_by_itself(
        request, tmp_path, remote_rasa_url, capsys):
    outage = Outage()
    outage.up()
    request.addfinalizer(outage.close)
    url = request.getfixturevalue("postgres_schema_url")
    proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{outage.port}")
    assert proxied != url
    async with a_bot_at(proxied, tmp_path, remote_rasa_url, 2) as (bot, sandbox, db, psw, users):
        person, later = users
        outage.down()
        started = time.monotonic()
        sandbox.send(person["id"], person["id"], "I want to end it all")
        await settled(lambda: crisis_contacts(sandbox, person), timeout=20)
        assert crisis_contacts(sandbox, person), "the crisis contacts, from memory, during the outage"
        contacts_after = time.monotonic() - started
        await asyncio.sleep(max(0.0, 25 - (time.monotonic() - started)))
        outage.up()
        card = await sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in (m.get("text") or ""), timeout=60)
        paged_after = time.monotonic() - started
        after = last_id(sandbox, later["id"])
        sandbox.send(later["id"], later["id"], "/help")
        answer = await sandbox.wait_for_bot_message(later["id"], lambda m: "not an emergency service" in m["text"],
                                                    timeout=30, after_message_id=after)
        with capsys.disabled():
            print(f"\ndatabase outage of 25 s: crisis contacts after {contacts_after:.1f} s (from memory), "
                  f"case paged {paged_after:.1f} s after the crisis (once the database was back)")
        assert card and answer and cases_by_person(db) == Counter({person["id"]: 1})


async def test_a_normal_stop_finishes_the_reminder_being_sent_and_leaves_the_rest_queued(tmp_path, remote_rasa_url):
    """SIGTERM cancelled the send in flight, and its reminder stayed "sending" for good."""
    url = f"sqlite:///{tmp_path / 'peerbot.db'}"
    migrate.upgrade(url)
    db = Database(url)
    sandbox = fresh_sandbox()
    await sandbox.start()
    _, users = seed(db, sandbox, 4)
    with db.session() as session, session.begin():
        group = Group(title="Walkers", invite_code="walk")
        session.add(group)
        session.flush()
        for person in session.execute(select(Person).where(Person.display_name.like("Person%"))).scalars():
            session.add(Membership(person_id=person.id, group_id=group.id))
    bot = bot_process(url, sandbox, tmp_path, webhook=False, rasa_url=remote_rasa_url)
    bot.env["PEERBOT_SESSIONS__REMINDER_CHECK_SECONDS"] = "0.5"

    def statuses() -> list[str]:
        with db.session() as session:
            return list(session.execute(select(ReminderDelivery.status).order_by(ReminderDelivery.id)).scalars())

    try:
        await bot.start()
        for user in users:  # the answers to /help are out: the delays below are for the reminders
            await sandbox.wait_for_bot_message(user["id"], lambda m: "not an emergency service" in m["text"])
        sandbox.add_fault("sendMessage", 0, "", delay=2, count=4)  # each reminder takes 2 s to go out
        session_soon(db, "walk", "walk", 55, reminder_offsets_minutes=[60])  # every reminder is due at once
        deadline = time.monotonic() + 30
        while "sending" not in statuses():
            assert time.monotonic() < deadline, f"no reminder went out: {statuses()}"
            await asyncio.sleep(0.05)
        bot.process.terminate()  # SIGTERM, as systemd or Ctrl-C would
        await asyncio.to_thread(bot.process.wait, 30)  # the sandbox (this loop) must go on answering
        assert statuses().count("sent") >= 1, statuses()
        assert "sending" not in statuses(), "the reminder in hand was finished, not abandoned"
        assert len(statuses()) == len(users) and set(statuses()) <= {"sent", "pending"}, statuses()
    finally:
        bot.stop()
        await sandbox.stop()
        db.dispose()
