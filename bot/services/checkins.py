"""Mood check-ins: recording, history and a chart of the person's own moods."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from bot.services.charts import date_axis, new_figure, png_of
from bot.storage.db import Database
from bot.storage.models import CheckIn

MAX_NOTE_LENGTH = 1000


class CheckInService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, person_id: int, mood: int, note: Optional[str] = None, group_id: Optional[int] = None,
               source: str = "private") -> CheckIn:
        with self.db.session() as session, session.begin():
            checkin = CheckIn(person_id=person_id, mood=mood, note=(note or None) and note[:MAX_NOTE_LENGTH],
                              group_id=group_id, source=source)
            session.add(checkin)
            return checkin

    def history(self, person_id: int, limit: int = 30) -> list[CheckIn]:
        """The person's latest check-ins with a mood, oldest first."""
        with self.db.session() as session:
            rows = session.execute(
                select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.mood.is_not(None))
                .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(limit)
            ).scalars().all()
        return list(reversed(rows))


def mood_chart_png(checkins: list[CheckIn], timezone_name: str) -> bytes:
    """A small line chart of moods over time, for the person's own eyes only."""
    figure = new_figure(6, 3)
    axes = figure.subplots()
    times = [c.created_at for c in checkins]
    axes.plot(times, [c.mood for c in checkins], marker="o", color="#2a7f62")
    axes.set_ylim(0.5, 5.5)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_ylabel("mood")
    axes.set_title("Your check-ins")
    date_axis(axes, times, timezone_name)
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return png_of(figure)
