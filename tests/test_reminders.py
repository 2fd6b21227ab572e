"""Reminders, on SQLite and PostgreSQL: exactly once, late within the grace window
after downtime, skipped (and recorded) after it, never to people who opted out."""
from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.services.people import PeopleService
from bot.services.reminders import ReminderService
from bot.services.series import SeriesService, SeriesSpec
from bot.storage.models import Group, ReminderDelivery
from bot.storage.types import utcnow

LONDON = ZoneInfo("Europe/London")
GRACE = timedelta(minutes=30)


@pytest.fixture
def session_soon(db):
    """A one-off session two hours from now (to the minute), with one member, reminded an hour before."""
    with db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    people = PeopleService(db, [], timedelta(hours=1))
    sam = people.consent(1001, "uk", "Europe/London")
    people.join_group(sam.id, "walk")
    starts = (utcnow() + timedelta(hours=2)).astimezone(LONDON).replace(second=0, microsecond=0)
    SeriesService(db, ["walking"]).save(SeriesSpec(
        key="walk", name="Walk", kind="walking", timezone="Europe/London", start_date=starts.date(),
        start_time=starts.time().replace(tzinfo=None), duration_minutes=60, group="walk", reminder_offsets_minutes=[60]))
    return sam, starts


def deliveries(db) -> list[ReminderDelivery]:
    with db.session() as session:
        return list(session.execute(select(ReminderDelivery)).scalars())


def test_a_reminder_is_due_at_its_offset_and_claimed_exactly_once(db, session_soon):
    sam, starts = session_soon
    service = ReminderService(db, [1440, 60], GRACE)
    due = starts - timedelta(minutes=60)
    assert service.claim_due(now=due - timedelta(minutes=1)) == []
    [reminder] = service.claim_due(now=due + timedelta(seconds=5))
    assert reminder.telegram_user_id == 1001 and not reminder.late
    assert service.claim_due(now=due + timedelta(seconds=10)) == []
    service.mark(reminder.delivery_id, sent=True)
    assert [(d.status, d.offset_minutes) for d in deliveries(db)] == [("sent", 60)]


def test_after_downtime_within_the_grace_window_it_is_sent_late_once(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    back_up = starts - timedelta(minutes=60) + timedelta(minutes=20)
    [reminder] = service.claim_due(now=back_up)
    assert reminder.late
    assert service.claim_due(now=back_up + timedelta(minutes=1)) == []


def test_after_the_grace_window_it_is_skipped_and_recorded(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    assert service.claim_due(now=starts - timedelta(minutes=60) + timedelta(minutes=45)) == []
    assert [d.status for d in deliveries(db)] == ["skipped"]


def test_people_who_stopped_reminders_get_none(db, session_soon):
    sam, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    service.set_opt_out(sam.id, True)
    assert service.claim_due(now=starts - timedelta(minutes=59)) == []


def test_two_processes_claiming_at_once_send_each_reminder_once(db, session_soon):
    _, starts = session_soon
    now = starts - timedelta(minutes=59)
    barrier = threading.Barrier(2)
    claimed = []

    def worker():
        service = ReminderService(db, [60], GRACE)
        barrier.wait()
        claimed.extend(service.claim_due(now=now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 1
    assert len(deliveries(db)) == 1
