"""Reminders, on SQLite and PostgreSQL: exactly once, late within the grace window
after downtime, skipped (and recorded) after it, never to people who opted out."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services.people import PeopleService
from bot.services.reminders import OPTED_OUT, STARTED, DueReminder, ReminderService
from bot.services.series import SeriesService
from bot.storage.models import Group, ReminderDelivery
from conftest import session_soon as start_soon

GRACE = timedelta(minutes=30)


@pytest.fixture
def session_soon(db):
    """A one-off session two hours from now (to the minute), with one member, reminded an hour before."""
    with db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    people = PeopleService(db, [], timedelta(hours=1))
    sam = people.consent(1001, "uk", "Europe/London")
    people.join_group(sam.id, "walk")
    occurrence = start_soon(db, "walk", "walk", 120, reminder_offsets_minutes=[60])
    return sam, occurrence.starts_at


def deliveries(db) -> list[ReminderDelivery]:
    with db.session() as session:
        return list(session.execute(select(ReminderDelivery)).scalars())


def claim_due(service: ReminderService, now) -> list[DueReminder]:
    """What a sender would get now: everything due is queued, then taken one by one."""
    service.queue_due(now)
    taken = []
    while (reminder := service.take_next(now)) is not None:
        taken.append(reminder)
    return taken


def test_a_reminder_is_due_at_its_offset_and_claimed_exactly_once(db, session_soon):
    sam, starts = session_soon
    service = ReminderService(db, [1440, 60], GRACE)
    due = starts - timedelta(minutes=60)
    assert claim_due(service, due - timedelta(minutes=1)) == []
    [reminder] = claim_due(service, due + timedelta(seconds=5))
    assert reminder.telegram_user_id == 1001 and not reminder.late
    assert claim_due(service, due + timedelta(seconds=10)) == []
    service.mark(reminder.delivery_id, sent=True)
    assert [(d.status, d.offset_minutes) for d in deliveries(db)] == [("sent", 60)]


def test_after_downtime_within_the_grace_window_it_is_sent_late_once(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    back_up = starts - timedelta(minutes=60) + timedelta(minutes=20)
    [reminder] = claim_due(service, back_up)
    assert reminder.late
    assert claim_due(service, back_up + timedelta(minutes=1)) == []


def test_after_the_grace_window_it_is_skipped_and_recorded(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    assert claim_due(service, starts - timedelta(minutes=60) + timedelta(minutes=45)) == []
    assert [d.status for d in deliveries(db)] == ["skipped"]


def test_a_queued_reminder_that_waited_past_the_grace_window_is_skipped_not_sent(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    due = starts - timedelta(minutes=60)
    assert service.queue_due(due + timedelta(seconds=1)) == 1
    assert service.take_next(due + timedelta(minutes=31)) is None
    assert [d.status for d in deliveries(db)] == ["skipped"]


def test_a_reminder_for_a_session_cancelled_while_queued_is_skipped(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    due = starts - timedelta(minutes=60)
    service.queue_due(due + timedelta(seconds=1))
    SeriesService(db, ["walking"]).cancel_series("walk")
    assert service.take_next(due + timedelta(seconds=2)) is None
    assert [d.status for d in deliveries(db)] == ["skipped"]


def test_people_who_stopped_reminders_get_none(db, session_soon):
    sam, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    service.set_opt_out(sam.id, True)
    assert claim_due(service, starts - timedelta(minutes=59)) == []


def test_resume_does_not_send_at_once_a_reminder_that_fell_due_while_they_had_reminders_off(db, session_soon):
    sam, starts = session_soon
    service = ReminderService(db, [60], GRACE)
    due = starts - timedelta(minutes=60)
    service.set_opt_out(sam.id, True)
    assert claim_due(service, due + timedelta(minutes=1)) == []
    service.set_opt_out(sam.id, False)  # /resume
    assert claim_due(service, due + timedelta(minutes=2)) == []
    assert [(d.status, d.error) for d in deliveries(db)] == [("skipped", OPTED_OUT)]


def test_a_reminder_queued_before_a_crash_is_not_sent_once_its_session_has_started(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], timedelta(hours=3))  # a grace window longer than the wait
    assert service.queue_due(starts - timedelta(minutes=59)) == 1
    assert service.take_next(starts + timedelta(minutes=1)) is None, "no 'Are you coming?' after the start"
    assert [d.status for d in deliveries(db)] == ["skipped"]


def test_a_reminder_never_queued_before_its_session_started_is_recorded_as_skipped(db, session_soon):
    _, starts = session_soon
    service = ReminderService(db, [60], timedelta(hours=3))
    assert claim_due(service, starts + timedelta(minutes=5)) == []
    assert [(d.status, d.error) for d in deliveries(db)] == [("skipped", STARTED)]


def test_two_processes_claiming_at_once_send_each_reminder_once(db, session_soon):
    _, starts = session_soon
    now = starts - timedelta(minutes=59)
    barrier = threading.Barrier(2)
    claimed = []

    def worker():
        service = ReminderService(db, [60], GRACE)
        barrier.wait()
        claimed.extend(claim_due(service, now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 1
    assert len(deliveries(db)) == 1
