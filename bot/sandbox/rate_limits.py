"""Telegram's broadcast limits, so a bot that sends too fast is refused here (429 with
``retry_after``) as it would be in production."""
from __future__ import annotations

import math
import time
from collections import deque

# Telegram's documented broadcast limits (core.telegram.org/bots/faq).
MESSAGES_PER_SECOND = 30
GROUP_MESSAGES_PER_MINUTE = 20


class RateLimiter:
    """Telegram's broadcast limits over rolling windows: overall per second, per group per minute."""

    def __init__(self) -> None:
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def admit(self, chat_id: int) -> int | None:
        """Take a slot for one message to ``chat_id``, or return the whole seconds until one frees."""
        at = time.monotonic()
        windows = [(self._overall, MESSAGES_PER_SECOND, 1.0)]
        if chat_id < 0:
            windows.append((self._groups.setdefault(chat_id, deque()), GROUP_MESSAGES_PER_MINUTE, 60.0))
        wait = max(_wait_for_slot(window, limit, span, at) for window, limit, span in windows)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window, _, _ in windows:
            window.append(at)
        return None


def _wait_for_slot(window: deque[float], limit: int, span: float, at: float) -> float:
    while window and window[0] <= at - span:
        window.popleft()
    return 0.0 if len(window) < limit else window[0] + span - at
