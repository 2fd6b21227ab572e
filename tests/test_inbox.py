"""The durable inbox, on SQLite and PostgreSQL: every update stored once, handled in
priority and arrival order, resumed after a crash when its lease runs out, and
quarantined when it keeps failing."""
from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from bot.services.inbox import Arrival, Inbox
from bot.storage.models import InboxUpdate


def arrival(update_id: int, sender: int | None = 7, urgent: bool = False, key: str | None = None) -> Arrival:
    return Arrival(update_id, {"update_id": update_id, "message": {"text": "hi"}}, sender, urgent, key)


def claimed_ids(inbox: Inbox) -> list[int]:
    ids = []
    while (delivery := inbox.claim_next()) is not None:
        ids.append(delivery.update_id)
        inbox.finish(delivery)
    return ids


def test_updates_are_handled_in_arrival_order_with_a_crisis_first(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(10, sender=1), arrival(11, sender=2), arrival(12, sender=3, urgent=True)])
    assert claimed_ids(inbox) == [12, 10, 11]


def test_an_update_delivered_twice_is_stored_once(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(10)])
    inbox.store([arrival(10), arrival(11)])
    assert claimed_ids(inbox) == [10, 11]


def test_the_same_update_id_from_another_bot_is_a_different_update(db):
    Inbox(db, bot_id=1).store([arrival(10)])
    other = Inbox(db, bot_id=2)
    other.store([arrival(10)])
    assert claimed_ids(other) == [10]


def test_a_claimed_update_is_left_alone_until_its_lease_runs_out_then_handled_again(db):
    crashed = Inbox(db, bot_id=1, lease=timedelta(seconds=-1))  # a claim that has already run out
    crashed.store([arrival(10)])
    first = crashed.claim_next()
    assert first is not None
    restarted = Inbox(db, bot_id=1)
    again = restarted.claim_next()
    assert again is not None and again.update_id == 10 and again.attempts == 2
    assert restarted.claim_next() is None, "now leased to the restarted worker"


def test_an_update_still_being_handled_keeps_its_lease_and_is_not_taken_over(db):
    slow = Inbox(db, bot_id=1, lease=timedelta(seconds=-1))  # its lease has run out mid-handling
    slow.store([arrival(10)])
    delivery = slow.claim_next()  # unrenewed, it would be taken over now (the test above)
    renewed = Inbox(db, bot_id=1, lease=timedelta(seconds=20))
    renewed.extend(delivery)  # the worker is alive and still at it
    assert Inbox(db, bot_id=1).claim_next() is None


def test_a_live_claim_is_not_taken_by_another_worker(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(10)])
    assert inbox.claim_next() is not None
    assert Inbox(db, bot_id=1).claim_next() is None


def test_a_finished_update_no_longer_keeps_the_persons_words(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(10)])
    inbox.finish(inbox.claim_next())
    with db.session() as session:
        row = session.execute(select(InboxUpdate)).scalar_one()
    assert (row.status, row.payload) == ("done", None)


def test_an_update_that_keeps_failing_is_quarantined_and_kept_for_an_operator(db):
    inbox = Inbox(db, bot_id=1, lease=timedelta(seconds=-1), max_attempts=2)
    inbox.store([arrival(10)])
    assert inbox.failed(inbox.claim_next(), "boom") is False
    with db.session() as session, session.begin():  # skip the retry pause
        session.execute(InboxUpdate.__table__.update().values(claimed_until=None))
    assert inbox.failed(inbox.claim_next(), "boom again") is True
    assert inbox.claim_next() is None
    with db.session() as session:
        row = session.execute(select(InboxUpdate)).scalar_one()
    assert (row.status, row.attempts, row.error) == ("poison", 2, "boom again") and row.payload is not None


def test_one_person_flooding_waits_behind_everyone_else_and_is_told_once(db):
    inbox = Inbox(db, bot_id=1, flood_per_minute=3)
    told = inbox.store([arrival(i, sender=1) for i in range(1, 6)])
    assert told == {1}
    assert inbox.store([arrival(6, sender=1)]) == set(), "told once"
    inbox.store([arrival(7, sender=2), arrival(8, sender=1, urgent=True)])
    assert claimed_ids(inbox) == [8, 1, 2, 3, 7, 4, 5, 6]


def test_workers_racing_for_the_inbox_each_handle_an_update_exactly_once(db):
    Inbox(db, bot_id=1).store([arrival(i, sender=i) for i in range(1, 41)])
    handled: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        inbox = Inbox(db, bot_id=1)
        while (delivery := inbox.claim_next()) is not None:
            with lock:
                handled.append(delivery.update_id)
            inbox.finish(delivery)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(handled) == list(range(1, 41))


def test_a_conversations_next_update_waits_for_its_earlier_one_while_other_conversations_go_ahead(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(1, key="5:5"), arrival(2, key="5:5"), arrival(3, key="6:6")])
    first = inbox.claim_next()
    other = inbox.claim_next()
    assert (first.update_id, other.update_id) == (1, 3)
    assert inbox.claim_next() is None, "update 2 waits while update 1 is being handled"
    inbox.finish(first)
    assert inbox.claim_next().update_id == 2


def test_an_update_that_failed_holds_back_its_conversation_until_it_is_retried(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(1, key="5:5"), arrival(2, key="5:5")])
    inbox.failed(inbox.claim_next(), "boom")
    assert inbox.claim_next() is None, "the retry comes first, after its pause"


def test_in_a_group_each_members_messages_keep_their_own_order_but_members_overlap(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(1, key="-100:5"), arrival(2, key="-100:5"), arrival(3, key="-100:6")])
    assert [inbox.claim_next().update_id, inbox.claim_next().update_id] == [1, 3]


def test_a_crisis_the_lexicon_sees_jumps_its_own_conversations_queue(db):
    inbox = Inbox(db, bot_id=1)
    inbox.store([arrival(1, key="5:5"), arrival(2, key="5:5"), arrival(3, key="5:5", urgent=True)])
    assert inbox.claim_next().update_id == 3
    assert inbox.claim_next(urgent_only=True) is None
    assert inbox.claim_next().update_id == 1


def test_many_workers_on_many_conversations_keep_each_conversations_order_and_handle_each_once(db):
    conversations = [f"{n}:{n}" for n in range(8)]
    picks = random.Random(7)
    keys = {update_id: picks.choice(conversations) for update_id in range(1, 121)}
    Inbox(db, bot_id=1).store([arrival(u, sender=None, key=k) for u, k in keys.items()])
    handled: list[tuple[str, int, float, float]] = []
    lock = threading.Lock()

    def worker() -> None:
        inbox = Inbox(db, bot_id=1)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < 1.0:
            delivery = inbox.claim_next()
            if delivery is None:
                time.sleep(0.005)
                continue
            started = time.monotonic()
            time.sleep(0.002)
            with lock:
                handled.append((keys[delivery.update_id], delivery.update_id, started, time.monotonic()))
            inbox.finish(delivery)
            idle_since = time.monotonic()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(u for _, u, _, _ in handled) == list(range(1, 121)), "each update exactly once"
    for key in conversations:
        mine = sorted((started, ended, u) for k, u, started, ended in handled if k == key)
        assert [u for _, _, u in mine] == sorted(u for u, k in keys.items() if k == key), f"{key} in order"
        assert all(prev[1] <= nxt[0] for prev, nxt in zip(mine, mine[1:])), f"{key}: never two at once"
