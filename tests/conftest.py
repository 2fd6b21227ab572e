"""Shared fixtures: databases on SQLite and on PostgreSQL, and the dialogue engines.

Storage tests run on both backends. Each PostgreSQL test gets a schema of its
own (via ``search_path``), so tests never see each other's rows and the
shared ``test`` database is left clean. Outside CI an unreachable server skips
those tests with the reason; in CI (``CI=true``) it fails them loudly.
"""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
import uuid
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import AsyncIterator, Iterator
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from bot.deploy.process import free_port
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.inprocess import InProcessEngine
from bot.dialogue.model import train_if_changed
from bot.dialogue.remote import RemoteEngine
from bot.storage import migrate
from bot.storage.db import Database

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server for tests, checked once per session."""
    url = os.environ.get("PEERBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    engine = create_engine(url, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = f"PostgreSQL not reachable at {url}: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)", pytrace=False)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server several bot processes share their conversation locks through."""
    import redis

    url = os.environ.get("PEERBOT_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {url}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must run the multi-process tests)", pytrace=False)
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_schema_url(postgres_server_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh, private schema; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in postgres_server_url else "?"
    yield f"{postgres_server_url}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database on each backend, as a URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'peerbot.db'}"
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def db(empty_database_url: str) -> Iterator[Database]:
    """A database migrated to the newest schema, on each backend."""
    migrate.upgrade(empty_database_url)
    database = Database(empty_database_url)
    yield database
    database.dispose()


# --- The dialogue model -------------------------------------------------------
# Trained once by `make setup` (reused here), loaded once per test session.

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RASA_PROJECT = PROJECT_ROOT / "rasa_project"
NLU_DIR = RASA_PROJECT / "data" / "nlu"  # the NLU training data, one file per topic
RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
SERVER_START_TIMEOUT = 240


@pytest.fixture(scope="session")
def dialogue_model() -> Path:
    """The Rasa model, and the safety classifier every running bot loads beside it."""
    from bot.safety import classifier

    path, _ = train_if_changed(RASA_PROJECT, RASA_PROJECT / "models")
    classifier.train_if_changed(RASA_PROJECT / "models", NLU_DIR, PROJECT_ROOT / "safety_data")
    return path


@pytest.fixture(scope="session")
def safety_screen(dialogue_model: Path):
    """The screen as the bot loads it: lexicon, sentence encoder and trained classifier."""
    from bot.config import load_settings
    from bot.safety.screen import SafetyScreen

    return SafetyScreen.load(load_settings(environ={}))


@pytest.fixture(scope="session")
def inprocess_engine(dialogue_model: Path, tmp_path_factory: pytest.TempPathFactory) -> InProcessEngine:
    """The Rasa agent in this process, strict about the contract, trackers in SQLite."""
    tracker_db = tmp_path_factory.mktemp("tracker") / "peerbot.db"
    return InProcessEngine.load(dialogue_model, RASA_PROJECT, f"sqlite:///{tracker_db}", strict=True)


def wait_for_http(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {SERVER_START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


@contextmanager
def background(command: list[str], log: Path, ready_url: str) -> Iterator[None]:
    """A server process for the duration of the block, its output in ``log``."""
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=RASA_PROJECT, env=RASA_ENV, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_http(ready_url, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def remote_rasa_url(dialogue_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `rasa run --enable-api` server with its `rasa run actions` server."""
    folder = tmp_path_factory.mktemp("rasa-server")
    action_port, rasa_port = free_port(), free_port()
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n")
    actions = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)]
    server = [
        sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(dialogue_model),
        "--endpoints", str(endpoints), "--credentials", str(RASA_PROJECT / "credentials.yml"),
        "--port", str(rasa_port), "--interface", "127.0.0.1",
    ]
    base = f"http://127.0.0.1:{rasa_port}"
    with background(actions, folder / "actions.log", f"http://127.0.0.1:{action_port}/health"), \
            background(server, folder / "rasa.log", f"{base}/status"):
        yield base


@pytest_asyncio.fixture(params=["inprocess", "remote"])
async def engine(request: pytest.FixtureRequest) -> AsyncIterator[DialogueEngine]:
    """Each DialogueEngine implementation in turn: they must behave identically."""
    if request.param == "inprocess":
        yield request.getfixturevalue("inprocess_engine")
        return
    remote = RemoteEngine(request.getfixturevalue("remote_rasa_url"), strict=True)
    yield remote
    await remote.close()


@pytest.fixture
def conversation() -> str:
    """A fresh conversation id, so tests never share dialogue state."""
    return str(uuid.uuid4().int % 10**12)


# --- Use cases without Telegram -------------------------------------------------------

class RecordingOutbox:
    """The use cases' outbound port (``bot.app.outbox.Outbox``) in memory: it records what
    would have been sent, and refuses ``closed`` chats the way Telegram refuses a bot that
    was blocked or never started. The one fake here: it stands in for Telegram."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, object]] = []  # (chat id, Reply)
        self.closed: set[int] = set()

    async def send(self, chat_id: int, replies) -> bool:
        if chat_id in self.closed:
            return False
        self.sent.extend((chat_id, reply) for reply in replies)
        return True

    async def try_send(self, chat_id: int, reply) -> tuple[bool, str | None]:
        sent = await self.send(chat_id, [reply])
        return sent, None if sent else "Forbidden: bot was blocked by the user"

    def texts(self, chat_id: int) -> list[str]:
        return [reply.text for chat, reply in self.sent if chat == chat_id]


def use_case_services(db: Database, engine: DialogueEngine):
    """Every service on ``db``, with the test settings: the use cases' world without Telegram."""
    from bot.config import load_settings
    from bot.runtime import build_context

    return build_context(load_settings(environ={"DATABASE_URL": "sqlite://", **TEST_ENVIRONMENT}), db, engine)


@pytest.fixture
def services(db, inprocess_engine):
    """The use cases' world with the real dialogue engine."""
    return use_case_services(db, inprocess_engine)


@pytest.fixture
def services_without_rasa(db, dialogue_model):
    """The same, with the dialogue engine stopped (nothing listens at its address): for
    use cases that must not need it, such as paging and onboarding."""
    return use_case_services(db, RemoteEngine(f"http://127.0.0.1:{free_port()}", timeout=2))


@pytest.fixture
def outbox() -> RecordingOutbox:
    return RecordingOutbox()


# Telegram ids no other test uses: the dialogue engine (and its paused
# conversations) is shared by the whole test session.
USE_CASE_TELEGRAM_IDS = itertools.count(9_100_000_000)


def someone(services, name: str, role: str | None = None, on_duty: bool = False):
    """A person who has joined; staff get their role the way real staff do, by invite."""
    person = services.people.consent(next(USE_CASE_TELEGRAM_IDS), "uk", "Europe/London")
    services.people.set_display_name(person.id, name)
    if role is not None:
        services.people.redeem_role_invite(person.id, services.people.create_role_invite(role, None).code)
    if on_duty:
        services.escalations.set_duty(person.id, True)
    return services.people.get(person.id)


def crisis_for(services, person) -> int:
    return services.escalations.create(person.id, "urgent", "crisis", trigger_text="I can't go on").id


def trail(services, escalation_id: int) -> list[str]:
    """The case's audit trail, in order."""
    from bot.storage.models import EscalationEvent

    with services.people.db.session() as session:
        return list(session.execute(select(EscalationEvent.event).where(
            EscalationEvent.escalation_id == escalation_id).order_by(EscalationEvent.id)).scalars())


# --- The bot end to end: real PTB over HTTP against the sandbox -----------------------

BOT_WAIT = 20.0


class World:
    """The sandbox, the running bot and its database, with helpers to act as people."""

    def __init__(self, sandbox, application, context, db) -> None:
        self.sandbox = sandbox
        self.application = application
        self.context = context
        self.db = db

    def person(self, first_name: str, roles: tuple[str, ...] = (), consented: bool = True) -> dict:
        """A sandbox user who has (or has not) joined, with staff roles set directly."""
        from bot.storage.models import Person, PersonRole
        from bot.storage.types import utcnow

        user = self.sandbox.add_user(first_name)
        if consented:
            with self.db.session() as session, session.begin():
                person = Person(telegram_user_id=user["id"], display_name=first_name, consented_at=utcnow(),
                                region="uk", timezone="Europe/London")
                session.add(person)
                session.flush()
                session.add_all(PersonRole(person_id=person.id, role=role, source="invite") for role in roles)
        return user

    def last_id(self, chat_id: int) -> int:
        messages = self.sandbox.messages(chat_id)
        return messages[-1]["message_id"] if messages else 0

    async def say(self, user: dict, text: str, chat_id: int | None = None, **options) -> dict:
        """Send as ``user`` and wait for the bot's next message in that chat."""
        chat_id = user["id"] if chat_id is None else chat_id
        after = self.last_id(chat_id)
        self.sandbox.send(chat_id, user["id"], text, **options)
        return await self.sandbox.wait_for_bot_message(chat_id, timeout=BOT_WAIT, after_message_id=after)

    async def press(self, user: dict, message: dict, title: str, chat_id: int | None = None) -> dict:
        """Press the inline button titled ``title`` and wait for the bot's next message."""
        chat_id = user["id"] if chat_id is None else chat_id
        data = button_data(message, title)
        after = self.last_id(chat_id)
        self.sandbox.press(chat_id, message["message_id"], user["id"], data)
        return await self.sandbox.wait_for_bot_message(chat_id, timeout=BOT_WAIT, after_message_id=after)

    async def tap(self, user: dict, message: dict, title: str, chat_id: int | None = None) -> str:
        """Press a button answered only with a pop-up (no new message); returns the pop-up's text."""
        chat_id = user["id"] if chat_id is None else chat_id
        query = self.sandbox.press(chat_id, message["message_id"], user["id"], button_data(message, title))
        await self.eventually(lambda: query in self.sandbox.callback_answers)
        return self.sandbox.callback_answers[query]["text"] or ""

    async def group(self, title: str, invite: str, users: list[dict]) -> dict:
        """A sandbox group the bot administers, known to the bot (invite code ``invite``),
        with these people as members (those who joined the service are members for the bot too)."""
        from bot.storage.models import Group

        chat = self.sandbox.add_group(title)
        with self.db.session() as session, session.begin():
            session.add(Group(title=title, invite_code=invite, telegram_chat_id=chat["id"], bot_status="administrator"))
        for user in users:
            self.sandbox.add_member(chat["id"], user["id"])
            person = self.context.people.find(user["id"])
            if person is not None:
                self.context.people.join_group(person.id, invite)
        welcomed = lambda: sum("Welcome," in m["text"] for m in self.sandbox.bot_messages(chat["id"])) == len(users)
        await self.eventually(welcomed)
        return chat

    async def eventually(self, condition, timeout: float = BOT_WAIT) -> None:
        """Wait until ``condition()`` holds (for effects that send no message)."""
        import asyncio

        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.05)

    async def bot_says_nothing(self, chat_id: int, after: int, seconds: float = 2.0) -> bool:
        try:
            await self.sandbox.wait_for_bot_message(chat_id, timeout=seconds, after_message_id=after)
        except TimeoutError:
            return True
        return False


def escalations(world) -> list:
    """Every case in the world's database, oldest first."""
    from bot.storage.models import Escalation

    with world.db.session() as session:
        return list(session.execute(select(Escalation).order_by(Escalation.id)).scalars())


def events(world, escalation_id: int) -> list[str]:
    """The audit trail of one case, in order."""
    from bot.storage.models import EscalationEvent

    with world.db.session() as session:
        return list(session.execute(select(EscalationEvent.event).where(
            EscalationEvent.escalation_id == escalation_id).order_by(EscalationEvent.id)).scalars())


def button_data(message: dict, title: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    for row in rows:
        for button in row:
            if button["text"] == title:
                return button["callback_data"]
    raise AssertionError(f"no button {title!r} in {rows}")


def titles(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button["text"] for row in rows for button in row]


# Escalation timers short enough for tests to watch the chain move.
TEST_ENVIRONMENT = {"PEERBOT_ESCALATION__REPAGE_AFTER_MINUTES": "0.05",
                    "PEERBOT_ESCALATION__UNANSWERED_OFFER_MINUTES": "0.05",
                    "PEERBOT_ESCALATION__CHECK_INTERVAL_SECONDS": "0.5",
                    "PEERBOT_SESSIONS__REMINDER_CHECK_SECONDS": "0.5",
                    "PEERBOT_MONITORING__PORT": "0",
                    # Tests type faster than people: only the flood test itself floods.
                    "PEERBOT_TELEGRAM__FLOOD_PER_MINUTE": "1000"}


@asynccontextmanager
async def running_bot(engine, database_url: str, sandbox) -> AsyncIterator[World]:
    """The bot as `peerbot run` starts it (checks, menus, scheduler, polling), against ``sandbox``."""
    from bot.config import load_settings
    from bot.runtime import build_context, running
    from bot.telegram.application import build_application

    settings = load_settings(environ={"DATABASE_URL": database_url, **TEST_ENVIRONMENT})
    migrate.upgrade(database_url)
    database = Database(database_url)
    context = build_context(settings, database, engine)
    application = build_application(context, sandbox.token, sandbox.api_base_url, sandbox.file_base_url)
    try:
        async with running(application, settings, poll_timeout=1):
            yield World(sandbox, application, context, database)
    finally:
        database.dispose()


USER_ID_BLOCKS = itertools.count(2_000_000, 1_000)


def fresh_sandbox():
    """A sandbox whose people have ids no earlier test used: the dialogue engine is
    shared by the whole session, and its conversations are keyed by user id."""
    from bot.sandbox.server import Sandbox

    return Sandbox(first_user_id=next(USER_ID_BLOCKS))


@pytest_asyncio.fixture
async def world(inprocess_engine, tmp_path) -> AsyncIterator[World]:
    """A running bot (polling the sandbox) on a fresh SQLite database."""
    sandbox = fresh_sandbox()
    await sandbox.start()
    async with running_bot(inprocess_engine, f"sqlite:///{tmp_path / 'peerbot.db'}", sandbox) as running:
        yield running
    await sandbox.stop()


# --- Sessions ---------------------------------------------------------------------------

def session_soon(db, key: str, group: str, minutes_from_now: float, **options):
    """A one-off session of the group with invite code ``group`` starting about
    ``minutes_from_now`` from now (to the minute, Europe/London); returns its occurrence."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from bot.services.series import SeriesService, SeriesSpec
    from bot.storage.types import utcnow

    starts = (utcnow() + timedelta(minutes=minutes_from_now)).astimezone(ZoneInfo("Europe/London"))
    spec = SeriesSpec(key=key, name=options.pop("name", key.capitalize()), kind="walking", timezone="Europe/London",
                      start_date=starts.date(), start_time=starts.time().replace(second=0, microsecond=0, tzinfo=None),
                      duration_minutes=options.pop("duration_minutes", 60), group=group, **options)
    service = SeriesService(db, ["walking"])
    service.save(spec)
    [occurrence] = service.upcoming(key, limit=1)
    return occurrence
