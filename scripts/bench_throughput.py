"""Benchmark: peerbot against Rasa's own ``Agent.handle_text`` on the same model, side by
side in one run.

peerbot runs as `peerbot run` (its own process, the model in process) against the
sandbox, which stands in for Telegram over real HTTP and enforces its rate limits; it
is driven from outside, as people would drive it. The floor is stock Rasa in this
process: ``Agent.handle_text`` with the same model, the same custom actions and an SQL
tracker store on the same kind of database, with none of peerbot's changes to Rasa.
Rounds alternate (peerbot, Rasa, peerbot, ...) so a noisy neighbour hits both alike,
and each figure is the median over rounds.

- one reply: one person sends everyday messages one after another; the time from
  sending to the bot's answer (Rasa: one ``handle_text``).
- 50 at once: 50 people each send messages, each waiting for the answer before the
  next; answers per second overall and the latency percentiles.
- crisis under load: while the 50 are writing, people write crisis messages; the
  time until the on-duty PSW's page arrives.

    .venv/bin/python scripts/bench_throughput.py --rounds 3      (or: make bench)
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator
from urllib.parse import quote

from sqlalchemy import create_engine, text

from bot.sandbox.harness import BotProcess, participants, seed
from bot.sandbox.server import Sandbox
from bot.storage import migrate
from bot.storage.db import Database

PROJECT = Path(__file__).resolve().parent.parent
RASA_PROJECT = PROJECT / "rasa_project"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
# Everyday messages the model answers with one message and no action for the app, so
# "the answer" is one message on both sides.
EVERYDAY = ["hi", "what can you do?", "thanks", "are you a bot?", "what's the weather like", "good morning",
            "hello again"]
CRISIS = "I want to end it all tonight"
ANSWER_TIMEOUT = 60


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@dataclass
class Figures:
    """Each round's figures, by name; printed as medians over rounds."""

    rounds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.rounds.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.rounds[name])


class StockRasa:
    """Rasa's own agent on the same model: the floor peerbot is measured against."""

    def __init__(self, database_url: str) -> None:
        from rasa.core.agent import Agent

        from bot.dialogue.actions_bridge import InProcessActionEndpoint, load_executor
        from bot.dialogue.inprocess import quiet_rasa_logs, tracker_store_for
        from bot.dialogue.model import current_model

        quiet_rasa_logs()
        self.agent = Agent.load(str(current_model(RASA_PROJECT, RASA_PROJECT / "models")),
                                tracker_store=tracker_store_for(database_url, bounded=False),
                                action_endpoint=InProcessActionEndpoint(load_executor(RASA_PROJECT)))

    async def person(self, messages: list[str]) -> list[float]:
        """One new person's messages in turn; each turn's time in ms."""
        sender = uuid.uuid4().hex
        times = []
        for message in messages:
            started = time.perf_counter()
            await self.agent.handle_text(message, sender_id=sender)
            times.append((time.perf_counter() - started) * 1000)
        return times


class Peerbot:
    """The running bot and the people who write to it, over the sandbox."""

    def __init__(self, sandbox: Sandbox, db: Database, psw: dict) -> None:
        self.sandbox = sandbox
        self.db = db
        self.psw = psw

    async def people(self, count: int, prefix: str) -> list[dict]:
        """New participants who have joined and opened their chat (answered /help)."""
        users = participants(self.db, self.sandbox, count, prefix)
        for user in users:
            await self.sandbox.wait_for_bot_message(user["id"], timeout=ANSWER_TIMEOUT)
        return users

    async def person(self, user: dict, messages: list[str]) -> list[float]:
        times = []
        for message in messages:
            after = self.sandbox.messages(user["id"])[-1]["message_id"]
            started = time.perf_counter()
            self.sandbox.send(user["id"], user["id"], message)
            await self.sandbox.wait_for_bot_message(user["id"], after_message_id=after, timeout=ANSWER_TIMEOUT)
            times.append((time.perf_counter() - started) * 1000)
        return times

    async def crisis(self, user: dict) -> float:
        """A crisis message; ms until the on-duty PSW's page about this person arrives."""
        after = self.sandbox.messages(self.psw["id"])[-1]["message_id"]
        started = time.perf_counter()
        self.sandbox.send(user["id"], user["id"], CRISIS)
        await self.sandbox.wait_for_bot_message(
            self.psw["id"], lambda m: f"Who: {user['first_name']}," in (m.get("text") or ""),
            after_message_id=after, timeout=ANSWER_TIMEOUT)
        return (time.perf_counter() - started) * 1000


async def at_once(people: list, person, messages: list[str]) -> tuple[float, list[float]]:
    """Everyone writing at once: (answers per second, every answer's time in ms)."""
    started = time.perf_counter()
    times = await asyncio.gather(*(person(who, messages) for who in people))
    elapsed = time.perf_counter() - started
    flat = [t for each in times for t in each]
    return len(flat) / elapsed, flat


async def peerbot_round(bot: Peerbot, figures: Figures, number: int, senders: int, each: int,
                        crises: int) -> None:
    single = await bot.person((await bot.people(1, f"Single{number}-"))[0], EVERYDAY * 2)
    figures.add("peerbot one reply p50", statistics.median(single))
    figures.add("peerbot one reply p95", percentile(single, 0.95))
    writers = await bot.people(senders, f"Writer{number}-")
    in_crisis = await bot.people(crises, f"Crisis{number}-")

    async def crises_meanwhile() -> list[float]:
        await asyncio.sleep(1.0)  # the 50 are in full flow
        return list(await asyncio.gather(*(bot.crisis(user) for user in in_crisis)))

    load, pages = await asyncio.gather(at_once(writers, bot.person, (EVERYDAY * 2)[:each]), crises_meanwhile())
    rate, times = load
    figures.add("peerbot 50 at once, answers/s", rate)
    figures.add("peerbot 50 at once, p50", statistics.median(times))
    figures.add("peerbot 50 at once, p99", percentile(times, 0.99))
    for page in pages:
        figures.add("crisis -> page under load", page)


async def rasa_round(rasa: StockRasa, figures: Figures, senders: int, each: int) -> None:
    single = await rasa.person(EVERYDAY * 2)
    figures.add("rasa one reply p50", statistics.median(single))
    figures.add("rasa one reply p95", percentile(single, 0.95))
    rate, times = await at_once([None] * senders, lambda _, messages: rasa.person(messages), (EVERYDAY * 2)[:each])
    figures.add("rasa 50 at once, turns/s", rate)
    figures.add("rasa 50 at once, p50", statistics.median(times))
    figures.add("rasa 50 at once, p99", percentile(times, 0.99))


@asynccontextmanager
async def database(backend: str, folder: Path, name: str) -> AsyncIterator[str]:
    """A fresh database of this kind (a SQLite file, or a private PostgreSQL schema)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / name}.db"
        return
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def report(backend: str, figures: Figures) -> None:
    median = figures.median
    print(f"\n== {backend}: medians over {len(figures.rounds['rasa one reply p50'])} interleaved rounds ==")
    print(f"{'':34}{'peerbot':>10}{'Rasa alone':>12}{'ratio':>8}")
    for label, ours, floor in (("one reply p50 (ms)", "peerbot one reply p50", "rasa one reply p50"),
                               ("one reply p95 (ms)", "peerbot one reply p95", "rasa one reply p95"),
                               ("50 at once (answers/s)", "peerbot 50 at once, answers/s", "rasa 50 at once, turns/s"),
                               ("50 at once p50 (ms)", "peerbot 50 at once, p50", "rasa 50 at once, p50"),
                               ("50 at once p99 (ms)", "peerbot 50 at once, p99", "rasa 50 at once, p99")):
        print(f"{label:34}{median(ours):10.1f}{median(floor):12.1f}{median(ours) / median(floor):7.2f}x")
    pages = figures.rounds["crisis -> page under load"]
    print(f"crisis -> PSW page while 50 write ({len(pages)} crises, ms): p50 {statistics.median(pages):.0f}, "
          f"p99 {percentile(pages, 0.99):.0f}, max {max(pages):.0f}")


async def bench(backend: str, rounds: int, senders: int, each: int, crises: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="peerbot-bench-"))
    async with database(backend, folder, "peerbot") as peerbot_url, database(backend, folder, "rasa") as rasa_url:
        migrate.upgrade(peerbot_url)
        db = Database(peerbot_url)
        sandbox = Sandbox()
        await sandbox.start()
        psw, _ = seed(db, sandbox, 0)
        process = BotProcess(peerbot_url, sandbox, folder, {"PEERBOT_TELEGRAM__FLOOD_PER_MINUTE": "1000"}, cwd=PROJECT)
        print(f"[{backend}] starting peerbot and loading stock Rasa...", flush=True)
        try:
            await process.start()
            await sandbox.wait_for_bot_message(psw["id"], timeout=ANSWER_TIMEOUT)
            rasa = await asyncio.to_thread(StockRasa, rasa_url)
            bot = Peerbot(sandbox, db, psw)
            figures = Figures()
            await peerbot_round(bot, Figures(), 0, senders, 1, 1)  # warm-up, not counted
            await rasa_round(rasa, Figures(), senders, 1)
            for number in range(1, rounds + 1):
                await peerbot_round(bot, figures, number, senders, each, crises)
                await rasa_round(rasa, figures, senders, each)
                print(f"[{backend}] round {number}/{rounds} done", flush=True)
            report(backend, figures)
            print(f"429s provoked at the sandbox: {sandbox.stats['rate_limited']}")
        finally:
            process.stop()
            await sandbox.stop()
            db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--messages", type=int, default=6, help="messages each of the senders sends per round")
    parser.add_argument("--crises", type=int, default=5, help="crisis messages per round, while the senders write")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for backend in args.databases:
        asyncio.run(bench(backend, args.rounds, args.senders, args.messages, args.crises))


if __name__ == "__main__":
    main()
