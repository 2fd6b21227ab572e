"""Benchmark: what the safety screen adds to each message, and to start-up.

Side by side in one run, in interleaved rounds (the machine is shared and noisy):
for each message, the dialogue model's parse alone (what the bot did before the
screen had its own layers) and the whole screen as the bot runs it (lexicon and
sentence classifier in a worker thread while Rasa parses). Prints p50 and p95 of
both and of the difference per message, for short and for long messages, and
the one-off cost of loading the sentence encoder and classifier (the start-up
the screen adds).

    .venv/bin/python scripts/bench_screen.py --rounds 5      (or: make bench)
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_escalation import percentile  # scripts/ is on the path when run as a script

from bot.config import load_settings
from bot.dialogue.factory import open_engine
from bot.dialogue.guarded import GuardedEngine
from bot.safety.screen import SafetyScreen

NEWS = ("Lovely walk this morning, the dog got filthy in the woods and then rolled in something awful. "
        "Bought some wool for the blanket, the green one, and had a scone at the cafe by the station. ")
# Most chat is one or two sentences; long messages are timed on their own.
SHORT = [
    "hi", "about a 3 today", "can I talk to a person", "when is the next walk?", "thanks, see you thursday",
    "I want to end it all", "my phone died again", "took my tablets as usual",
    "feeling pretty rubbish tbh, didn't sleep much and work was a nightmare",
]
LONG = [
    NEWS + "Anyway that's me, see you all next week x",
    NEWS + "Not sure I can keep going like this, I've been saving my tablets",
    NEWS * 3 + "Honestly I don't know why I bother.",
]


@dataclass
class Timings:
    parse: list[float] = field(default_factory=list)  # Rasa's parse alone: the screen before
    whole: list[float] = field(default_factory=list)  # the screen as the bot runs it
    added: list[float] = field(default_factory=list)  # whole - parse, per message

    def report(self, title: str) -> None:
        print(title)
        for name, samples in (("Rasa parse alone (before)", self.parse), ("whole screen (as the bot runs it)", self.whole),
                              ("added per message", self.added)):
            print(f"  {name:<34} p50 {percentile(samples, 0.5) * 1000:7.1f} ms   "
                  f"p95 {percentile(samples, 0.95) * 1000:7.1f} ms   mean {statistics.fmean(samples) * 1000:7.1f} ms")
        print(f"  ratio whole/parse at p50: {percentile(self.whole, 0.5) / percentile(self.parse, 0.5):.2f}x")


async def bench(rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="peerbot-bench-"))
    settings = load_settings(environ={"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"})
    started = time.perf_counter()
    screen = await asyncio.to_thread(SafetyScreen.load, settings)
    load_seconds = time.perf_counter() - started
    print("loading the dialogue model...", flush=True)
    engine = GuardedEngine(await asyncio.to_thread(open_engine, settings), settings.dialogue.timeout_seconds)
    timings = {"short": Timings(), "long": Timings()}
    try:
        for text in SHORT + LONG:  # warm up both paths
            await screen.screen(text, engine.parse)
        for _ in range(rounds):
            for kind, texts in (("short", SHORT), ("long", LONG)):
                for text in texts:
                    t0 = time.perf_counter()
                    await engine.parse(text)
                    t1 = time.perf_counter()
                    await screen.screen(text, engine.parse)
                    t2 = time.perf_counter()
                    timings[kind].parse.append(t1 - t0)
                    timings[kind].whole.append(t2 - t1)
                    timings[kind].added.append((t2 - t1) - (t1 - t0))
    finally:
        await engine.close()
    print(f"\nsafety screen, {rounds} interleaved rounds:")
    timings["short"].report(f"short messages (1-12 words, {len(SHORT)} kinds):")
    timings["long"].report(f"long messages (45-115 words, {len(LONG)} kinds):")
    print(f"start-up added by the screen (encoder + classifier load): {load_seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(bench(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
