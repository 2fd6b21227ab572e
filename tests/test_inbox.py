"""The durable inbox, on SQLite and PostgreSQL: every update stored once, handled in
priority and arrival order, resumed after a crash when its lease runs out, and
quarantined when it keeps failing."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from bot.services.inbox import Arrival, Inbox
from bot.storage.models import InboxUpdate


def arrival(update_id: int, sender: int | None = 7, urgent: bool = False) -> Arrival:
    return Arrival(update_id, {"update_id": update_id, "message": {"text": "hi"}}, sender, urgent)


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
