"""Shared fixtures: databases on SQLite and on PostgreSQL.

Storage tests run on both backends. Each PostgreSQL test gets a schema of its
own (via ``search_path``), so tests never see each other's rows and the
shared ``test`` database is left clean. Outside CI an unreachable server skips
those tests with the reason; in CI (``CI=true``) it fails them loudly.
"""
from __future__ import annotations

import os
import uuid
from typing import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

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
