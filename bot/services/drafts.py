"""Drafts: a guided command (e.g. /newsession) half-way through, one per person.

The answers given so far live in the database, not in memory, so a draft
survives a restart and works when several bot processes share the updates.
Each call is one short transaction; callers get plain snapshots back, never
ORM rows, so nothing they do by accident writes to the draft.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import delete, select

from bot.storage.db import Database
from bot.storage.models import Draft
from bot.storage.types import utcnow


@dataclass(frozen=True)
class DraftState:
    """What a person has answered so far in one guided command."""

    person_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: Optional[datetime] = None


def snapshot(draft: Draft) -> DraftState:
    return DraftState(draft.person_id, draft.flow, draft.step, dict(draft.data or {}), draft.updated_at)


class DraftService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, person_id: int, flow: str, step: str = "start") -> DraftState:
        """A fresh draft of ``flow`` at ``step``; any earlier draft of this person is replaced."""
        with self.db.session() as session, session.begin():
            draft = session.get(Draft, person_id)
            if draft is None:
                draft = Draft(person_id=person_id)
                session.add(draft)
            draft.flow, draft.step, draft.data, draft.updated_at = flow, step, {}, utcnow()
            session.flush()
            return snapshot(draft)

    def get(self, person_id: int) -> Optional[DraftState]:
        with self.db.session() as session:
            draft = session.execute(select(Draft).where(Draft.person_id == person_id)).scalar_one_or_none()
            return snapshot(draft) if draft is not None else None

    def update(self, person_id: int, step: str, data: dict[str, Any]) -> Optional[DraftState]:
        """Move the draft to ``step`` with ``data`` (replacing it whole, so JSON changes are
        always seen); None if the draft was ended meanwhile (e.g. by another process)."""
        with self.db.session() as session, session.begin():
            draft = session.execute(select(Draft).where(Draft.person_id == person_id)
                                    .with_for_update()).scalar_one_or_none()
            if draft is None:
                return None
            draft.step, draft.data, draft.updated_at = step, dict(data), utcnow()
            session.flush()
            return snapshot(draft)

    def clear(self, person_id: int) -> bool:
        """End the person's draft; False if there was none."""
        with self.db.session() as session, session.begin():
            deleted: int = session.execute(delete(Draft).where(Draft.person_id == person_id)
                                           .execution_options(synchronize_session=False)).rowcount
            return deleted == 1
