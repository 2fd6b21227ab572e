"""Engines and sessions for the application's database (SQLite or PostgreSQL)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: foreign keys (SQLite ignores them unless asked), write-ahead logging
    (readers never wait for the writer) with ``synchronous=NORMAL``: a commit costs no disk
    flush, and a crash of the process loses nothing; only a power cut can lose the last
    commits, and since the log is recovered as a prefix, never one without those before it.
    What must survive a power cut too (an update before Telegram is told it arrived) is
    written with ``durable``."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _back_to_normal(dbapi_connection: Any, _record: Any) -> None:
    """A pooled connection returned after a ``durable`` transaction flushes lazily again."""
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


# Connections kept open per process: enough for every inbox worker and the worker threads
# at once (telegram.workers is 8 by default); more are opened, and closed again, as needed.
POOL_SIZE = 12
POOL_OVERFLOW = 12


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with a pool of open connections (opening a SQLite connection and
    setting it up cost more than most of the statements run on it); for a SQLite file, its
    folder is created first."""
    parsed = make_url(url)
    options: dict[str, Any] = {"future": True, "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A writer waits up to 30 s for another to finish instead of failing at once.
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        options["poolclass"] = QueuePool
    else:
        # A database that stops answering must fail a call within seconds, not minutes:
        # the bot then works around it (the inbox is not confirmed, crisis contacts go out).
        options["pool_pre_ping"] = True
        options["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(url, **options)
    if sqlite:
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "checkin", _back_to_normal)
    return engine


def durable(session: Session) -> None:
    """Make this session's next commit reach the disk before it returns, power cut or not
    (SQLite; PostgreSQL always does). Call it before the transaction's first statement."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA synchronous=FULL"))


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions in 2.0 style that keep loaded values usable after commit."""
    return sessionmaker(engine, class_=Session, future=True, expire_on_commit=False)


class Database:
    """The application's database: one engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)

    def session(self) -> Session:
        """A new session; use as ``with db.session() as s, s.begin(): ...``."""
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()
