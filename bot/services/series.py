"""Session series: recurring (RFC 5545 RRULE) or one-off sessions, in local time.

A series keeps its start as a local date and wall-clock time plus an IANA
timezone, and occurrences are expanded in local time before converting to UTC,
so a 10:00 Thursday walk stays at 10:00 across the clocks changing. Occurrence
rows are materialised for a horizon ahead; their unique (series, original
start) key makes that idempotent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dateutil.rrule import rrulestr
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from bot.services.notices import owe_notices
from bot.storage.db import Database
from bot.storage.models import Group, Occurrence, Person, Rsvp, SeriesFacilitator, SessionSeries
from bot.storage.types import utcnow

HORIZON = timedelta(days=90)
# Changes people who plan to come must hear about (a new start time makes new occurrences instead).
NOTIFIED_CHANGES = ("location", "online_link", "duration_minutes", "accessibility_notes")
EDITABLE = ("name", "kind", "rrule", "timezone", "start_date", "start_time", "duration_minutes", "location",
            "online_link", "accessibility_notes", "agenda", "capacity", "reminder_offsets_minutes",
            "auto_facilitate")


@dataclass(frozen=True)
class OccurrenceLine:
    """One dated session as coordinators see it in a list."""

    occurrence_id: int
    series_name: str
    group_title: Optional[str]
    starts_at: datetime
    timezone: str
    status: str
    going: int  # people who said yes


class SeriesError(ValueError):
    """A series definition that cannot be used; the message names the field."""


@dataclass
class SeriesSpec:
    """A series as people write it (YAML, command line, Telegram)."""

    key: str
    name: str
    kind: str
    timezone: str
    start_date: date
    start_time: time
    duration_minutes: int
    rrule: Optional[str] = None  # None: a one-off session
    group: Optional[str] = None  # the group's invite code
    location: Optional[str] = None
    online_link: Optional[str] = None
    accessibility_notes: Optional[str] = None
    agenda: Optional[str] = None
    capacity: Optional[int] = None
    reminder_offsets_minutes: Optional[list[int]] = None
    auto_facilitate: bool = False
    facilitators: list[int] = field(default_factory=list)  # Telegram user ids of PSWs

    @classmethod
    def from_mapping(cls, entry: Mapping[str, Any]) -> "SeriesSpec":
        """From YAML: dates and times may come as text ("2026-01-01", "10:00")."""
        values = dict(entry)
        if isinstance(values.get("start_date"), str):
            values["start_date"] = date.fromisoformat(values["start_date"])
        if isinstance(values.get("start_time"), str):
            values["start_time"] = time.fromisoformat(values["start_time"])
        return cls(**values)


def local_starts(rrule: Optional[str], start_date: date, start_time: time, timezone: str,
                 after: datetime, before: datetime) -> list[datetime]:
    """Start instants (aware, in the series' timezone) between two UTC instants."""
    zone = ZoneInfo(timezone)
    first = datetime.combine(start_date, start_time)
    if rrule is None:
        naive = [first]
    else:
        rule = rrulestr(rrule, dtstart=first)
        window_start = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
        window_end = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        naive = rule.between(window_start, window_end, inc=True)
    return [moment.replace(tzinfo=zone) for moment in naive if after <= moment.replace(tzinfo=zone) < before]


def validate(spec: SeriesSpec, kinds: list[str]) -> None:
    if spec.kind not in kinds:
        raise SeriesError(f"kind: {spec.kind!r} is not one of {', '.join(kinds)} (sessions.kinds in the settings)")
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SeriesError(f"timezone: unknown timezone {spec.timezone!r}")
    if spec.rrule is not None:
        try:
            rrulestr(spec.rrule, dtstart=datetime.combine(spec.start_date, spec.start_time))
        except (ValueError, TypeError) as exc:
            raise SeriesError(f"rrule: {spec.rrule!r} is not a valid RFC 5545 rule ({exc})")
    if spec.duration_minutes <= 0:
        raise SeriesError("duration_minutes: must be more than 0")
    if spec.capacity is not None and spec.capacity <= 0:
        raise SeriesError("capacity: must be more than 0, or left out for no limit")


def cancel(session: Session, occurrences: list[Occurrence], note: Optional[str]) -> None:
    """Cancel occurrences and owe a notice to everyone who planned to come."""
    now = utcnow()
    for occurrence in occurrences:
        occurrence.status = "cancelled"
        occurrence.change_note = note
        occurrence.changed_at = now
    owe_notices(session, occurrences, "cancelled")


class SeriesService:
    def __init__(self, db: Database, kinds: list[str]) -> None:
        self.db = db
        self.kinds = kinds

    def save(self, spec: SeriesSpec) -> tuple[SessionSeries, bool]:
        """Create or update the series with this key; returns (series, changed?)."""
        validate(spec, self.kinds)
        values = {name: getattr(spec, name) for name in EDITABLE}
        with self.db.session() as session, session.begin():
            group_id = None
            if spec.group is not None:
                group_id = session.execute(select(Group.id).where(Group.invite_code == spec.group)).scalar_one_or_none()
                if group_id is None:
                    raise SeriesError(f"group: no group has the invite code {spec.group!r}")
            facilitators = self._people(session, spec.facilitators)
            series = session.execute(select(SessionSeries).where(SessionSeries.key == spec.key)).scalar_one_or_none()
            noticed = False
            if series is None:
                series = SessionSeries(key=spec.key, group_id=group_id, **values)
                session.add(series)
                changed = True
            else:
                current = {name: getattr(series, name) for name in EDITABLE}
                changed = current != values or series.group_id != group_id
                noticed = any(current[name] != values[name] for name in NOTIFIED_CHANGES)
                if changed:
                    for name, value in values.items():
                        setattr(series, name, value)
                    series.group_id = group_id
            session.flush()
            changed |= self._set_facilitators(session, series.id, facilitators)
            if changed:
                kept = self._materialise(session, series)
                if noticed:
                    owe_notices(session, kept, "changed")
            return series, changed

    @staticmethod
    def _people(session: Session, telegram_ids: list[int]) -> list[int]:
        """Person ids for facilitators' Telegram ids; each must have started the bot."""
        found = dict(session.execute(select(Person.telegram_user_id, Person.id)
                                     .where(Person.telegram_user_id.in_(telegram_ids or [0]))).all())
        missing = [str(i) for i in telegram_ids if i not in found]
        if missing:
            raise SeriesError(f"facilitators: nobody with Telegram id {', '.join(missing)} has started the bot "
                              "yet; ask them to press Start, then save again")
        return [found[i] for i in telegram_ids]

    @staticmethod
    def _set_facilitators(session: Session, series_id: int, person_ids: list[int]) -> bool:
        current = set(session.execute(select(SeriesFacilitator.person_id)
                                      .where(SeriesFacilitator.series_id == series_id)).scalars())
        if current == set(person_ids):
            return False
        for row in session.execute(select(SeriesFacilitator).where(SeriesFacilitator.series_id == series_id)).scalars():
            session.delete(row)
        session.flush()
        session.add_all(SeriesFacilitator(series_id=series_id, person_id=p) for p in set(person_ids))
        return True

    def _materialise(self, session: Session, series: SessionSeries) -> list[Occurrence]:
        """Occurrences from now to the horizon; future ones no longer in the rule are cancelled
        (with notices to those who planned to come). Returns the occurrences kept."""
        now = utcnow()
        starts = local_starts(series.rrule, series.start_date, series.start_time, series.timezone, now, now + HORIZON)
        wanted = {start.astimezone(ZoneInfo("UTC")): start for start in starts}
        existing = {o.original_starts_at: o for o in session.execute(
            select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.original_starts_at >= now)
        ).scalars()}
        duration = timedelta(minutes=series.duration_minutes)
        kept = []
        for instant, local in wanted.items():
            occurrence = existing.get(instant)
            if occurrence is None:
                session.add(Occurrence(series_id=series.id, original_starts_at=local, starts_at=local,
                                       ends_at=local + duration))
            else:
                kept.append(occurrence)
                occurrence.ends_at = occurrence.starts_at + duration
        dropped = [o for instant, o in existing.items() if instant not in wanted and o.status == "scheduled"]
        cancel(session, dropped, "it is no longer in the series (it may have moved: /next shows what's on)")
        return [o for o in kept if o.status == "scheduled"]

    def extend_all(self) -> None:
        """Keep every active series materialised up to the horizon (a daily job)."""
        with self.db.session() as session, session.begin():
            for series in session.execute(select(SessionSeries).where(SessionSeries.cancelled_at.is_(None))).scalars():
                self._materialise(session, series)

    def import_file(self, path: Path) -> tuple[int, int]:
        """Save every series of a sessions YAML file; returns (seen, changed). Idempotent."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        changed = 0
        entries = data.get("series") or []
        for index, entry in enumerate(entries):
            try:
                spec = SeriesSpec.from_mapping(entry)
            except (TypeError, ValueError) as exc:
                raise SeriesError(f"{path}: series #{index + 1}: {exc}") from exc
            try:
                changed += self.save(spec)[1]
            except SeriesError as exc:
                raise SeriesError(f"{path}: series {spec.key!r}: {exc}") from exc
        return len(entries), changed

    def upcoming(self, key: str, limit: int = 10) -> list[Occurrence]:
        with self.db.session() as session:
            return list(session.execute(
                select(Occurrence).join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                .where(SessionSeries.key == key, Occurrence.starts_at >= utcnow())
                .order_by(Occurrence.starts_at).limit(limit)
            ).scalars())

    def cancel_occurrence(self, occurrence_id: int, note: Optional[str]) -> Occurrence:
        with self.db.session() as session, session.begin():
            occurrence: Optional[Occurrence] = session.get(Occurrence, occurrence_id)
            if occurrence is None:
                raise SeriesError(f"no session occurrence #{occurrence_id}")
            if occurrence.status == "scheduled":
                cancel(session, [occurrence], note)
            return occurrence

    def cancel_series(self, key: str) -> int:
        """Cancel a series and all its future occurrences; returns how many were cancelled."""
        with self.db.session() as session, session.begin():
            series = session.execute(select(SessionSeries).where(SessionSeries.key == key)).scalar_one_or_none()
            if series is None:
                raise SeriesError(f"no series with key {key!r}")
            series.cancelled_at = utcnow()
            future = session.execute(select(Occurrence).where(
                Occurrence.series_id == series.id, Occurrence.starts_at >= utcnow(),
                Occurrence.status == "scheduled")).scalars().all()
            cancel(session, future, "the whole series has ended")
            return len(future)

    def all(self) -> list[SessionSeries]:
        with self.db.session() as session:
            return list(session.execute(select(SessionSeries).order_by(SessionSeries.key)).scalars())

    def spec_of(self, key: str) -> SeriesSpec:
        """The series with this key as a spec, to edit a few fields and save again."""
        with self.db.session() as session:
            series = session.execute(select(SessionSeries).where(SessionSeries.key == key)).scalar_one_or_none()
            if series is None:
                raise SeriesError(f"no series with key {key!r}")
            group = session.get(Group, series.group_id) if series.group_id else None
            facilitators = session.execute(
                select(Person.telegram_user_id).join(SeriesFacilitator, SeriesFacilitator.person_id == Person.id)
                .where(SeriesFacilitator.series_id == series.id).order_by(Person.id)).scalars().all()
            values = {name: getattr(series, name) for name in EDITABLE}
        return SeriesSpec(key=key, group=group.invite_code if group else None, facilitators=list(facilitators),
                          **values)

    def get(self, series_id: int) -> Optional[SessionSeries]:
        with self.db.session() as session:
            series: Optional[SessionSeries] = session.get(SessionSeries, series_id)
            return series

    def schedule(self, limit: int) -> list[OccurrenceLine]:
        """Scheduled sessions of every active series, soonest first, with how many are going."""
        return self._lines(Occurrence.status == "scheduled", Occurrence.starts_at > utcnow(),
                           SessionSeries.cancelled_at.is_(None), limit=limit)

    def occurrence_line(self, occurrence_id: int) -> Optional[OccurrenceLine]:
        found = self._lines(Occurrence.id == occurrence_id, limit=1)
        return found[0] if found else None

    def _lines(self, *where: ColumnElement, limit: int) -> list[OccurrenceLine]:
        going = (select(func.count()).select_from(Rsvp)
                 .where(Rsvp.occurrence_id == Occurrence.id, Rsvp.status == "yes").scalar_subquery())
        with self.db.session() as session:
            rows = session.execute(
                select(Occurrence, SessionSeries, Group.title, going)
                .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
                .outerjoin(Group, SessionSeries.group_id == Group.id)
                .where(*where).order_by(Occurrence.starts_at).limit(limit)).all()
        return [OccurrenceLine(o.id, s.name, title, o.starts_at, s.timezone, o.status, count)
                for o, s, title, count in rows]
