"""Benchmark: what the safety screen adds to each message, and to start-up.

Side by side in one run, in interleaved rounds (the machine is shared and noisy):
for each message, the dialogue model's parse alone (what the bot did before the
screen had its own layers) and the whole screen as the bot runs it (lexicon and
sentence classifier in a worker thread while Rasa parses). Prints p50 and p95 of
both and of the difference per message, and the one-off cost of loading the
sentence encoder and classifier (the start-up the screen adds).

    .venv/bin/python scripts/bench_screen.py --rounds 5      (or: make bench)
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bot.config import load_settings
from bot.dialogue.factory import open_engine
from bot.dialogue.guarded import GuardedEngine
from bot.safety.screen import SafetyScreen

NEWS = ("Lovely walk this morning, the dog got filthy in the woods and then rolled in something awful. "
        "Bought some wool for the blanket, the green one, and had a scone at the cafe by the station. ")
MESSAGES = [
    "hi", "about a 3 today", "can I talk to a person", "when is the next walk?", "thanks, see you thursday",
    "I want to end it all", "my phone died again", "took my tablets as usual",
    "feeling pretty rubbish tbh, didn't sleep much and work was a nightmare",
    NEWS + "Anyway that's me, see you all next week x",
    NEWS + "Not sure I can keep going like this, I've been saving my tablets",
    NEWS * 3 + "Honestly I don't know why I bother.",
]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def line(name: str, samples: list[float]) -> str:
    return (f"{name:<34} p50 {percentile(samples, 0.5) * 1000:7.1f} ms   p95 {percentile(samples, 0.95) * 1000:7.1f} ms"
            f"   mean {statistics.fmean(samples) * 1000:7.1f} ms")


async def bench(rounds: int) -> None:
    settings = load_settings(environ={"DATABASE_URL": "sqlite://"})
    started = time.perf_counter()
    screen = await asyncio.to_thread(SafetyScreen.load, settings)
    load_seconds = time.perf_counter() - started
    print("loading the dialogue model...", flush=True)
    engine = GuardedEngine(await asyncio.to_thread(open_engine, settings), settings.dialogue.timeout_seconds)
    try:
        for text in MESSAGES:  # warm up both paths
            await screen.screen(text, engine.parse)
        parse_only, whole, added, own = [], [], [], []
        for _ in range(rounds):
            for text in MESSAGES:
                t0 = time.perf_counter()
                await engine.parse(text)
                t1 = time.perf_counter()
                await screen.screen(text, engine.parse)
                t2 = time.perf_counter()
                await asyncio.to_thread(screen.read, text)
                t3 = time.perf_counter()
                parse_only.append(t1 - t0)
                whole.append(t2 - t1)
                added.append((t2 - t1) - (t1 - t0))
                own.append(t3 - t2)
    finally:
        await engine.close()
    print(f"\nsafety screen, {rounds} interleaved rounds of {len(MESSAGES)} messages (short to ~90 words):")
    print(line("Rasa parse alone (before)", parse_only))
    print(line("whole screen (as the bot runs it)", whole))
    print(line("added per message (whole - parse)", added))
    print(line("lexicon + classifier alone", own))
    print(f"ratio whole/parse at p50: {percentile(whole, 0.5) / percentile(parse_only, 0.5):.2f}x")
    print(f"start-up added by the screen (encoder + classifier load): {load_seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(bench(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
