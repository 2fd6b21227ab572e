"""The dialogue engine behind a time budget and a circuit breaker.

A dead, failing or hanging Rasa must cost a person milliseconds, not 30 seconds a
message, and must never stand between them and a human. Every call is bounded by
``timeout``; after ``failures_to_open`` failures in a row the breaker opens and
calls fail at once with ``EngineUnavailable`` for ``cooldown`` seconds, then one
call is let through to test the engine again (half-open). A call that runs out of
time opens the breaker at once: a hanging engine would cost every caller the
whole budget again. Calls wait their turn at the engine's ``TurnGate``
(``priority.py``: crisis first), and the budget starts once admitted. Whoever uses the engine
catches ``EngineUnavailable`` and fails open to a human; ``on_change`` tells the
adapter when the engine goes down or comes back, so staff hear of it once.
"""
from __future__ import annotations

import asyncio
import logging
import time
from contextlib import nullcontext
from typing import Awaitable, Callable, Optional, TypeVar

from bot.dialogue.contract import BotTurn
from bot.dialogue.engine import DialogueEngine, ParseResult
from bot.dialogue.priority import TurnGate

log = logging.getLogger(__name__)
T = TypeVar("T")


class EngineUnavailable(RuntimeError):
    """The dialogue engine failed, was too slow, or is resting behind an open breaker."""


class GuardedEngine(DialogueEngine):
    def __init__(self, engine: DialogueEngine, timeout: float, failures_to_open: int = 3,
                 cooldown: float = 30.0) -> None:
        self.engine = engine
        # Calls the engine can take at once (its time budget starts once admitted), crisis first.
        self.gate = TurnGate(engine.concurrent_calls) if engine.concurrent_calls else None
        self.timeout = timeout
        self.failures_to_open = failures_to_open
        self.cooldown = cooldown
        self.failures = 0  # in a row
        self.errors_total = 0  # since start, for the metrics
        self.opened_at: Optional[float] = None
        self.on_change: Optional[Callable[[bool], Awaitable[None]]] = None  # called with "is up?"

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        if self.opened_at is not None and time.monotonic() - self.opened_at < self.cooldown:
            raise EngineUnavailable("the dialogue engine is down (breaker open)")
        try:
            async with self.gate.slot() if self.gate is not None else nullcontext():
                result = await asyncio.wait_for(call(), self.timeout)
        except Exception as exc:
            await self._failed(exc)
            raise EngineUnavailable(f"the dialogue engine failed: {type(exc).__name__}") from exc
        await self._succeeded()
        return result

    async def _failed(self, exc: Exception) -> None:
        self.failures += 1
        self.errors_total += 1
        if self.opened_at is not None:
            self.opened_at = time.monotonic()  # the trial call failed: rest again
        elif self.failures >= self.failures_to_open or isinstance(exc, asyncio.TimeoutError):
            # A hang opens the breaker at once: the next call would cost the whole budget again.
            self.opened_at = time.monotonic()
            log.error("dialogue engine down after %d failures in a row (last: %s); failing open to people",
                      self.failures, type(exc).__name__)
            await self._tell(False)

    async def _succeeded(self) -> None:
        self.failures = 0
        if self.opened_at is not None:
            self.opened_at = None
            log.warning("dialogue engine is answering again")
            await self._tell(True)

    async def _tell(self, up: bool) -> None:
        if self.on_change is not None:
            try:
                await self.on_change(up)
            except Exception:  # telling staff must never break a person's turn
                log.exception("could not report the dialogue engine's state")

    async def handle(self, conversation: str, text: str, parse: Optional[ParseResult] = None) -> BotTurn:
        return await self._call(lambda: self.engine.handle(conversation, text, parse))

    async def parse(self, text: str) -> ParseResult:
        return await self._call(lambda: self.engine.parse(text))

    async def pause(self, conversation: str) -> None:
        await self._call(lambda: self.engine.pause(conversation))

    async def resume(self, conversation: str) -> None:
        await self._call(lambda: self.engine.resume(conversation))

    async def is_paused(self, conversation: str) -> bool:
        return await self._call(lambda: self.engine.is_paused(conversation))

    def history(self):
        return self.engine.history()

    async def close(self) -> None:
        await self.engine.close()
