"""Messages owed to people about a session: cancelled, changed, or a place freed for them.

A notice is written in the same transaction as the change that causes it,
whoever makes the change (CLI, config import, Telegram), and sent afterwards
by the bot, once (see ``bot.storage.outbox``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.sessions import SessionView, view_of
from bot.storage.db import Database
from bot.storage.models import Group, Occurrence, Person, Rsvp, SessionNotice, SessionSeries
from bot.storage.outbox import claim_row, mark_row

# Who hears about a cancellation or change: everyone who might turn up.
TOLD_OF_CHANGES = ("yes", "maybe", "waitlist")


@dataclass(frozen=True)
class PendingNotice:
    notice_id: int
    kind: str
    telegram_user_id: int
    session: SessionView
    change_note: Optional[str]
    language: Optional[str] = None  # the recipient's, for the words


def owe_notices(session: Session, occurrences: Iterable[Occurrence], kind: str) -> int:
    """Queue a notice of ``kind`` for everyone who said yes, maybe or joined the waiting list."""
    count = 0
    for occurrence in occurrences:
        people = session.execute(select(Rsvp.person_id).where(
            Rsvp.occurrence_id == occurrence.id, Rsvp.status.in_(TOLD_OF_CHANGES))).scalars().all()
        session.add_all(SessionNotice(occurrence_id=occurrence.id, person_id=person_id, kind=kind)
                        for person_id in people)
        count += len(people)
    return count


class NoticeService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def take_next(self) -> Optional[PendingNotice]:
        """The oldest unsent notice, claimed by this process (pending -> sending); None if none."""
        while True:
            with self.db.session() as session:
                row = session.execute(
                    select(SessionNotice, Occurrence, SessionSeries, Person, Group.title)
                    .join(Occurrence, SessionNotice.occurrence_id == Occurrence.id)
                    .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                    .join(Person, SessionNotice.person_id == Person.id)
                    .outerjoin(Group, SessionSeries.group_id == Group.id)
                    .where(SessionNotice.status == "pending")
                    .order_by(SessionNotice.created_at, SessionNotice.id).limit(1)  # the (status, created_at) index
                ).first()
            if row is None:
                return None
            notice, occurrence, series, person, group_title = row
            reachable = person.telegram_user_id is not None
            if not claim_row(self.db, SessionNotice, notice.id, "sending" if reachable else "skipped"):
                continue
            if reachable:
                return PendingNotice(notice.id, notice.kind, person.telegram_user_id,
                                     view_of(occurrence, series, group_title), occurrence.change_note, person.language)

    def mark(self, notice_id: int, sent: bool, error: Optional[str] = None) -> None:
        mark_row(self.db, SessionNotice, notice_id, sent, error)
