"""Crisis first at the dialogue engine: calls are admitted as the engine can take them,
urgent ones ahead of ordinary ones that have waited longer."""
from __future__ import annotations

import asyncio

from bot.dialogue.guarded import GuardedEngine
from bot.dialogue.priority import TurnGate, is_urgent, urgent


async def test_an_urgent_call_goes_ahead_of_ordinary_ones_that_waited_longer():
    gate = TurnGate(1)
    admitted: list[str] = []
    release = asyncio.Event()

    async def call(name: str, flag: bool) -> None:
        with urgent(flag):
            async with gate.slot():
                admitted.append(name)
                if name == "first":
                    await release.wait()

    tasks = [asyncio.create_task(call("first", False))]
    await asyncio.sleep(0)
    for name, flag in (("chat 1", False), ("chat 2", False), ("crisis", True)):
        tasks.append(asyncio.create_task(call(name, flag)))
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*tasks)
    assert admitted == ["first", "crisis", "chat 1", "chat 2"]


async def test_a_call_cancelled_while_waiting_never_holds_the_gate():
    gate = TurnGate(1)
    hold = asyncio.Event()

    async def holder() -> None:
        async with gate.slot():
            await hold.wait()

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    gone = asyncio.create_task(holder())
    await asyncio.sleep(0)
    gone.cancel()
    hold.set()
    await first
    async with gate.slot():
        assert gate.free == 0
    assert gate.free == 1


def test_urgency_is_carried_by_the_handling_it_belongs_to():
    assert not is_urgent()
    with urgent():
        with urgent(False):  # an ordinary step inside a crisis handling stays urgent
            assert is_urgent()
    assert not is_urgent()


async def test_calls_waiting_their_turn_do_not_spend_their_time_budget_waiting(inprocess_engine):
    """A hundred and fifty parses at once, each well within 1 s (a parse takes 10-40 ms here),
    together far beyond it: none fails. (The budget was 0.3 s for forty, and one parse on a
    busy shared machine once took longer than that on its own: a margin, not a speed claim.)"""
    guarded = GuardedEngine(inprocess_engine, timeout=1.0)
    results = await asyncio.gather(*(guarded.parse(f"message number {n}") for n in range(150)))
    assert len(results) == 150 and guarded.errors_total == 0
