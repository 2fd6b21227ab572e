"""Shared fixtures: databases on SQLite and on PostgreSQL, and the dialogue engines.

Storage tests run on both backends. Each PostgreSQL test gets a schema of its
own (via ``search_path``), so tests never see each other's rows and the
shared ``test`` database is left clean. Outside CI an unreachable server skips
those tests with the reason; in CI (``CI=true``) it fails them loudly.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import AsyncIterator, Iterator
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.dialogue.engine import DialogueEngine
from bot.dialogue.inprocess import InProcessEngine
from bot.dialogue.model import train_if_changed
from bot.dialogue.remote import RemoteEngine
from bot.storage import migrate
from bot.storage.db import Database

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
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
RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
SERVER_START_TIMEOUT = 240


@pytest.fixture(scope="session")
def dialogue_model() -> Path:
    path, _ = train_if_changed(RASA_PROJECT, RASA_PROJECT / "models")
    return path


@pytest.fixture(scope="session")
def inprocess_engine(dialogue_model: Path, tmp_path_factory: pytest.TempPathFactory) -> InProcessEngine:
    """The Rasa agent in this process, strict about the contract, trackers in SQLite."""
    tracker_db = tmp_path_factory.mktemp("tracker") / "peerbot.db"
    return InProcessEngine.load(dialogue_model, RASA_PROJECT, f"sqlite:///{tracker_db}", strict=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
