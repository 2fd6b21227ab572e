"""Reports for coordinators: attendance, check-in trends, escalation timings, PSW
caseload and duty hours, with small cells suppressed.

The evidence base for peer support is thin, so services need figures; but the
people behind them are in small groups where a number like "2 came" or "mood
1.5 this week" can point at someone. So every figure about people passes one
rule, applied here and nowhere else (the text and the charts only show what
the ``Report`` holds):

- **Counts of people** (present at a session, said yes to it, distinct people
  checking in during a week) below ``small_cell`` are suppressed, zero
  included: the ``Report`` holds ``None``, the text shows ``<5`` and the charts
  leave the point out.
- **Figures derived from people** are suppressed when fewer than
  ``small_cell`` distinct people stand behind them: a series' total and mean
  attendance (distinct people who came to any of its sessions), a group's
  weekly check-ins and mean mood (distinct people who checked in / who gave a
  mood, passes excluded from the mean).
- **Secondary suppression**: a series' total and mean are also suppressed when
  any of its sessions is, since the total minus the sessions shown would give
  the hidden number back.
- **Escalations**: counts of cases are shown (they are cases, not a cell of
  people, and coordinators must see the workload), but a timing figure
  (median, p90) is suppressed when fewer than ``small_cell`` cases are behind
  it, because with two cases the "median" is one person's crisis.
- **PSW caseload** is not suppressed: it is about staff, by the name they
  chose, for coordinators.

Percentiles (the median is the 50th) are **nearest-rank**: the smallest value
with at least p% of the values at or below it, i.e. the ``ceil(p/100 * n)``-th
smallest. So the median of an even number of values is the lower middle one,
and every figure reported is a time some case actually took.

Periods are half-open, ``[start, end)``, with aware datetimes; weeks are the
7-day stretches counted from ``start``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Iterable, Optional, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Select

from bot.services.escalations import name_of, timings
from bot.services.roles import PSW
from bot.storage.db import Database
from bot.storage.models import (
    ESCALATION_PRIORITIES,
    PLAN_USE_KINDS,
    Attendance,
    AuditEntry,
    CheckIn,
    DutyPeriod,
    Escalation,
    Group,
    Occurrence,
    Person,
    PersonRole,
    Rsvp,
    SafetyPlanUse,
    SessionSeries,
)
from bot.storage.types import utcnow

WEEK = timedelta(days=7)
NO_GROUP = "Private check-ins (not in a group)"


# --- the report's shape -----------------------------------------------------------------------
# In every dataclass below, None in a figure means "suppressed" (see the module docstring).

@dataclass(frozen=True)
class OccurrenceAttendance:
    occurrence_id: int
    starts_at: datetime
    series_key: str
    present: Optional[int]
    said_yes: Optional[int]


@dataclass(frozen=True)
class SeriesAttendance:
    key: str
    name: str
    group: Optional[str]
    held: int  # sessions, not people: never suppressed
    total_present: Optional[int]
    mean_present: Optional[float]
    occurrences: tuple[OccurrenceAttendance, ...]


@dataclass(frozen=True)
class WeekTrend:
    week_start: datetime
    people: Optional[int]
    checkins: Optional[int]
    mean_mood: Optional[float]


@dataclass(frozen=True)
class GroupTrend:
    group_id: Optional[int]  # None: check-ins made privately, outside any group
    title: str
    weeks: tuple[WeekTrend, ...]


@dataclass(frozen=True)
class Timing:
    """Minutes from a case being raised to it being claimed (or closed)."""

    cases: int  # how many cases the figures are over
    median: Optional[float]
    p90: Optional[float]


@dataclass(frozen=True)
class PriorityEscalations:
    priority: str
    cases: int
    open_now: int  # of this period's cases, how many are not closed yet
    to_claim: Timing
    to_close: Timing


@dataclass(frozen=True)
class Caseload:
    name: str
    claimed: int
    closed: int
    held_now: int
    duty_hours: float


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    timezone: str  # for showing dates; the figures do not depend on it
    small_cell: int
    generated_at: datetime
    series: tuple[SeriesAttendance, ...]
    trends: tuple[GroupTrend, ...]
    escalations: tuple[PriorityEscalations, ...]
    caseload: tuple[Caseload, ...]
    # Times safety plans were made, changed, opened, offered and shown to a PSW (uses,
    # never contents), small counts suppressed: "made" is nearly a count of people.
    plan_uses: tuple[tuple[str, Optional[int]], ...] = ()


# --- small pure helpers -----------------------------------------------------------------------

def nearest_rank(values: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile (integer arithmetic, so 90% of 70 is exactly the 63rd)."""
    ordered = sorted(values)
    rank = max(1, (percent * len(ordered) + 99) // 100)
    return ordered[rank - 1]


def minutes_of(span: timedelta) -> float:
    return span.total_seconds() / 60


def shown(count: int, small_cell: int) -> Optional[int]:
    """A count of people, or None when it is a small cell."""
    return count if count >= small_cell else None


def timing(spans: Iterable[Optional[timedelta]], small_cell: int) -> Timing:
    """Median and p90 in minutes, over the cases that got that far; suppressed below small_cell."""
    values = [minutes_of(span) for span in spans if span is not None]
    if len(values) < small_cell:
        return Timing(len(values), None, None)
    return Timing(len(values), nearest_rank(values, 50), nearest_rank(values, 90))


def overlap_hours(begin: datetime, finish: datetime, start: datetime, end: datetime) -> float:
    """Hours of [begin, finish) that fall inside [start, end)."""
    span = min(finish, end) - max(begin, start)
    return max(span.total_seconds(), 0.0) / 3600


def series_key(series: SessionSeries) -> str:
    return series.key or f"series-{series.id}"


# --- building ---------------------------------------------------------------------------------

class ReportService:
    def __init__(self, db: Database, small_cell: int) -> None:
        self.db = db
        self.small_cell = small_cell

    def build(self, start: datetime, end: datetime, *, timezone: str = "UTC") -> Report:
        """Every figure for [start, end), small cells already suppressed; ``timezone`` only
        says how the text and charts show dates."""
        now = utcnow()
        with self.db.session() as session:
            return Report(start, end, timezone, self.small_cell, now,
                          self.attendance(session, start, end, now), self.trends(session, start, end),
                          self.escalations(session, start, end), self.caseload(session, start, end, now),
                          self.plan_uses(session, start, end))

    def plan_uses(self, session: Session, start: datetime, end: datetime) -> tuple[tuple[str, Optional[int]], ...]:
        counted = dict(session.execute(
            select(SafetyPlanUse.kind, func.count()).where(SafetyPlanUse.at >= start, SafetyPlanUse.at < end)
            .group_by(SafetyPlanUse.kind)).all())
        return tuple((kind, shown(int(counted.get(kind, 0)), self.small_cell)) for kind in PLAN_USE_KINDS)

    def record(self, report: Report, actor_id: Optional[int] = None) -> None:
        """Note in the audit log that a report left the database (who saw what)."""
        audit(self.db, "report.created", report.start, report.end, actor_id)

    # attendance ----------------------------------------------------------------------------
    def attendance(self, session: Session, start: datetime, end: datetime,
                   now: datetime) -> tuple[SeriesAttendance, ...]:
        """Per series, the sessions held in the period (not cancelled, already started)."""
        was_held = (Occurrence.status != "cancelled", Occurrence.starts_at >= start,
                    Occurrence.starts_at < min(end, now))
        held = session.execute(
            select(Occurrence, SessionSeries).join(SessionSeries, SessionSeries.id == Occurrence.series_id)
            .where(*was_held).order_by(Occurrence.starts_at, Occurrence.id)
        ).all()
        ids = select(Occurrence.id).where(*was_held)
        present = people_by_occurrence(session, select(Attendance.occurrence_id, Attendance.person_id).where(
            Attendance.present.is_(True), Attendance.occurrence_id.in_(ids)))
        said_yes = people_by_occurrence(session, select(Rsvp.occurrence_id, Rsvp.person_id).where(
            Rsvp.status == "yes", Rsvp.occurrence_id.in_(ids)))
        titles = group_titles(session)
        by_series: dict[int, list[Occurrence]] = defaultdict(list)
        series_of: dict[int, SessionSeries] = {}
        for occurrence, series in held:
            by_series[series.id].append(occurrence)
            series_of[series.id] = series
        return tuple(sorted(
            (self.series_attendance(series_of[sid], titles.get(series_of[sid].group_id), occurrences,
                                    present, said_yes) for sid, occurrences in by_series.items()),
            key=lambda s: s.name.lower()))

    def series_attendance(self, series: SessionSeries, group: Optional[str], occurrences: list[Occurrence],
                          present: dict[int, set[int]], said_yes: dict[int, set[int]]) -> SeriesAttendance:
        key = series_key(series)
        rows = tuple(OccurrenceAttendance(o.id, o.starts_at, key, shown(len(present[o.id]), self.small_cell),
                                          shown(len(said_yes[o.id]), self.small_cell)) for o in occurrences)
        attendees = set().union(*(present[o.id] for o in occurrences))
        total = sum(len(present[o.id]) for o in occurrences)
        visible = len(attendees) >= self.small_cell and all(row.present is not None for row in rows)
        return SeriesAttendance(key, series.name, group, len(rows), total if visible else None,
                                total / len(rows) if visible else None, rows)

    # check-in trends -----------------------------------------------------------------------
    def trends(self, session: Session, start: datetime, end: datetime) -> tuple[GroupTrend, ...]:
        """Per group (and for private check-ins), per week: people, check-ins, mean mood."""
        checkins = session.execute(
            select(CheckIn.group_id, CheckIn.person_id, CheckIn.mood, CheckIn.created_at)
            .where(CheckIn.created_at >= start, CheckIn.created_at < end)
        ).all()
        weeks = [start + index * WEEK for index in range(max(1, ceil((end - start) / WEEK)))]
        buckets: dict[tuple[Optional[int], int], list[tuple[int, Optional[int]]]] = defaultdict(list)
        for group_id, person_id, mood, created_at in checkins:
            buckets[(group_id, (created_at - start) // WEEK)].append((person_id, mood))
        groups = sorted(group_titles(session).items(), key=lambda item: item[1].lower())
        return tuple(
            GroupTrend(group_id, title, tuple(self.week(week, buckets[(group_id, index)])
                                              for index, week in enumerate(weeks)))
            for group_id, title in [*groups, (None, NO_GROUP)])

    def week(self, week_start: datetime, checkins: list[tuple[int, Optional[int]]]) -> WeekTrend:
        people = {person_id for person_id, _ in checkins}
        if len(people) < self.small_cell:
            return WeekTrend(week_start, None, None, None)
        moods = [(person_id, mood) for person_id, mood in checkins if mood is not None]
        enough_moods = len({person_id for person_id, _ in moods}) >= self.small_cell
        mean = sum(mood for _, mood in moods) / len(moods) if enough_moods else None
        return WeekTrend(week_start, len(people), len(checkins), mean)

    # escalations ---------------------------------------------------------------------------
    def escalations(self, session: Session, start: datetime, end: datetime) -> tuple[PriorityEscalations, ...]:
        """Cases raised in the period, by priority, with how long they waited to be claimed and closed."""
        cases = session.execute(
            select(Escalation).where(Escalation.created_at >= start, Escalation.created_at < end)
        ).scalars().all()
        result = []
        for priority in ESCALATION_PRIORITIES:
            these = [case for case in cases if case.priority == priority]
            spans = [timings(case) for case in these]
            result.append(PriorityEscalations(
                priority, len(these), sum(case.status != "closed" for case in these),
                timing((claim for claim, _ in spans), self.small_cell),
                timing((close for _, close in spans), self.small_cell)))
        return tuple(result)

    # PSW caseload --------------------------------------------------------------------------
    def caseload(self, session: Session, start: datetime, end: datetime, now: datetime) -> tuple[Caseload, ...]:
        """Each PSW (and anyone else who claimed a case in the period): cases and hours on duty."""
        claimed = session.execute(select(Escalation).where(or_(
            Escalation.status == "claimed",
            Escalation.claimed_at.between(start, end), Escalation.closed_at.between(start, end),
        ))).scalars().all()
        psws = set(session.execute(select(PersonRole.person_id).where(PersonRole.role == PSW)).scalars())
        claimers = {case.claimed_by_id for case in claimed
                    if case.claimed_by_id is not None and case.claimed_at is not None
                    and start <= case.claimed_at < end}
        duty = session.execute(select(DutyPeriod).where(
            DutyPeriod.started_at < end, or_(DutyPeriod.ended_at.is_(None), DutyPeriod.ended_at > start)
        )).scalars().all()
        people = session.execute(select(Person).where(Person.id.in_(psws | claimers))).scalars().all()
        rows = [self.one_caseload(person, claimed, duty, start, end, now) for person in people]
        return tuple(sorted(rows, key=lambda row: row.name.lower()))

    @staticmethod
    def one_caseload(person: Person, cases: Sequence[Escalation], duty: Sequence[DutyPeriod],
                     start: datetime, end: datetime, now: datetime) -> Caseload:
        """A duty period still open counts up to now (or the period's end, if that is earlier)."""
        mine = [case for case in cases if case.claimed_by_id == person.id]
        hours = sum(overlap_hours(period.started_at, period.ended_at or now, start, end)
                    for period in duty if period.person_id == person.id)
        return Caseload(
            name_of(person),
            sum(case.claimed_at is not None and start <= case.claimed_at < end for case in mine),
            sum(case.closed_at is not None and start <= case.closed_at < end for case in mine),
            sum(case.status == "claimed" for case in mine),
            hours)

def people_by_occurrence(session: Session, query: Select) -> dict[int, set[int]]:
    """Rows of (occurrence id, person id) as the set of people per occurrence."""
    people: dict[int, set[int]] = defaultdict(set)
    for occurrence_id, person_id in session.execute(query):
        people[occurrence_id].add(person_id)
    return people


def group_titles(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Group.id, Group.title)).all())


def audit(db: Database, action: str, start: datetime, end: datetime, actor_id: Optional[int]) -> None:
    """One audit row per report or export: data about people left the database."""
    with db.session() as session, session.begin():
        session.add(AuditEntry(actor_id=actor_id, action=action,
                               detail={"from": start.isoformat(), "to": end.isoformat()}))
