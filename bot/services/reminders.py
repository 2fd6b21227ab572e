"""Session reminders, exactly once per person, occurrence and offset.

The database is the source of truth. A reminder is claimed by inserting its
delivery row (unique on occurrence, person and offset) before anything is
sent, so two processes, or a restart mid-send, can never send it twice. After
downtime, reminders due within the grace window are sent late; older ones are
recorded as skipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from bot.storage.models import Group, Membership, Occurrence, Person, ReminderDelivery, SessionSeries
from bot.storage.types import utcnow


@dataclass(frozen=True)
class DueReminder:
    delivery_id: int
    telegram_user_id: int
    occurrence_id: int
    series_name: str
    group_title: str
    starts_at: datetime
    timezone: str
    location: Optional[str]
    late: bool


class ReminderService:
    def __init__(self, db: Database, default_offsets_minutes: list[int], grace: timedelta) -> None:
        self.db = db
        self.default_offsets = default_offsets_minutes
        self.grace = grace

    def _candidates(self, session, now: datetime):
        """(occurrence, series, group, person, offset, due_at) whose time has come, not yet recorded."""
        horizon = now + timedelta(minutes=max(self.default_offsets + [0]) + 7 * 24 * 60)
        rows = session.execute(
            select(Occurrence, SessionSeries, Group, Person)
            .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
            .join(Group, SessionSeries.group_id == Group.id)
            .join(Membership, (Membership.group_id == Group.id) & Membership.left_at.is_(None))
            .join(Person, Person.id == Membership.person_id)
            .where(Occurrence.status == "scheduled", Occurrence.starts_at > now, Occurrence.starts_at <= horizon,
                   SessionSeries.cancelled_at.is_(None), Person.consented_at.is_not(None),
                   Person.telegram_user_id.is_not(None), Person.reminders_opt_out.is_(False))
        ).all()
        done = {(d.occurrence_id, d.person_id, d.offset_minutes) for d in session.execute(
            select(ReminderDelivery).where(ReminderDelivery.occurrence_id.in_({o.id for o, *_ in rows} or {0}))
        ).scalars()}
        for occurrence, series, group, person in rows:
            for offset in series.reminder_offsets_minutes or self.default_offsets:
                due_at = occurrence.starts_at - timedelta(minutes=offset)
                if due_at <= now and (occurrence.id, person.id, offset) not in done:
                    yield occurrence, series, group, person, offset, due_at

    def claim_due(self, now: Optional[datetime] = None) -> list[DueReminder]:
        """Record every reminder whose time has come: to send (within grace) or skipped (too late).

        Returns the ones this process won and must send now.
        """
        now = now or utcnow()
        with self.db.session() as session:
            candidates = list(self._candidates(session, now))
        won = []
        for occurrence, series, group, person, offset, due_at in candidates:
            late = now - due_at
            status = "pending" if late <= self.grace else "skipped"
            try:
                with self.db.session() as session, session.begin():
                    delivery = ReminderDelivery(occurrence_id=occurrence.id, person_id=person.id,
                                                offset_minutes=offset, due_at=due_at, status=status,
                                                attempted_at=now)
                    session.add(delivery)
                    session.flush()
            except IntegrityError:
                continue  # another process claimed it first
            if status == "pending":
                won.append(DueReminder(delivery.id, person.telegram_user_id, occurrence.id, series.name, group.title,
                                       occurrence.starts_at, series.timezone, series.location,
                                       late > timedelta(minutes=1)))
        return won

    def mark(self, delivery_id: int, sent: bool, error: Optional[str] = None) -> None:
        with self.db.session() as session, session.begin():
            delivery = session.get(ReminderDelivery, delivery_id)
            delivery.status = "sent" if sent else "failed"
            delivery.sent_at = utcnow() if sent else None
            delivery.error = error

    def set_opt_out(self, person_id: int, opted_out: bool) -> None:
        with self.db.session() as session, session.begin():
            session.get(Person, person_id).reminders_opt_out = opted_out
