"""Several bot processes share each conversation's lock through Redis, so two of them never
change one person's dialogue state at once; one process keeps its locks in memory."""
from __future__ import annotations

import time
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore

from bot.dialogue.lock_store import LOCK_LIFETIME_SECONDS, lock_store_for
from bot.dialogue.model import ModelError


def test_one_process_keeps_its_conversation_locks_in_memory():
    assert isinstance(lock_store_for(None), InMemoryLockStore)


async def test_a_conversation_one_process_holds_is_seen_held_by_another(redis_url):
    first, second = lock_store_for(redis_url), lock_store_for(redis_url)
    conversation = uuid.uuid4().hex
    async with first.lock(conversation):
        ticket = second.issue_ticket(conversation)
        assert second.get_lock(conversation).is_locked(ticket), "the second waits its turn"
        second.cleanup(conversation, ticket)
    ticket = second.issue_ticket(conversation)
    assert not second.get_lock(conversation).is_locked(ticket)
    second.cleanup(conversation, ticket)


def test_a_redis_that_does_not_answer_stops_the_start_naming_the_setting():
    with pytest.raises(ModelError, match="dialogue.lock_store_url"):
        lock_store_for("redis://127.0.0.1:1/0")


async def test_a_lock_a_killed_process_would_leave_lapses_within_seconds_not_a_minute(redis_url):
    """A process SIGKILLed mid-turn never releases its lock; the next process waits at most
    the lock's lifetime (Rasa's own is a minute)."""
    crashed, survivor = lock_store_for(redis_url), lock_store_for(redis_url)
    conversation = uuid.uuid4().hex
    async with crashed.lock(conversation):  # the turn in hand when the process dies
        [ticket] = survivor.get_lock(conversation).tickets
        assert 0 < ticket.expires - time.time() <= LOCK_LIFETIME_SECONDS <= 10
