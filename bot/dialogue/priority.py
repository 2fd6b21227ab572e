"""Crisis first at the dialogue engine: urgent calls go ahead of everyone waiting.

The in-process model does its work on the event loop and holds it while it does
(a parse about 15 ms, a turn about 30 ms): with many people writing, a crisis
handler that met a queue of ordinary turns at every step took seconds to page.
So engine calls pass through a ``TurnGate`` that admits as many at once as the
engine can use (one for the in-process model: two would only slow each other),
urgent ones before any ordinary one waiting. Whether a call is urgent is carried
by the handling it belongs to (``urgent()``): the inbox worker sets it for an
update the lexicon flagged, and the conversation for a crisis turn the screen
found.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import AsyncIterator, Iterator

_URGENT: ContextVar[bool] = ContextVar("peerbot_urgent", default=False)


@contextmanager
def urgent(flag: bool = True) -> Iterator[None]:
    """Engine calls made inside this block (and the tasks it starts) are urgent."""
    token = _URGENT.set(flag or _URGENT.get())
    try:
        yield
    finally:
        _URGENT.reset(token)


def is_urgent() -> bool:
    return _URGENT.get()


class TurnGate:
    """At most ``slots`` calls at once; the rest wait, urgent first, then in arrival order."""

    def __init__(self, slots: int) -> None:
        self.free = slots
        self.waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self.order = itertools.count()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.free > 0 and not self.waiting:
            self.free -= 1
        else:
            admitted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self.waiting, (0 if is_urgent() else 1, next(self.order), admitted))
            try:
                await admitted
            except asyncio.CancelledError:
                if admitted.done() and not admitted.cancelled():  # admitted, then cancelled: pass it on
                    self._release()
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        """Hand the slot to the first waiter still waiting, or free it."""
        while self.waiting:
            _, _, admitted = heapq.heappop(self.waiting)
            if not admitted.done():
                admitted.set_result(None)
                return
        self.free += 1
