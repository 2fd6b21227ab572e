"""One scheduler leader among several bot processes sharing a database.

The lease is tested on both backends; then two real `peerbot run` processes
(webhook mode, against the sandbox) share one PostgreSQL database: every
reminder reaches each person exactly once, and when the leader stops the
other process takes over.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.services.leader import LeaderLease
from bot.services.people import PeopleService
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.models import Group, Lease
from conftest import PROJECT_ROOT, free_port, fresh_sandbox, session_soon

SHORT = timedelta(seconds=0.3)


def test_only_one_process_holds_the_lease_and_renews_it(db):
    first, second = LeaderLease(db, SHORT), LeaderLease(db, SHORT)
    assert first.acquire() and not second.acquire()
    assert first.acquire() and not second.acquire()


def test_threads_of_the_leading_process_racing_to_create_the_lease_are_all_told_it_leads(db):
    """The renewal job (a worker thread) and a led job (the event loop) ask at start-up
    together; the one that lost the insert once skipped the start-up retention run."""
    lease = LeaderLease(db, timedelta(minutes=1))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: lease.acquire(), range(8)))
    assert answers == [True] * 8 and lease.leading


def test_a_lapsed_lease_passes_to_another_process(db):
    first, second = LeaderLease(db, SHORT), LeaderLease(db, SHORT)
    assert first.acquire()
    time.sleep(0.4)
    assert second.acquire() and not first.acquire()


def test_a_released_lease_can_be_taken_at_once(db):
    first, second = LeaderLease(db, timedelta(minutes=5)), LeaderLease(db, timedelta(minutes=5))
    assert first.acquire()
    first.release()
    assert second.acquire()


PEOPLE = 12


def bot_process(database_url: str, sandbox, log: Path) -> tuple[subprocess.Popen, int]:
    """`peerbot run` against the sandbox in webhook mode (no Rasa model needed for reminders)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": sandbox.token,
           "TELEGRAM_BASE_URL": sandbox.api_base_url, "PEERBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
           "PEERBOT_TELEGRAM__WEBHOOK_SECRET": "s3cret", "PEERBOT_TELEGRAM__WEBHOOK_PORT": str(port),
           "PEERBOT_TELEGRAM__WEBHOOK_LISTEN": "127.0.0.1", "RASA_URL": "http://127.0.0.1:9",
           "PEERBOT_SESSIONS__REMINDER_CHECK_SECONDS": "0.3", "PEERBOT_SCHEDULER__LEASE_SECONDS": "2",
           "PEERBOT_CONFIG": "", "PEERBOT_MONITORING__PORT": "0"}
    peerbot = Path(sys.executable).parent / "peerbot"
    with log.open("w") as output:
        process = subprocess.Popen([str(peerbot), "run"], cwd=PROJECT_ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
    return process, port


async def wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"bot exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                await client.get(f"http://127.0.0.1:{port}/telegram", timeout=1)
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
    raise AssertionError(f"bot did not start:\n{log.read_text()[-3000:]}")


async def reminders_received(sandbox, users: list[dict], name: str, timeout: float = 30) -> Counter:
    """How many reminders for session ``name`` each user got, once all have one (and a moment more)."""
    deadline = time.monotonic() + timeout

    def counts() -> Counter:
        return Counter(u["id"] for u in users for m in sandbox.bot_messages(u["id"])
                       if m["text"].startswith("Reminder") and f"{name} (" in m["text"])

    while len(counts()) < len(users) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)  # anything sent twice would arrive by now
    return counts()


@pytest.mark.postgres
async def test_two_bot_processes_on_one_postgresql_send_each_reminder_exactly_once(postgres_schema_url, tmp_path):
    migrate.upgrade(postgres_schema_url)
    db = Database(postgres_schema_url)
    sandbox = fresh_sandbox()
    await sandbox.start()
    processes = []
    try:
        with db.session() as session, session.begin():
            session.add(Group(title="Walkers", invite_code="walk"))
        people = PeopleService(db, [], timedelta(hours=1))
        users = [sandbox.add_user(f"Walker{i}") for i in range(PEOPLE)]
        for user in users:
            sandbox.open_private_chat(user["id"])
            people.join_group(people.consent(user["id"], "uk", "Europe/London").id, "walk")
        for index in range(2):
            log = tmp_path / f"bot{index}.log"
            process, port = bot_process(postgres_schema_url, sandbox, log)
            processes.append(process)
            await wait_until_serving(process, port, log)

        session_soon(db, "morning", "walk", 59, name="Morning walk", reminder_offsets_minutes=[60])
        assert set((await reminders_received(sandbox, users, "Morning walk")).values()) == {1}

        with db.session() as session:
            holder = session.execute(select(Lease.holder)).scalar_one()
        leader = next(p for p in processes if f":{p.pid}:" in holder)
        leader.send_signal(signal.SIGTERM)
        leader.wait(timeout=30)

        session_soon(db, "evening", "walk", 59, name="Evening walk", reminder_offsets_minutes=[60])
        assert set((await reminders_received(sandbox, users, "Evening walk")).values()) == {1}
        assert sandbox.stats["rate_limited"] == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        await sandbox.stop()
        db.dispose()
