"""Row-level helpers for work that must happen once: queues of messages to send.

A message owed to someone is first written as a row (``pending``); a sender
claims it with a conditional update (``pending`` -> ``sending``) that only one
process can win, sends, then marks it. Used by reminders and session notices.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.types import utcnow

DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_or_skip(session: Session, model: Any):
    """An INSERT that keeps any row already there by unique key (this dialect's ON CONFLICT DO NOTHING)."""
    return DIALECT_INSERTS[session.get_bind().dialect.name](model).on_conflict_do_nothing()


def insert_new(session: Session, model: Any, rows: list[dict]) -> None:
    """Insert rows (one statement, executed for each row by the driver), silently keeping
    any that already exist by unique key."""
    if rows:
        session.execute(insert_or_skip(session, model), rows)


def claim_row(db: Database, model: Any, row_id: int, new_status: str = "sending") -> bool:
    """Move one pending row to ``new_status``; True only for the one caller that did."""
    with db.session() as session, session.begin():
        return session.execute(
            update(model).where(model.id == row_id, model.status == "pending")
            .values(status=new_status).execution_options(synchronize_session=False)
        ).rowcount == 1


def mark_row(db: Database, model: Any, row_id: int, sent: bool, error: Optional[str] = None) -> None:
    """Record how sending a claimed row went: sent, or failed with the reason."""
    with db.session() as session, session.begin():
        row = session.get(model, row_id)
        row.status = "sent" if sent else "failed"
        row.sent_at = utcnow() if sent else None
        row.error = error
