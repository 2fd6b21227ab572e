"""People's rights over their data: a copy of it (/mydata), being forgotten
(/forgetme), and how long raw words are kept (the retention job).

Forgetting anonymises rather than deletes: the person's row stays, with no
Telegram id, name, region or words and a new random pseudonym, so attendance
counts, mood aggregates and the escalation audit trail survive without
identity. Their dialogue history is deleted first, while their Telegram id is
still known to find it; if anything fails after that, asking again finishes.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Optional, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.expression import ColumnElement

from bot.dialogue.history import DialogueHistory
from bot.services.safety_plans import SafetyPlanService
from bot.storage.db import Database
from bot.storage.models import (
    Attendance,
    AuditEntry,
    CheckIn,
    CopingOffer,
    CopingStrategy,
    Draft,
    Escalation,
    Group,
    InboxUpdate,
    Membership,
    MessageFlag,
    Occurrence,
    OutcomeResponse,
    PendingChoice,
    Person,
    PersonRole,
    Rsvp,
    SafetyPlan,
    SessionSeries,
    new_pseudonym,
)
from bot.storage.types import utcnow

M = TypeVar("M")


def when(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


class PrivacyService:
    def __init__(self, db: Database, retention: timedelta, history: Optional[DialogueHistory] = None,
                 plans: Optional[SafetyPlanService] = None) -> None:
        self.db = db
        self.retention = retention
        self.history = history
        self.plans = plans

    def export(self, person_id: int) -> dict[str, Any]:
        """Everything held about the person, in plain terms, and an audit entry saying it was given."""
        with self.db.session() as session, session.begin():
            person = session.get(Person, person_id)
            telegram_id = person.telegram_user_id
            data: dict[str, Any] = {
                "about": "Everything this service's bot holds about you, as of the time below.",
                "exported_at": when(utcnow()),
                "profile": self._profile(session, person),
                "groups": self._groups(session, person_id),
                "sessions": self._sessions(session, person_id),
                "check_ins": [{"at": when(c.created_at), "mood": c.mood, "passed": c.passed, "words": c.note,
                               "where": c.source, "shared_with_group": c.shared}
                              for c in self._rows(session, CheckIn, CheckIn.person_id == person_id, CheckIn.created_at)],
                "coping_ideas": self._coping(session, person_id),
                "safety_plan": self._plan(session, person_id, self.plans),
                "wellbeing_questionnaires": [
                    {"measure": r.measure, "status": r.status, "started_at": when(r.started_at),
                     "completed_at": when(r.completed_at), "answers": r.answers, "scores": r.scores}
                    for r in self._rows(session, OutcomeResponse, OutcomeResponse.person_id == person_id,
                                        OutcomeResponse.started_at)],
                "times_you_were_put_in_touch_with_a_person": [
                    {"at": when(e.created_at), "why": e.kind, "priority": e.priority, "status": e.status,
                     "your_words": e.trigger_text, "closed_at": when(e.closed_at)}
                    for e in self._rows(session, Escalation, Escalation.person_id == person_id, Escalation.created_at)],
            }
            session.add(AuditEntry(actor_id=person_id, action="data.exported", subject_type="person",
                                   subject_id=str(person_id)))
        data["conversation_with_the_bot"] = self.history.messages(telegram_id) if self.history and telegram_id else []
        return data

    def export_json(self, person_id: int) -> bytes:
        return json.dumps(self.export(person_id), indent=2, ensure_ascii=False).encode("utf-8")

    @staticmethod
    def _rows(session: Session, model: type[M], condition: ColumnElement, order: InstrumentedAttribute) -> list[M]:
        return list(session.execute(select(model).where(condition).order_by(order)).scalars())

    @staticmethod
    def _profile(session: Session, person: Person) -> dict[str, Any]:
        roles = session.execute(select(PersonRole.role).where(PersonRole.person_id == person.id)).scalars().all()
        return {"telegram_user_id": person.telegram_user_id, "name": person.display_name,
                "research_id": person.pseudonym, "region": person.region, "timezone": person.timezone,
                "agreed_at": when(person.consented_at), "roles": sorted(roles),
                "session_reminders": "off" if person.reminders_opt_out else "on",
                "on_a_break_until": when(person.break_until),
                "wellbeing_questionnaire": {None: "not asked", True: "yes", False: "no"}[person.outcome_consent]}

    @staticmethod
    def _groups(session: Session, person_id: int) -> list[dict[str, Optional[str]]]:
        rows = session.execute(select(Membership, Group.title).join(Group, Membership.group_id == Group.id)
                               .where(Membership.person_id == person_id).order_by(Membership.joined_at)).all()
        return [{"group": title, "joined_at": when(m.joined_at), "left_at": when(m.left_at)} for m, title in rows]

    @staticmethod
    def _sessions(session: Session, person_id: int) -> list[dict[str, Any]]:
        rows = session.execute(
            select(Occurrence.starts_at, SessionSeries.name, Rsvp.status, Attendance.present)
            .join(SessionSeries, Occurrence.series_id == SessionSeries.id)
            .outerjoin(Rsvp, (Rsvp.occurrence_id == Occurrence.id) & (Rsvp.person_id == person_id))
            .outerjoin(Attendance, (Attendance.occurrence_id == Occurrence.id) & (Attendance.person_id == person_id))
            .where((Rsvp.id.is_not(None)) | (Attendance.person_id.is_not(None)))
            .order_by(Occurrence.starts_at)).all()
        return [{"session": name, "starts_at": when(starts), "your_reply": status,
                 "attended": present} for starts, name, status, present in rows]

    @staticmethod
    def _coping(session: Session, person_id: int) -> dict[str, list[dict[str, Any]]]:
        offers = session.execute(select(CopingOffer, CopingStrategy.title)
                                 .join(CopingStrategy, CopingOffer.strategy_id == CopingStrategy.id)
                                 .where(CopingOffer.person_id == person_id).order_by(CopingOffer.offered_at)).all()
        suggested = session.execute(select(CopingStrategy).where(CopingStrategy.suggested_by_id == person_id)).scalars()
        return {"offered": [{"idea": title, "at": when(o.offered_at), "helped": o.helpful} for o, title in offers],
                "you_suggested": [{"title": s.title, "steps": s.steps, "status": s.status} for s in suggested]}

    @staticmethod
    def _plan(session: Session, person_id: int, plans: Optional[SafetyPlanService]) -> Optional[dict[str, Any]]:
        """Their plan, opened (it is sealed in the database), with whom it is shared."""
        plan = session.get(SafetyPlan, person_id)
        if plan is None:
            return None
        parts = plans.view(plan).parts if plans is not None else "(sealed: this copy was made without the key)"
        return {"parts": parts, "shared_with_the_peer_supporter_who_takes_your_case": plan.shared,
                "made_at": when(plan.created_at), "changed_at": when(plan.updated_at)}

    def forget(self, person_id: int) -> list[int]:
        """Delete or anonymise everything that identifies the person, or is their words.
        Returns the ids of cases that were open about them (closed now), so a PSW holding
        one can be told."""
        with self.db.session() as session:
            telegram_id = session.get(Person, person_id).telegram_user_id
        if self.history is not None and telegram_id is not None:
            self.history.forget(telegram_id)
        now = utcnow()
        with self.db.session() as session, session.begin():
            person = session.get(Person, person_id)
            person.telegram_user_id = person.display_name = person.region = person.timezone = person.language = None
            person.consented_at = person.offer_pending_since = person.outcome_consent_at = person.break_until = None
            person.outcome_consent = None
            person.pseudonym = new_pseudonym()
            person.reminders_opt_out, person.on_duty, person.forgotten_at = True, False, now
            session.execute(delete(PersonRole).where(PersonRole.person_id == person_id))
            session.execute(delete(Draft).where(Draft.person_id == person_id))
            session.execute(delete(SafetyPlan).where(SafetyPlan.person_id == person_id))
            session.execute(update(CheckIn).where(CheckIn.person_id == person_id).values(note=None))
            session.execute(delete(CopingStrategy).where(CopingStrategy.suggested_by_id == person_id,
                                                         CopingStrategy.status != "approved"))
            session.execute(update(CopingStrategy).where(CopingStrategy.suggested_by_id == person_id)
                            .values(suggested_by_id=None))
            open_cases = session.execute(select(Escalation.id).where(
                Escalation.person_id == person_id, Escalation.status != "closed")).scalars().all()
            session.execute(update(Escalation).where(Escalation.person_id == person_id).values(
                trigger_text=None, outcome_note=None, conversation_id=None, source=None, reasons=["(forgotten)"]))
            if telegram_id is not None:  # the updates they sent (their words and their id), the question asked
                session.execute(delete(InboxUpdate).where(InboxUpdate.sender_id == telegram_id))
                session.execute(delete(PendingChoice).where(PendingChoice.chat_id == telegram_id))
                session.execute(update(MessageFlag).where(MessageFlag.author_telegram_id == telegram_id)
                                .values(author_telegram_id=None))
            session.execute(delete(MessageFlag).where(MessageFlag.flagged_by_id == person_id))
            session.execute(update(Escalation).where(Escalation.id.in_(open_cases or [0])).values(
                status="closed", closed_at=now, outcome="forgotten", next_page_at=None))
            session.add(AuditEntry(action="person.forgotten", subject_type="person", subject_id=str(person_id)))
        return list(open_cases)

    def apply_retention(self, now: Optional[datetime] = None) -> dict[str, int]:
        """Delete raw words older than the retention period: check-in notes, the words kept on
        closed cases, and the dialogue history. Moods, counts and timings stay."""
        cutoff = (now or utcnow()) - self.retention
        with self.db.session() as session, session.begin():
            notes = session.execute(update(CheckIn).where(CheckIn.created_at < cutoff, CheckIn.note.is_not(None))
                                    .values(note=None).execution_options(synchronize_session=False)).rowcount
            cases = session.execute(
                update(Escalation).where(Escalation.status == "closed", Escalation.closed_at < cutoff,
                                         (Escalation.trigger_text.is_not(None)) | (Escalation.outcome_note.is_not(None)))
                .values(trigger_text=None, outcome_note=None).execution_options(synchronize_session=False)).rowcount
            updates = session.execute(delete(InboxUpdate).where(
                InboxUpdate.received_at < cutoff, InboxUpdate.status != "received")
                .execution_options(synchronize_session=False)).rowcount
        dialogue = self.history.delete_words_before(cutoff) if self.history is not None else 0
        return {"check_in_notes": notes, "case_texts": cases, "dialogue_events": dialogue, "updates": updates}
