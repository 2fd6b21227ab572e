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
from typing import AsyncIterator, ContextManager

from bench_escalation import percentile  # scripts/ is on the path when run as a script
from bench_fanout import database_url

from bot.deploy.local import LocalLayout
from bot.deploy.process import BotProcess
from bot.sandbox.harness import participants, seed
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
SETTINGS = {"PEERBOT_TELEGRAM__FLOOD_PER_MINUTE": "100000"}  # the benchmark's people type fast


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


async def peerbot_round(bot: Peerbot, figures: Figures, name: str, number: int, senders: int, each: int,
                        crises: int) -> None:
    single = await bot.person((await bot.people(1, f"Single{number}-"))[0], EVERYDAY * 2)
    figures.add(f"{name}: one reply p50", statistics.median(single))
    figures.add(f"{name}: one reply p95", percentile(single, 0.95))
    writers = await bot.people(senders, f"Writer{number}-")
    in_crisis = await bot.people(crises, f"Crisis{number}-")

    async def crises_meanwhile() -> list[float]:
        await asyncio.sleep(1.0)  # the others are in full flow
        return list(await asyncio.gather(*(bot.crisis(user) for user in in_crisis)))

    load, pages = await asyncio.gather(at_once(writers, bot.person, (EVERYDAY * 2)[:each]), crises_meanwhile())
    rate, times = load
    figures.add(f"{name}: at once, per s", rate)
    figures.add(f"{name}: at once, p99", percentile(times, 0.99))
    figures.rounds.setdefault(f"{name}: crisis pages", []).extend(pages)


async def rasa_round(rasa: StockRasa, figures: Figures, senders: int, each: int) -> None:
    single = await rasa.person(EVERYDAY * 2)
    figures.add("Rasa alone: one reply p50", statistics.median(single))
    figures.add("Rasa alone: one reply p95", percentile(single, 0.95))
    rate, _ = await at_once([None] * senders, lambda _, messages: rasa.person(messages), (EVERYDAY * 2)[:each])
    figures.add("Rasa alone: at once, per s", rate)


async def long_conversation(bot: Peerbot, messages: int, window: int = 20) -> tuple[float, float]:
    """One person writing ``messages`` messages: the median of their first ``window``
    answers' times and of their last ``window``."""
    person = (await bot.people(1, "Long-"))[0]
    times = await bot.person(person, (EVERYDAY * (messages // len(EVERYDAY) + 1))[:messages])
    return statistics.median(times[:window]), statistics.median(times[-window:])


def database(backend: str) -> ContextManager[str]:
    """A fresh database of this kind (a SQLite file, or a private PostgreSQL schema)."""
    return database_url(None if backend == "sqlite" else POSTGRES)


def report(backend: str, figures: Figures, senders: int, names: list[str]) -> None:
    median = figures.median
    floor = "Rasa alone"
    print(f"\n== {backend}: medians over {len(figures.rounds[floor + ': one reply p50'])} interleaved rounds ==")
    print(f"{'':28}" + "".join(f"{name:>22}" for name in [*names, floor]))
    for label, key in (("one reply p50 (ms)", "one reply p50"), ("one reply p95 (ms)", "one reply p95"),
                       (f"{senders} at once (answers/s)", "at once, per s")):
        cells = [f"{median(f'{name}: {key}'):8.1f} ({median(f'{name}: {key}') / median(f'{floor}: {key}'):.2f}x)"
                 for name in names]
        print(f"{label:28}" + "".join(f"{cell:>22}" for cell in cells) + f"{median(f'{floor}: {key}'):>22.1f}")
    for name in names:
        pages = figures.rounds[f"{name}: crisis pages"]
        print(f"{name}: {senders} writing, their answers p99 {median(f'{name}: at once, p99'):.0f} ms; "
              f"crisis -> PSW page meanwhile ({len(pages)} crises): p50 {statistics.median(pages):.0f} ms, "
              f"p99 {percentile(pages, 0.99):.0f} ms, max {max(pages):.0f} ms")


@asynccontextmanager
async def stage(backend: str) -> AsyncIterator[tuple[str, Peerbot]]:
    """A fresh database with an on-duty PSW, and a sandbox of its own, for one setup."""
    with database(backend) as url:
        migrate.upgrade(url)
        db = Database(url)
        sandbox = Sandbox()
        await sandbox.start()
        psw, _ = seed(db, sandbox, 0)
        try:
            yield url, Peerbot(sandbox, db, psw)
        finally:
            await sandbox.stop()
            db.dispose()


@asynccontextmanager
async def one_process(backend: str, folder: Path, name: str) -> AsyncIterator[Peerbot]:
    """`peerbot run` (polling)."""
    async with stage(backend) as (url, bot):
        process = BotProcess(url, bot.sandbox.token, bot.sandbox.api_base_url, folder, SETTINGS, cwd=PROJECT,
                             name=name)
        try:
            await process.start()
            await bot.sandbox.wait_for_bot_message(bot.psw["id"], timeout=ANSWER_TIMEOUT)
            yield bot
        finally:
            process.stop()


@asynccontextmanager
async def layout(backend: str, folder: Path, workers: int, redis_url: str) -> AsyncIterator[Peerbot]:
    """``workers`` `peerbot run` processes behind nginx (``peerbot layout``)."""
    async with stage(backend) as (url, bot):
        async with LocalLayout(workers, url, bot.sandbox.token, bot.sandbox.api_base_url, folder / "layout",
                               redis_url, settings=SETTINGS, cwd=PROJECT):
            await bot.sandbox.wait_for_bot_message(bot.psw["id"], timeout=ANSWER_TIMEOUT)
            yield bot


async def bench(backend: str, rounds: int, senders: int, each: int, crises: int, workers: int,
                redis_url: str, long: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="peerbot-bench-"))
    print(f"[{backend}] starting peerbot (1 process, and {workers} behind nginx) and stock Rasa...", flush=True)
    one_name, many_name = "peerbot, 1 process", f"peerbot, {workers} processes"
    with database(backend) as rasa_url:
        async with one_process(backend, folder, "one") as one, layout(backend, folder, workers, redis_url) as many:
            rasa = await asyncio.to_thread(StockRasa, rasa_url)
            figures = Figures()
            for bot in (one, many):  # warm-up, not counted
                await peerbot_round(bot, Figures(), "warm-up", 0, senders, 1, 1)
            await rasa_round(rasa, Figures(), senders, 1)
            for number in range(1, rounds + 1):
                await peerbot_round(one, figures, one_name, number, senders, each, crises)
                await rasa_round(rasa, figures, senders, each)
                await peerbot_round(many, figures, many_name, number, senders, each, crises)
                print(f"[{backend}] round {number}/{rounds} done", flush=True)
            report(backend, figures, senders, [one_name, many_name])
            if long:
                first, last = await long_conversation(one, long)
                print(f"one person's {long} messages ({one_name}): first 20 answered in {first:.0f} ms (median), "
                      f"last 20 in {last:.0f} ms: {last / first:.2f}x")
            print(f"429s drawn from the sandbox: {one_name} {one.sandbox.stats['rate_limited']}, "
                  f"{many_name} {many.sandbox.stats['rate_limited']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--messages", type=int, default=6, help="messages each of the senders sends per round")
    parser.add_argument("--crises", type=int, default=5, help="crisis messages per round, while the senders write")
    parser.add_argument("--workers", type=int, default=2, help="bot processes in the multi-process layout")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1", help="the layout's dialogue locks")
    parser.add_argument("--long", type=int, default=1000, help="one person's messages, first vs last (0: skip)")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for backend in args.databases:
        asyncio.run(bench(backend, args.rounds, args.senders, args.messages, args.crises, args.workers, args.redis,
                          args.long))


if __name__ == "__main__":
    main()
