"""Facilitation of a session in its group chat: check-in and check-out rounds,
the summary for facilitators, attendance.

Each member answers a round with a mood (1-5) or a pass; answers are private
to the facilitators unless the member shares theirs. When the session is
wrapped up (a facilitator finishes it, or the round time runs out) the
facilitators get a summary: who came, aggregate moods, and who might welcome
a follow-up (scored 2 or less, or passed both rounds), for whom a low-priority
follow-up task is created for the PSW team.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.i18n import N_, say
from bot.services.escalations import EscalationService, name_of
from bot.services.roles import COORDINATOR
from bot.storage.db import Database
from bot.storage.models import (
    Attendance,
    CheckIn,
    Group,
    Membership,
    Occurrence,
    Person,
    PersonRole,
    Round,
    Rsvp,
    SeriesFacilitator,
    SessionSeries,
)
from bot.storage.types import utcnow

EARLY_START = timedelta(minutes=30)  # a facilitator may open the session this long before its start
LOW_SCORE = 2
SOURCES = {"in": "round_in", "out": "round_out"}
WRAP_UP_WINDOW = timedelta(days=1)  # after a long outage, older sessions are not wrapped up late


@dataclass(frozen=True)
class LiveSession:
    occurrence_id: int
    name: str
    agenda: Optional[str]
    group_id: int
    chat_id: int
    starts_at: datetime
    timezone: str


@dataclass(frozen=True)
class RoundStats:
    answered: int = 0
    passed: int = 0
    mean: Optional[float] = None

    def describe(self) -> str:
        if not self.answered and not self.passed:
            return "nobody answered"
        mood = f"average mood {self.mean:.1f}/5" if self.mean is not None else "no moods given"
        return f"{self.answered} answered, {self.passed} passed; {mood}"


@dataclass(frozen=True)
class Summary:
    occurrence_id: int
    name: str
    group: str
    starts_at: datetime
    timezone: str
    came: list[str]
    check_in: RoundStats
    check_out: RoundStats
    shared: int
    follow_ups: list[tuple[str, str]]  # (name, why)
    facilitators: list[int]  # their Telegram ids
    register: list[tuple[int, str, bool]] = field(default_factory=list)  # (person id, name, present)


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str
    checkin: Optional[CheckIn] = None


def round_stats(answers: list[CheckIn]) -> RoundStats:
    moods = [c.mood for c in answers if c.mood is not None]
    return RoundStats(len(moods), sum(c.passed for c in answers), statistics.fmean(moods) if moods else None)


class FacilitationService:
    def __init__(self, db: Database, escalations: EscalationService, round_time: timedelta) -> None:
        self.db = db
        self.escalations = escalations
        self.round_time = round_time

    def live_in_chat(self, chat_id: int, now: Optional[datetime] = None) -> Optional[LiveSession]:
        """The session of this group chat that is on now (or about to start)."""
        now = now or utcnow()
        with self.db.session() as session:
            row = session.execute(
                select(Occurrence, SessionSeries, Group)
                .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                .join(Group, SessionSeries.group_id == Group.id)
                .where(Group.telegram_chat_id == chat_id, Occurrence.status == "scheduled",
                       Occurrence.wrapped_up_at.is_(None), Occurrence.starts_at <= now + EARLY_START,
                       Occurrence.ends_at >= now - self.round_time)
                .order_by(Occurrence.starts_at)
            ).first()
        if row is None:
            return None
        occurrence, series, group = row
        return LiveSession(occurrence.id, series.name, series.agenda, group.id, chat_id, occurrence.starts_at,
                           series.timezone)

    def may_facilitate(self, person_id: int, occurrence_id: int) -> bool:
        """The series' facilitators, and coordinators, run its sessions."""
        with self.db.session() as session:
            series_id = session.get(Occurrence, occurrence_id).series_id
            facilitator = session.get(SeriesFacilitator, (series_id, person_id)) is not None
            coordinator = session.get(PersonRole, (person_id, COORDINATOR)) is not None
        return facilitator or coordinator

    def open_round(self, occurrence_id: int, kind: str, chat_id: int, by: Optional[int]) -> Optional[Round]:
        """Start a round (once per session and kind; None if it was already started).
        Opening the check-out closes the check-in."""
        with self.db.session() as session, session.begin():
            existing = session.execute(select(Round).where(Round.occurrence_id == occurrence_id,
                                                           Round.kind == kind)).scalar_one_or_none()
            if existing is not None:
                return None
            if kind == "out":
                self._close_rounds(session, occurrence_id)
            started = Round(occurrence_id=occurrence_id, kind=kind, chat_id=chat_id, started_by_id=by)
            session.add(started)
            session.flush()
            return started

    @staticmethod
    def _close_rounds(session: Session, occurrence_id: int) -> None:
        session.execute(update(Round).where(Round.occurrence_id == occurrence_id, Round.closed_at.is_(None))
                        .values(closed_at=utcnow()).execution_options(synchronize_session=False))

    def answer(self, round_id: int, person_id: int, mood: Optional[int], chat_id: int,
               language: Optional[str] = None) -> Answer:
        """Record (or change) a member's answer to an open round; ``None`` is a pass. Only
        from the group chat the round runs in: a button copied elsewhere, or forged, with
        another round's id changes nothing."""
        if mood is not None and not 1 <= mood <= 5:
            return Answer(False, say(language, N_("That isn't one of the choices. Nothing has been changed.")))
        with self.db.session() as session, session.begin():
            found = session.execute(select(Round, Occurrence, SessionSeries, Group.telegram_chat_id)
                                    .join(Occurrence, Round.occurrence_id == Occurrence.id)
                                    .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                                    .join(Group, SessionSeries.group_id == Group.id)
                                    .where(Round.id == round_id)).first()
            if found is not None and found[3] != chat_id:
                return Answer(False, say(language, N_("That round belongs to another group. Nothing has been changed.")))
            if found is None or found[0].closed_at is not None or found[1].wrapped_up_at is not None:
                return Answer(False, say(language, N_("This round has closed. Thanks all the same.")))
            round_, occurrence, series, _ = found
            checkin = self._answer_of(session, occurrence.id, person_id, round_.kind)
            if checkin is None:
                checkin = CheckIn(person_id=person_id, group_id=series.group_id, occurrence_id=occurrence.id,
                                  source=SOURCES[round_.kind])
                session.add(checkin)
            checkin.mood, checkin.passed = mood, mood is None
            session.flush()
        said = say(language, N_("a pass")) if mood is None else f"{mood}/5"
        return Answer(True, say(language, N_("Noted: {answer}. Only the session's facilitators see it, unless you "
                                             "press \"Share mine\"."), answer=said), checkin)

    @staticmethod
    def _answer_of(session: Session, occurrence_id: int, person_id: int, kind: str) -> Optional[CheckIn]:
        answer: Optional[CheckIn] = session.execute(select(CheckIn).where(
            CheckIn.occurrence_id == occurrence_id, CheckIn.person_id == person_id,
            CheckIn.source == SOURCES[kind])).scalar_one_or_none()
        return answer

    def open_round_for(self, person_id: int) -> Optional[tuple[int, int]]:
        """(round id, its group chat) of the latest open round in one of the person's groups:
        where a round answer typed to the bot in private belongs."""
        with self.db.session() as session:
            found = session.execute(
                select(Round.id, Round.chat_id)
                .join(Occurrence, Round.occurrence_id == Occurrence.id)
                .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                .join(Membership, (Membership.group_id == SessionSeries.group_id)
                      & (Membership.person_id == person_id) & Membership.left_at.is_(None))
                .where(Round.closed_at.is_(None), Occurrence.wrapped_up_at.is_(None))
                .order_by(Round.started_at.desc())).first()
            return (int(found[0]), int(found[1])) if found is not None else None

    def share(self, round_id: int, person_id: int) -> Optional[CheckIn]:
        """The member chose to show the group their answer to this round (None if they gave none)."""
        with self.db.session() as session, session.begin():
            round_ = session.get(Round, round_id)
            checkin = self._answer_of(session, round_.occurrence_id, person_id, round_.kind) if round_ else None
            if checkin is None or checkin.passed:
                return None
            checkin.shared = True
            return checkin

    def wrap_up(self, occurrence_id: int) -> Optional[Summary]:
        """Close the session once (None if it was already wrapped up): rounds closed, attendance
        recorded for everyone who answered a round, follow-ups created, the summary returned."""
        with self.db.session() as session, session.begin():
            won = session.execute(
                update(Occurrence).where(Occurrence.id == occurrence_id, Occurrence.wrapped_up_at.is_(None))
                .values(wrapped_up_at=utcnow(), status="completed").execution_options(synchronize_session=False)
            ).rowcount == 1
            if not won:
                return None
            self._close_rounds(session, occurrence_id)
            answers = session.execute(select(CheckIn).where(CheckIn.occurrence_id == occurrence_id,
                                                            CheckIn.source.in_(SOURCES.values()))).scalars().all()
            for person_id in {c.person_id for c in answers}:
                if session.get(Attendance, (occurrence_id, person_id)) is None:
                    session.add(Attendance(occurrence_id=occurrence_id, person_id=person_id, present=True))
        follow_ups = self._follow_ups(answers)
        for person_id, why in follow_ups:
            self.escalations.create(person_id, "low", "session_followup", reasons=[why])
        return self.summary(occurrence_id, follow_ups)

    @staticmethod
    def _follow_ups(answers: list[CheckIn]) -> list[tuple[int, str]]:
        """Who might welcome a word from a PSW: a low score, or a pass in both rounds."""
        by_person: dict[int, list[CheckIn]] = {}
        for checkin in answers:
            by_person.setdefault(checkin.person_id, []).append(checkin)
        found = []
        for person_id, mine in sorted(by_person.items()):
            low = [c.mood for c in mine if c.mood is not None and c.mood <= LOW_SCORE]
            if low:
                found.append((person_id, f"scored {min(low)}/5 in a session round"))
            elif len(mine) == 2 and all(c.passed for c in mine):
                found.append((person_id, "passed both rounds of a session"))
        return found

    def summary(self, occurrence_id: int, follow_ups: Sequence[tuple[int, str]] = ()) -> Summary:
        with self.db.session() as session:
            occurrence, series, group = session.execute(
                select(Occurrence, SessionSeries, Group).join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                .join(Group, SessionSeries.group_id == Group.id).where(Occurrence.id == occurrence_id)).one()
            answers = session.execute(select(CheckIn).where(CheckIn.occurrence_id == occurrence_id)).scalars().all()
            facilitators = session.execute(
                select(Person.telegram_user_id).join(SeriesFacilitator, SeriesFacilitator.person_id == Person.id)
                .where(SeriesFacilitator.series_id == series.id, Person.telegram_user_id.is_not(None))).scalars().all()
            register = self._register(session, occurrence_id)
            names = {p.id: name_of(p) for p in session.execute(
                select(Person).where(Person.id.in_([p for p, _ in follow_ups] or [0]))).scalars()}
        return Summary(
            occurrence_id, series.name, group.title, occurrence.starts_at, series.timezone,
            came=[name for _, name, present in register if present],
            check_in=round_stats([c for c in answers if c.source == "round_in"]),
            check_out=round_stats([c for c in answers if c.source == "round_out"]),
            shared=sum(c.shared for c in answers),
            follow_ups=[(names[p], why) for p, why in follow_ups],
            facilitators=list(facilitators), register=register)

    @staticmethod
    def _register(session: Session, occurrence_id: int) -> list[tuple[int, str, bool]]:
        """Everyone who might have come (said yes or maybe, or answered a round), with attendance."""
        marked = dict(session.execute(select(Attendance.person_id, Attendance.present)
                                      .where(Attendance.occurrence_id == occurrence_id)).all())
        expected = set(session.execute(select(Rsvp.person_id).where(
            Rsvp.occurrence_id == occurrence_id, Rsvp.status.in_(("yes", "maybe"))
        )).scalars()) | set(marked)
        people = session.execute(select(Person).where(Person.id.in_(expected or {0}))).scalars().all()
        return sorted(((p.id, name_of(p), bool(marked.get(p.id))) for p in people), key=lambda row: row[1])

    def toggle_attendance(self, occurrence_id: int, person_id: int, by: int) -> bool:
        """Facilitators mark who came after the session; returns whether they're now marked present."""
        with self.db.session() as session, session.begin():
            row = session.get(Attendance, (occurrence_id, person_id))
            if row is None:
                row = Attendance(occurrence_id=occurrence_id, person_id=person_id, present=False)
                session.add(row)
            row.present = not row.present
            row.marked_by_id = by
            row.marked_at = utcnow()
            return row.present

    def register(self, occurrence_id: int) -> list[tuple[int, str, bool]]:
        with self.db.session() as session:
            return self._register(session, occurrence_id)

    def due_rounds(self, now: Optional[datetime] = None) -> list[tuple[int, int, str]]:
        """(occurrence id, chat id, kind) for self-running series: the check-in at the start,
        the check-out at the end, when not started by a facilitator already."""
        now = now or utcnow()
        with self.db.session() as session:
            rows = session.execute(
                select(Occurrence, Group.telegram_chat_id)
                .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                .join(Group, SessionSeries.group_id == Group.id)
                .where(SessionSeries.auto_facilitate.is_(True), Occurrence.status == "scheduled",
                       Occurrence.wrapped_up_at.is_(None), Occurrence.starts_at <= now,
                       Occurrence.ends_at > now - self.round_time, Group.telegram_chat_id.is_not(None))
            ).all()
            started = {(r.occurrence_id, r.kind) for r in session.execute(
                select(Round).where(Round.occurrence_id.in_([o.id for o, _ in rows] or [0]))).scalars()}
        due = []
        for occurrence, chat_id in rows:
            kind = "out" if now >= occurrence.ends_at else "in"
            if (occurrence.id, kind) not in started:
                due.append((occurrence.id, chat_id, kind))
        return due

    def due_wrap_ups(self, now: Optional[datetime] = None) -> list[int]:
        """Sessions to wrap up: the round time has passed since the end (or since the check-out
        was opened, if later). Sessions that ended over a day ago are left alone."""
        now = now or utcnow()
        with self.db.session() as session:
            rows = session.execute(
                select(Occurrence, Round.started_at)
                .outerjoin(Round, (Round.occurrence_id == Occurrence.id) & (Round.kind == "out"))
                .where(Occurrence.status == "scheduled", Occurrence.wrapped_up_at.is_(None),
                       Occurrence.ends_at <= now - self.round_time, Occurrence.ends_at > now - WRAP_UP_WINDOW)
            ).all()
        return [o.id for o, out_started in rows
                if out_started is None or out_started + self.round_time <= now]
