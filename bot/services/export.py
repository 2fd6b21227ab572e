"""The pseudonymised evaluation export: CSV files a service can hand to an evaluator.

People and cases appear only under identifiers made for one export
(``export_id``): not the pseudonym a PSW may see on a case card, nor the case
number on it ("case #2 - Who: Morgan"), either of which would link a row back
to a name and from there to every mood. The files hold numbers, fixed
vocabularies and timestamps, and nothing typed by a person: no names, no
Telegram ids, no check-in notes, no trigger text, no outcome notes. Columns are
chosen one by one below, never "every column of the table", so a field added
to a table later cannot leak into an export by accident.

Timestamps are UTC, ISO 8601, to the minute (seconds would match a row to the
moment a PSW saw a card). Minutes are measured from when a case was raised.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
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
    return "" if instant is None else instant.astimezone(timezone.utc).isoformat(timespec="minutes")


def export_id(key: bytes, kind: str, row_id: int) -> str:
    """A person's or case's identifier in one export: a keyed hash of our own row id, the
    key drawn afresh for each export and never stored. Rows of one export join up; nothing
    outside it (a card, a pseudonym, another export) matches them."""
    return hmac.new(key, f"{kind}:{row_id}".encode(), hashlib.sha256).hexdigest()[:12]


def flag(value: bool) -> str:
    return "true" if value else "false"


def minutes_text(span: Optional[timedelta]) -> str:
    return "" if span is None else f"{minutes_of(span):.1f}"


def safe_outcome(outcome: Optional[str]) -> str:
    if outcome is None:
        return ""
    return outcome if outcome in KNOWN_OUTCOMES else OTHER_OUTCOME


class ExportService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def tables(self, start: datetime, end: datetime, key: Optional[bytes] = None) -> list[Table]:
        """Every file of the export for [start, end), identifiers keyed by ``key`` (fresh if None)."""
        key = key or secrets.token_bytes(32)
        with self.db.session() as session:
            return [self.attendance(session, start, end, key), self.checkins(session, start, end, key),
                    self.escalations(session, start, end, key), self.outcomes(session, start, end, key)]

    def write(self, start: datetime, end: datetime, folder: Path, actor_id: Optional[int] = None,
              key: Optional[bytes] = None) -> list[Path]:
        """Write the CSV files into ``folder`` (created if needed) and audit the export."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = [write_csv(folder, table) for table in self.tables(start, end, key)]
        audit(self.db, "export.created", start, end, actor_id)
        return paths

    @staticmethod
    def attendance(session: Session, start: datetime, end: datetime, key: bytes) -> Table:
        """Every mark (present or not) for sessions in the period; cancelled sessions have none that count."""
        rows = session.execute(
            select(Attendance.person_id, SessionSeries, Occurrence.starts_at, Attendance.present)
            .join(Occurrence, Occurrence.id == Attendance.occurrence_id)
            .join(SessionSeries, SessionSeries.id == Occurrence.series_id)
            .where(Occurrence.starts_at >= start, Occurrence.starts_at < end, Occurrence.status != "cancelled")
        ).all()
        # Sorted by time, then by identifier: an order by our own ids would tell who joined first.
        return Table("attendance.csv", ("person", "series", "occurrence_start_utc", "present"), sorted(
            ((export_id(key, "person", person_id), series_key(series), utc_text(starts), flag(present))
             for person_id, series, starts, present in rows), key=lambda row: (row[2], row[0])))

    @staticmethod
    def checkins(session: Session, start: datetime, end: datetime, key: bytes) -> Table:
        rows = session.execute(
            select(CheckIn.person_id, CheckIn.group_id, CheckIn.created_at, CheckIn.mood, CheckIn.passed,
                   CheckIn.source)
            .where(CheckIn.created_at >= start, CheckIn.created_at < end)
            .order_by(CheckIn.created_at, CheckIn.id)
        ).all()
        return Table("checkins.csv", ("person", "group", "created_at_utc", "mood", "passed", "source"),
                     [(export_id(key, "person", person_id), "" if group_id is None else group_id,
                       utc_text(created), "" if mood is None else mood, flag(passed), source)
                      for person_id, group_id, created, mood, passed, source in rows])

    @staticmethod
    def escalations(session: Session, start: datetime, end: datetime, key: bytes) -> Table:
        cases = session.execute(
            select(Escalation).where(Escalation.created_at >= start, Escalation.created_at < end)
            .order_by(Escalation.created_at, Escalation.id)
        ).scalars().all()
        header = ("case", "person", "priority", "kind", "created_at_utc", "minutes_to_claim",
                  "minutes_to_close", "outcome")
        return Table("escalations.csv", header, [
            (export_id(key, "case", case.id), export_id(key, "person", case.person_id), case.priority, case.kind,
             utc_text(case.created_at), *(minutes_text(span) for span in timings(case)), safe_outcome(case.outcome))
            for case in cases])

    @staticmethod
    def outcomes(session: Session, start: datetime, end: datetime, key: bytes) -> Table:
        """Completed questionnaires only, with their scores exactly as stored (one column per score)."""
        rows = session.execute(
            select(OutcomeResponse.person_id, OutcomeResponse.measure, OutcomeResponse.completed_at,
                   OutcomeResponse.scores)
            .where(OutcomeResponse.status == "complete", OutcomeResponse.completed_at >= start,
                   OutcomeResponse.completed_at < end)
            .order_by(OutcomeResponse.completed_at, OutcomeResponse.id)
        ).all()
        score_ids = list(dict.fromkeys(score for *_, scores in rows for score in (scores or {})))
        return Table("outcomes.csv", ("person", "measure", "completed_at_utc", *score_ids), [
            (export_id(key, "person", person_id), measure, utc_text(completed),
             *((scores or {}).get(score, "") for score in score_ids))
            for person_id, measure, completed, scores in rows])


def write_csv(folder: Path, table: Table) -> Path:
    path = folder / table.filename
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return path
