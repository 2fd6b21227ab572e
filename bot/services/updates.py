"""Idempotency for Telegram updates: each update id is processed once, and one
whose processing failed is marked, not silently lost."""
from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from bot.storage.models import ProcessedUpdate
from bot.storage.types import utcnow

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 2000


class UpdateLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, update_id: int) -> bool:
        """True if this process should handle the update; False if it was seen before."""
        try:
            with self.db.session() as session, session.begin():
                session.add(ProcessedUpdate(update_id=update_id))
            return True
        except IntegrityError:
            return False

    def finish(self, update_id: int) -> None:
        self._set(update_id, "done", None)

    def fail(self, update_id: int, error: str) -> None:
        self._set(update_id, "failed", error[:MAX_ERROR_LENGTH])

    def _set(self, update_id: int, status: str, error: str | None) -> None:
        with self.db.session() as session, session.begin():
            session.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.status == "processing")
                .values(status=status, error=error, finished_at=utcnow())
            )
