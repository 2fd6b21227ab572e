"""Escalations to a human PSW: created and persisted first, with an audit trail."""
from __future__ import annotations

from typing import Optional

from bot.storage.db import Database
from bot.storage.models import Escalation, EscalationEvent

KIND_FOR_REASON = {"crisis": "crisis", "request": "request"}


class EscalationService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, person_id: int, priority: str, reason: str, *, group_id: Optional[int] = None,
               conversation_id: Optional[str] = None, trigger_text: Optional[str] = None,
               reasons: Optional[list[str]] = None) -> Escalation:
        """Persist the case and its 'created' event in one transaction, before anyone is told."""
        with self.db.session() as session, session.begin():
            escalation = Escalation(
                person_id=person_id, group_id=group_id, kind=KIND_FOR_REASON.get(reason, "followup"),
                priority=priority, reasons=reasons or [reason], conversation_id=conversation_id,
                trigger_text=trigger_text,
            )
            session.add(escalation)
            session.flush()
            session.add(EscalationEvent(escalation_id=escalation.id, event="created",
                                        detail={"priority": priority, "reason": reason}))
            return escalation
