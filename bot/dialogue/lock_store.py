"""Rasa's per-conversation locks: in this process, or in Redis when several bot processes
share the conversations (``dialogue.lock_store_url``)."""
from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Optional

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from sqlalchemy.engine import make_url

from bot.dialogue.model import ModelError

# Rasa keeps a lock for 60 s unless released, and a process killed mid-turn never releases
# it: the person's next turns, on another process, would wait that long. A turn is given
# up after dialogue.timeout_seconds (3 s by default), so a lock outliving 10 s is an orphan.
LOCK_LIFETIME_SECONDS = 10.0
LOCK_POLL_SECONDS = 0.05  # Rasa looks again every second while a lock is held: too slow for a turn


class SharedLockStore(RedisLockStore):
    """Rasa's Redis lock store with lifetimes and polling fitted to peerbot's turns."""

    def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME_SECONDS,
             wait_time_in_seconds: float = LOCK_POLL_SECONDS) -> AbstractAsyncContextManager[Any]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)


def lock_store_for(url: Optional[str]) -> LockStore:
    """Locks in this process, or in Redis (checked at start-up, so a wrong URL fails then,
    not on a person's turn)."""
    if url is None:
        return InMemoryLockStore()
    parsed = make_url(url)
    store = SharedLockStore(host=parsed.host or "localhost", port=parsed.port or 6379,
                            db=int(parsed.database or 0), password=parsed.password,
                            use_ssl=parsed.drivername == "rediss", key_prefix="peerbot")
    try:
        store.red.ping()
    except Exception as exc:  # redis raises its own ConnectionError family
        raise ModelError(f"dialogue.lock_store_url {url}: Redis is not answering ({exc})") from exc
    return store
