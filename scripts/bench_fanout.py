"""Benchmark: how long a session-reminder fan-out to N people takes, and that it provokes no 429.

Runs the real bot (PTB over HTTP with its rate limiter, the reminder service, a
real database) against the sandbox, which enforces Telegram's limits (30
messages a second overall). N consenting members of one group each owe one
reminder for a session starting in an hour; the clock runs from calling the
scheduler's reminder job until it returns, by which time every reminder has
been sent and received. Each size runs on a fresh database and a fresh sandbox.

    .venv/bin/python scripts/bench_fanout.py --people 1000 10000      (or: make bench)
    .venv/bin/python scripts/bench_fanout.py --people 1000 --database-url postgresql://postgres@127.0.0.1:5432/test

Exits 1 if the sandbox answered any 429, or any person did not get exactly one reminder
recorded as sent.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import quote

from sqlalchemy import create_engine, func, insert, select, text

from bot.config import load_settings
from bot.dialogue.remote import RemoteEngine
from bot.runtime import build_context, running
from bot.sandbox.server import Sandbox
from bot.services.series import SeriesService, SeriesSpec
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.models import Group, Membership, Person, ReminderDelivery
from bot.storage.types import utcnow
from bot.telegram.application import build_application
from bot.telegram.reminders import send_due_reminders

OFFSET_MINUTES = 60
# The session starts a little under an hour from now, so its one-hour reminder fell due
# just before the clock starts, well inside the grace window (occurrences are only
# materialised for the future, and reminders are sent from their due time on).
STARTS_IN = timedelta(minutes=OFFSET_MINUTES) - timedelta(seconds=5)
# The scheduler's own reminder job must not race the benchmark's call.
NEVER_SECONDS = 86400
# A Rasa server that is never contacted: build_context needs an engine, reminders do not.
UNUSED_RASA = "http://127.0.0.1:9"
PROGRESS_EVERY = 30.0


@contextlib.contextmanager
def database_url(server_url: Optional[str]) -> Iterator[str]:
    """An empty database for one run: a SQLite file in a temp dir, or a private
    PostgreSQL schema on ``server_url`` (dropped afterwards, as in tests/conftest.py)."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="peerbot-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in server_url else "?"
        yield f"{server_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def seed(db: Database, sandbox: Sandbox, people: int, kind: str) -> None:
    """N sandbox users who have started the bot, N consented members of one group (bulk
    inserted: seeding is not what is measured), and a one-off session an hour away."""
    user_ids = [sandbox.add_user(f"Person {n}")["id"] for n in range(people)]
    # As if each had pressed Start: sending /start would make 10,000 updates for the bot.
    for user_id in user_ids:
        sandbox.open_private_chat(user_id)
    now = utcnow()
    with db.session() as session, session.begin():
        group = Group(title="Bench walking group")
        session.add(group)
        session.flush()
        session.execute(insert(Person), [{"telegram_user_id": user_id, "display_name": f"Person {n}",
                                          "region": "uk", "consented_at": now}
                                         for n, user_id in enumerate(user_ids)])
        person_ids = session.execute(select(Person.id)).scalars().all()
        session.execute(insert(Membership), [{"person_id": person_id, "group_id": group.id, "joined_at": now}
                                             for person_id in person_ids])
        invite_code = group.invite_code
    starts = (datetime.now(timezone.utc) + STARTS_IN).replace(microsecond=0)
    SeriesService(db, [kind]).save(SeriesSpec(
        key="bench-fanout", name="Bench walk", kind=kind, timezone="UTC", start_date=starts.date(),
        start_time=starts.time(), duration_minutes=60, group=invite_code,
        reminder_offsets_minutes=[OFFSET_MINUTES]))


async def report_progress(sandbox: Sandbox, people: int, started: float) -> None:
    """A line every half minute, so a long run visibly moves (or visibly stalls)."""
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        print(f"  ... {sandbox.stats['sent']}/{people} after {time.perf_counter() - started:.0f} s", flush=True)


def not_sent(db: Database) -> int:
    """Delivery rows left in any state but sent (failed, skipped, stuck sending)."""
    with db.session() as session:
        return session.execute(select(func.count()).select_from(ReminderDelivery)
                               .where(ReminderDelivery.status != "sent")).scalar_one()


def problems(db: Database, sandbox: Sandbox, people: int, failed: int) -> list[str]:
    """What breaks 'every person got exactly one reminder, recorded as sent, and Telegram's limits held'."""
    found = [f"{failed} delivery rows not marked sent"] if failed else []
    if sandbox.stats["rate_limited"]:
        found.append(f"{sandbox.stats['rate_limited']} 429 responses provoked")
    per_user = Counter({user_id: len(sandbox.bot_messages(user_id)) for user_id in sandbox.users})
    wrong = {user_id: count for user_id, count in per_user.items() if count != 1}
    if wrong:
        found.append(f"{len(wrong)} people did not get exactly one message (e.g. {list(wrong.items())[:5]})")
    with db.session() as session:
        per_person = session.execute(select(ReminderDelivery.person_id, func.count())
                                     .group_by(ReminderDelivery.person_id)).all()
    if len(per_person) != people or any(count != 1 for _, count in per_person):
        found.append(f"delivery rows: {len(per_person)} people have rows, expected {people} with one each")
    return found


async def bench(people: int, server_url: Optional[str]) -> bool:
    """One fan-out to ``people``; prints its numbers, returns whether it was clean."""
    with database_url(server_url) as url:
        settings = load_settings(environ={"DATABASE_URL": url,
                                          "PEERBOT_SESSIONS__REMINDER_CHECK_SECONDS": str(NEVER_SECONDS)})
        migrate.upgrade(url)
        db = Database(url)
        sandbox = Sandbox()
        await sandbox.start()
        engine = RemoteEngine(UNUSED_RASA)
        try:
            seeding = time.perf_counter()
            seed(db, sandbox, people, settings.sessions.kinds[0])
            print(f"{people} people: seeded in {time.perf_counter() - seeding:.1f} s; fanning out...", flush=True)
            application = build_application(build_context(settings, db, engine), sandbox.token,
                                            sandbox.api_base_url, sandbox.file_base_url)
            async with running(application, settings, poll_timeout=1):
                started = time.perf_counter()
                progress = asyncio.create_task(report_progress(sandbox, people, started))
                sent = await send_due_reminders(application)
                seconds = time.perf_counter() - started
                progress.cancel()
            failed = not_sent(db)
            found = problems(db, sandbox, people, failed)
        finally:
            await engine.close()
            await sandbox.stop()
            db.dispose()
    stats = sandbox.stats
    print(f"{people} people: {seconds:.1f} s, {sent / seconds:.1f} messages/s, sent {sent}; "
          f"429s provoked {stats['rate_limited']}; messages received by the sandbox {stats['sent']}; "
          f"deliveries not sent {failed}", flush=True)
    for problem in found:
        print(f"  PROBLEM: {problem}", flush=True)
    return not found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--database-url", help="a PostgreSQL server to use instead of SQLite; each run gets a "
                                               "private schema there, dropped afterwards")
    args = parser.parse_args()
    clean = [asyncio.run(bench(people, args.database_url)) for people in args.people]
    sys.exit(0 if all(clean) else 1)


if __name__ == "__main__":
    main()
