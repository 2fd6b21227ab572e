"""Session reminders, exactly once per person, occurrence and offset.

The database is the source of truth. When a reminder falls due, its delivery
row (unique on occurrence, person and offset) is written first, as queued;
the sender then claims queued rows one at a time (pending -> sending, a
conditional update), so two processes, or a restart mid-send, can never send
one twice. A crash between claiming and sending leaves the row "sending": it
is not retried, because it may have gone out. After downtime, reminders due
within the grace window are sent late; older ones are recorded as skipped. No
reminder is sent once its session has started, and every reminder that is not
sent is recorded as skipped with the reason: too late, the session had started,
or the person had turned reminders off (so /resume does not send at once one
that fell due while they were opted out).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.sessions import SessionView, view_of
from bot.storage.db import Database
from bot.storage.models import Group, Membership, Occurrence, Person, ReminderDelivery, SessionSeries
from bot.storage.outbox import claim_row, insert_new, mark_row
from bot.storage.types import utcnow


@dataclass(frozen=True)
class DueReminder:
    delivery_id: int
    telegram_user_id: int
    session: SessionView
    late: bool
    language: Optional[str] = None  # the recipient's, for the words


# Sessions that started this recently still get their unrecorded reminders recorded
# (as skipped): a reminder job that was down when they started leaves no gap.
LOOKBACK = timedelta(days=2)
TOO_LATE, STARTED, OPTED_OUT, ON_A_BREAK = ("too late", "the session had started", "reminders turned off",
                                           "on a break")


class ReminderService:
    def __init__(self, db: Database, default_offsets_minutes: list[int], grace: timedelta) -> None:
        self.db = db
        self.default_offsets = default_offsets_minutes
        self.grace = grace

    def _candidates(self, session: Session,
                    now: datetime) -> Iterator[tuple[int, int, int, datetime, Optional[str]]]:
        """(occurrence id, person id, offset, due_at, why not to send or None) whose time has
        come, not yet recorded, for everyone who was a member when the session started. Only
        the columns needed are read: a fan-out may cover thousands of people."""
        horizon = now + timedelta(minutes=max(self.default_offsets + [0]) + 7 * 24 * 60)
        rows = session.execute(
            select(Occurrence.id, Occurrence.starts_at, SessionSeries.reminder_offsets_minutes, Person.id,
                   Person.reminders_opt_out, Person.break_until)
            .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
            .join(Membership, (Membership.group_id == SessionSeries.group_id) & Membership.left_at.is_(None)
                  & (Membership.joined_at < Occurrence.starts_at))
            .join(Person, Person.id == Membership.person_id)
            .where(Occurrence.status == "scheduled", Occurrence.starts_at > now - LOOKBACK,
                   Occurrence.starts_at <= horizon, SessionSeries.cancelled_at.is_(None),
                   Person.consented_at.is_not(None), Person.telegram_user_id.is_not(None))
        ).all()
        done = set(session.execute(
            select(ReminderDelivery.occurrence_id, ReminderDelivery.person_id, ReminderDelivery.offset_minutes)
            .where(ReminderDelivery.occurrence_id.in_({row[0] for row in rows} or {0}))).all())
        for occurrence_id, starts_at, offsets, person_id, opted_out, break_until in rows:
            for offset in offsets or self.default_offsets:
                due_at = starts_at - timedelta(minutes=offset)
                if due_at <= now and (occurrence_id, person_id, offset) not in done:
                    yield occurrence_id, person_id, offset, due_at, self._not_sent_because(
                        now, due_at, starts_at, opted_out, break_until)

    def _not_sent_because(self, now: datetime, due_at: datetime, starts_at: datetime,
                          opted_out: bool, break_until: Optional[datetime]) -> Optional[str]:
        if opted_out:
            return OPTED_OUT
        if break_until is not None and break_until > due_at:
            return ON_A_BREAK
        if now >= starts_at:
            return STARTED
        return TOO_LATE if now - due_at > self.grace else None

    def queue_due(self, now: Optional[datetime] = None) -> int:
        """Record every reminder whose time has come, once: queued to send, or skipped with
        the reason. Rows that exist already, from this or another process, are left alone,
        so running this twice or in two processes queues nothing twice. Returns how many
        were queued."""
        now = now or utcnow()
        with self.db.session() as session, session.begin():
            rows = [{"occurrence_id": occurrence_id, "person_id": person_id, "offset_minutes": offset,
                     "due_at": due_at, "status": "skipped" if reason else "pending", "error": reason,
                     "attempted_at": now}
                    for occurrence_id, person_id, offset, due_at, reason in self._candidates(session, now)]
            insert_new(session, ReminderDelivery, rows)
        return sum(row["status"] == "pending" for row in rows)

    def take_next(self, now: Optional[datetime] = None) -> Optional[DueReminder]:
        """The oldest queued reminder, claimed for sending by this process (pending -> sending);
        one that waited past the grace window is skipped instead. None when nothing is queued."""
        while True:
            now = now or utcnow()
            with self.db.session() as session:
                row = session.execute(
                    select(ReminderDelivery, Occurrence, SessionSeries, Group, Person)
                    .join(Occurrence, ReminderDelivery.occurrence_id == Occurrence.id)
                    .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                    .join(Group, SessionSeries.group_id == Group.id)
                    .join(Person, ReminderDelivery.person_id == Person.id)
                    .where(ReminderDelivery.status == "pending")
                    .order_by(ReminderDelivery.due_at, ReminderDelivery.id).limit(1)  # uses the (status, due_at) index
                ).first()
            if row is None:
                return None
            delivery, occurrence, series, group, person = row
            usable = (now - delivery.due_at <= self.grace and occurrence.status == "scheduled"
                      and now < occurrence.starts_at)  # queued before a crash, the session began since
            if not claim_row(self.db, ReminderDelivery, delivery.id, "sending" if usable else "skipped"):
                continue  # another process took it
            if usable:
                return DueReminder(delivery.id, person.telegram_user_id, view_of(occurrence, series, group.title),
                                   now - delivery.due_at > timedelta(minutes=1), person.language)

    def mark(self, delivery_id: int, sent: bool, error: Optional[str] = None) -> None:
        mark_row(self.db, ReminderDelivery, delivery_id, sent, error)

    def set_opt_out(self, person_id: int, opted_out: bool) -> None:
        with self.db.session() as session, session.begin():
            session.get(Person, person_id).reminders_opt_out = opted_out
