"""Upcoming sessions of a person's groups, and their RSVPs; and ``SessionView``, the one
shape in which a session is shown to a person (by /next, a reminder or a notice)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.models import Group, Membership, Occurrence, Rsvp, SessionNotice, SessionSeries
from bot.storage.types import utcnow


@dataclass(frozen=True)
class SessionView:
    """One dated session as a person sees it: built by ``view_of`` from the rows, worded by
    ``wording.describe_session``, so every message about a session says the same things."""

    occurrence_id: int
    name: str
    group: str
    starts_at: datetime
    timezone: str
    location: Optional[str]
    online_link: Optional[str]
    rsvp: Optional[str] = None  # the person's own answer, where it is shown


def view_of(occurrence: Occurrence, series: SessionSeries, group_title: Optional[str],
            rsvp: Optional[str] = None) -> SessionView:
    return SessionView(occurrence.id, series.name, group_title or "", occurrence.starts_at, series.timezone,
                       series.location, series.online_link, rsvp)


class SessionService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def upcoming_for(self, person_id: int, limit: int = 5,
                     occurrence_id: Optional[int] = None) -> list[SessionView]:
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
        return [view_of(o, s, g.title, status) for o, s, g, status in rows]

    def rsvp(self, person_id: int, occurrence_id: int, answer: str) -> Optional["RsvpOutcome"]:
        """Record an RSVP to an upcoming session of one of the person's groups; None (and
        nothing recorded) for any other occurrence, e.g. a stale or made-up button.

        With a capacity, a "yes" beyond it joins the waiting list (keeping its place if
        already there); a place freed by a "no" or "maybe" goes to the first waiting,
        who is owed a notice. The occurrence row is locked so two last-place "yes"es
        cannot both win.
        """
        found = self.upcoming_for(person_id, limit=1, occurrence_id=occurrence_id)
        if not found:
            return None
        with self.db.session() as session, session.begin():
            occurrence = session.execute(
                select(Occurrence).where(Occurrence.id == occurrence_id).with_for_update()).scalar_one()
            capacity = session.get(SessionSeries, occurrence.series_id).capacity
            existing = session.execute(
                select(Rsvp).where(Rsvp.person_id == person_id, Rsvp.occurrence_id == occurrence_id)
            ).scalar_one_or_none()
            previous = existing.status if existing is not None else None
            status = answer
            if answer == "yes" and previous != "yes" and capacity is not None:
                full = previous == "waitlist" or _going(session, occurrence_id) >= capacity \
                    or _waiting(session, occurrence_id)
                status = "waitlist" if full else "yes"
            if existing is None:
                session.add(Rsvp(person_id=person_id, occurrence_id=occurrence_id, status=status))
            elif status != previous:
                existing.status = status
                existing.responded_at = utcnow()
            session.flush()
            promoted = fill_places(session, occurrence, capacity)
            position = _position(session, occurrence_id, person_id) if status == "waitlist" else None
        return RsvpOutcome(found[0], status, position, tuple(promoted))


@dataclass(frozen=True)
class RsvpOutcome:
    session: SessionView
    status: str  # what was recorded: yes, no, maybe or waitlist
    waitlist_position: Optional[int]
    promoted: tuple[int, ...]  # people given a place that this answer freed


def _going(session: Session, occurrence_id: int) -> int:
    going: int = session.execute(select(func.count()).select_from(Rsvp).where(
        Rsvp.occurrence_id == occurrence_id, Rsvp.status == "yes")).scalar_one()
    return going


def _waiting(session: Session, occurrence_id: int) -> list[Rsvp]:
    """The waiting list, first come first served."""
    return list(session.execute(select(Rsvp).where(Rsvp.occurrence_id == occurrence_id, Rsvp.status == "waitlist")
                                .order_by(Rsvp.responded_at, Rsvp.id)).scalars())


def _position(session: Session, occurrence_id: int, person_id: int) -> int:
    return [r.person_id for r in _waiting(session, occurrence_id)].index(person_id) + 1


def fill_places(session: Session, occurrence: Occurrence, capacity: Optional[int]) -> list[int]:
    """Give free places to the first on the waiting list, queueing a notice for each."""
    waiting = _waiting(session, occurrence.id)
    free = len(waiting) if capacity is None else max(0, capacity - _going(session, occurrence.id))
    promoted = waiting[:free]
    for rsvp in promoted:
        rsvp.status = "yes"
        rsvp.responded_at = utcnow()
        session.add(SessionNotice(occurrence_id=occurrence.id, person_id=rsvp.person_id, kind="promoted"))
    return [rsvp.person_id for rsvp in promoted]
