"""Benchmark: how long from a crisis message arriving to the on-duty PSW's page being sent.

Runs the real bot (PTB over HTTP, the Rasa model in-process, SQLite) against the
sandbox, which enforces Telegram's rate limits, and prints p50/p90/p99. Each run
is a new person writing a crisis message; the clock stops when the sandbox has
received the page in the PSW's chat.

    .venv/bin/python scripts/bench_escalation.py --runs 100      (or: make bench)
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.config import load_settings
from bot.dialogue.factory import open_engine
from bot.runtime import build_context, running
from bot.sandbox.server import Sandbox
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.models import Person, PersonRole
from bot.storage.types import utcnow
from bot.telegram.application import build_application

CRISIS = "I want to end it all"


def add_person(db: Database, telegram_id: int, name: str, role: str | None = None) -> None:
    with db.session() as session, session.begin():
        person = Person(telegram_user_id=telegram_id, display_name=name, consented_at=utcnow(), region="uk",
                        on_duty=role == "psw")
        session.add(person)
        session.flush()
        if role:
            session.add(PersonRole(person_id=person.id, role=role, source="invite"))


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def bench(runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="peerbot-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    settings = load_settings(environ={"DATABASE_URL": url})
    migrate.upgrade(url)
    db = Database(url)
    print("loading the dialogue model...", flush=True)
    engine = await asyncio.to_thread(open_engine, settings)
    sandbox = Sandbox()
    await sandbox.start()
    psw = sandbox.add_user("Jo")
    add_person(db, psw["id"], "Jo", role="psw")
    application = build_application(build_context(settings, db, engine), sandbox.token, sandbox.api_base_url,
                                    sandbox.file_base_url)
    samples = []
    async with running(application, settings, poll_timeout=1):
        sandbox.send(psw["id"], psw["id"], "/help")  # the PSW has a private chat with the bot
        await sandbox.wait_for_bot_message(psw["id"])
        for run in range(runs):
            user = sandbox.add_user(f"Person {run}")
            add_person(db, user["id"], f"Person {run}")
            mark = sandbox.messages(psw["id"])[-1]["message_id"] if sandbox.messages(psw["id"]) else 0
            started = time.perf_counter()
            sandbox.send(user["id"], user["id"], CRISIS)
            await sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in (m.get("text") or ""),
                                               after_message_id=mark, timeout=30)
            samples.append((time.perf_counter() - started) * 1000)
    await engine.close()
    await sandbox.stop()
    db.dispose()
    print(f"crisis message -> PSW page, {runs} runs (ms): p50 {statistics.median(samples):.0f}, "
          f"p90 {percentile(samples, 0.9):.0f}, p99 {percentile(samples, 0.99):.0f}, max {max(samples):.0f}")
    print(f"429s provoked at the sandbox: {sandbox.stats['rate_limited']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    asyncio.run(bench(parser.parse_args().runs))


if __name__ == "__main__":
    main()
