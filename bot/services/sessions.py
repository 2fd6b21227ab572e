"""Upcoming sessions of a person's groups, and their RSVPs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Group, Membership, Occurrence, Rsvp, SessionSeries
from bot.storage.types import utcnow


@dataclass(frozen=True)
class UpcomingSession:
    occurrence_id: int
    name: str
    group: str
    starts_at: datetime
    timezone: str
    location: Optional[str]
    online_link: Optional[str]
    rsvp: Optional[str]


class SessionService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def upcoming_for(self, person_id: int, limit: int = 5,
                     occurrence_id: Optional[int] = None) -> list[UpcomingSession]:
        """Scheduled sessions of the person's groups, soonest first (optionally just one of them)."""
        only = [Occurrence.id == occurrence_id] if occurrence_id is not None else []
        with self.db.session() as session:
            rows = session.execute(
                select(Occurrence, SessionSeries, Group, Rsvp.status)
                .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                .join(Group, SessionSeries.group_id == Group.id)
                .join(Membership, (Membership.group_id == Group.id) & (Membership.person_id == person_id))
                .outerjoin(Rsvp, (Rsvp.occurrence_id == Occurrence.id) & (Rsvp.person_id == person_id))
                .where(Occurrence.starts_at > utcnow(), Occurrence.status == "scheduled",
                       Membership.left_at.is_(None), SessionSeries.cancelled_at.is_(None), *only)
                .order_by(Occurrence.starts_at).limit(limit)
            ).all()
        return [
            UpcomingSession(o.id, s.name, g.title, o.starts_at, s.timezone, s.location, s.online_link, status)
            for o, s, g, status in rows
        ]

    def rsvp(self, person_id: int, occurrence_id: int, answer: str) -> Optional[UpcomingSession]:
        """Record an RSVP to an upcoming session of one of the person's groups; None (and
        nothing recorded) for any other occurrence, e.g. a stale or made-up button."""
        found = self.upcoming_for(person_id, limit=1, occurrence_id=occurrence_id)
        if not found:
            return None
        with self.db.session() as session, session.begin():
            existing = session.execute(
                select(Rsvp).where(Rsvp.person_id == person_id, Rsvp.occurrence_id == occurrence_id)
            ).scalar_one_or_none()
            if existing is None:
                session.add(Rsvp(person_id=person_id, occurrence_id=occurrence_id, status=answer))
            else:
                existing.status = answer
                existing.responded_at = utcnow()
        return found[0]
