"""The pseudonymised evaluation export: CSV files a service can hand to an evaluator.

Each person appears only as their ``pseudonym`` (a random id made when they
first appeared, carrying nothing about them; regenerated when they ask to be
forgotten). The files hold numbers, fixed vocabularies, timestamps and our own
row ids, and nothing typed by a person: no names, no Telegram ids, no check-in
notes, no trigger text, no outcome notes. Columns are chosen one by one below,
never "every column of the table", so a field added to a table later cannot
leak into an export by accident.

Timestamps are UTC, ISO 8601. Minutes are measured from when a case was raised.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.escalations import CLOSE_OUTCOMES, SYSTEM_OUTCOMES, timings
from bot.services.reports import audit, minutes_of, series_key
from bot.storage.db import Database
from bot.storage.models import (
    Attendance,
    CheckIn,
    Escalation,
    Occurrence,
    OutcomeResponse,
    Person,
    SessionSeries,
)

# A case's outcome comes from a fixed list; anything else (e.g. typed before the list
# existed) goes out as "other", so no free text can reach an export.
KNOWN_OUTCOMES = frozenset(CLOSE_OUTCOMES + SYSTEM_OUTCOMES)
OTHER_OUTCOME = "other"


@dataclass(frozen=True)
class Table:
    """One CSV file: its name, header and rows (already plain strings and numbers)."""

    filename: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def utc_text(instant: Optional[datetime]) -> str:
    return "" if instant is None else instant.astimezone(timezone.utc).isoformat()


def flag(value: bool) -> str:
    return "true" if value else "false"


def minutes_text(span) -> str:
    return "" if span is None else f"{minutes_of(span):.1f}"


def safe_outcome(outcome: Optional[str]) -> str:
    if outcome is None:
        return ""
    return outcome if outcome in KNOWN_OUTCOMES else OTHER_OUTCOME


class ExportService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def tables(self, start: datetime, end: datetime) -> list[Table]:
        """Every file of the export for [start, end)."""
        with self.db.session() as session:
            return [self.attendance(session, start, end), self.checkins(session, start, end),
                    self.escalations(session, start, end), self.outcomes(session, start, end)]

    def write(self, start: datetime, end: datetime, folder: Path, actor_id: Optional[int] = None) -> list[Path]:
        """Write the CSV files into ``folder`` (created if needed) and audit the export."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = [write_csv(folder, table) for table in self.tables(start, end)]
        audit(self.db, "export.created", start, end, actor_id)
        return paths

    @staticmethod
    def attendance(session: Session, start: datetime, end: datetime) -> Table:
        """Every mark (present or not) for sessions in the period; cancelled sessions have none that count."""
        rows = session.execute(
            select(Person.pseudonym, SessionSeries, Occurrence.starts_at, Attendance.present)
            .join(Occurrence, Occurrence.id == Attendance.occurrence_id)
            .join(SessionSeries, SessionSeries.id == Occurrence.series_id)
            .join(Person, Person.id == Attendance.person_id)
            .where(Occurrence.starts_at >= start, Occurrence.starts_at < end, Occurrence.status != "cancelled")
            .order_by(Occurrence.starts_at, Person.pseudonym)
        ).all()
        return Table("attendance.csv", ("pseudonym", "series", "occurrence_start_utc", "present"),
                     [(pseudonym, series_key(series), utc_text(starts), flag(present))
                      for pseudonym, series, starts, present in rows])

    @staticmethod
    def checkins(session: Session, start: datetime, end: datetime) -> Table:
        rows = session.execute(
            select(Person.pseudonym, CheckIn.group_id, CheckIn.created_at, CheckIn.mood, CheckIn.passed,
                   CheckIn.source)
            .join(Person, Person.id == CheckIn.person_id)
            .where(CheckIn.created_at >= start, CheckIn.created_at < end)
            .order_by(CheckIn.created_at, CheckIn.id)
        ).all()
        return Table("checkins.csv", ("pseudonym", "group", "created_at_utc", "mood", "passed", "source"),
                     [(pseudonym, "" if group_id is None else group_id, utc_text(created),
                       "" if mood is None else mood, flag(passed), source)
                      for pseudonym, group_id, created, mood, passed, source in rows])

    @staticmethod
    def escalations(session: Session, start: datetime, end: datetime) -> Table:
        rows = session.execute(
            select(Escalation, Person.pseudonym).join(Person, Person.id == Escalation.person_id)
            .where(Escalation.created_at >= start, Escalation.created_at < end)
            .order_by(Escalation.created_at, Escalation.id)
        ).all()
        header = ("case", "pseudonym", "priority", "kind", "created_at_utc", "minutes_to_claim",
                  "minutes_to_close", "outcome")
        return Table("escalations.csv", header, [
            (case.id, pseudonym, case.priority, case.kind, utc_text(case.created_at),
             *(minutes_text(span) for span in timings(case)), safe_outcome(case.outcome))
            for case, pseudonym in rows])

    @staticmethod
    def outcomes(session: Session, start: datetime, end: datetime) -> Table:
        """Completed questionnaires only, with their scores exactly as stored (one column per score)."""
        rows = session.execute(
            select(Person.pseudonym, OutcomeResponse.measure, OutcomeResponse.completed_at, OutcomeResponse.scores)
            .join(Person, Person.id == OutcomeResponse.person_id)
            .where(OutcomeResponse.status == "complete", OutcomeResponse.completed_at >= start,
                   OutcomeResponse.completed_at < end)
            .order_by(OutcomeResponse.completed_at, OutcomeResponse.id)
        ).all()
        score_ids = list(dict.fromkeys(score for *_, scores in rows for score in (scores or {})))
        return Table("outcomes.csv", ("pseudonym", "measure", "completed_at_utc", *score_ids), [
            (pseudonym, measure, utc_text(completed), *((scores or {}).get(score, "") for score in score_ids))
            for pseudonym, measure, completed, scores in rows])


def write_csv(folder: Path, table: Table) -> Path:
    path = folder / table.filename
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return path
