"""Escalations to a human PSW: created and persisted first, paged along a chain,
claimed by exactly one PSW, closed with an outcome; every change audited.

Timers live in the database (``next_page_at``), so a restart loses nothing: the
scheduler simply asks for the cases that are due.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update

from bot.config import EscalationSettings
from bot.services.roles import COORDINATOR, PSW
from bot.storage.db import Database
from bot.storage.models import (
    CasePage,
    CheckIn,
    DutyPeriod,
    Escalation,
    EscalationEvent,
    Group,
    Person,
    PersonRole,
)
from bot.storage.outbox import insert_or_skip
from bot.storage.types import utcnow

KIND_FOR_REASON = {"crisis": "crisis", "request": "request"}
# How a PSW can close a case (/close <outcome> <note>): a fixed list, so reports and
# exports can count outcomes and free text never ends up in them.
CLOSE_OUTCOMES = ("supported", "signposted", "referred", "emergency_services", "no_contact", "other")
# Outcomes the bot sets itself.
SYSTEM_OUTCOMES = ("ended_by_person", "forgotten")
PRIORITY_ORDER = {"urgent": 0, "normal": 1, "low": 2}
CHAIN_STEPS = ("on-duty PSWs", "backup PSWs", "coordinators")
RECENT_CHECKINS = 3


@dataclass(frozen=True)
class CaseCard:
    """What a PSW needs to decide to claim a case: no more than that."""

    escalation_id: int
    priority: str
    kind: str
    name: str
    group: Optional[str]
    reasons: tuple[str, ...]
    trigger_text: Optional[str]
    recent_moods: tuple[int, ...]
    chain_step: str
    waiting_minutes: int
    holder: Optional[str] = None


@dataclass(frozen=True)
class ClaimResult:
    claimed: bool
    message: str
    escalation: Optional[Escalation] = None


def timings(escalation: Escalation) -> tuple[Optional[timedelta], Optional[timedelta]]:
    """Time to claim and time to close, measured from when the case was raised."""
    created = escalation.created_at
    to_claim = escalation.claimed_at - created if escalation.claimed_at else None
    to_close = escalation.closed_at - created if escalation.closed_at else None
    return to_claim, to_close


def minutes(span: Optional[timedelta]) -> str:
    return "-" if span is None else f"{span.total_seconds() / 60:.0f} min"


def name_of(person: Person) -> str:
    return person.display_name or f"person {person.pseudonym}"


class EscalationService:
    def __init__(self, db: Database, settings: EscalationSettings, service_timezone: str) -> None:
        self.db = db
        self.settings = settings
        self.zone = ZoneInfo(service_timezone)

    # --- creating --------------------------------------------------------------------
    def create(self, person_id: int, priority: str, reason: str, *, group_id: Optional[int] = None,
               conversation_id: Optional[str] = None, trigger_text: Optional[str] = None,
               reasons: Optional[list[str]] = None, source: Optional[str] = None) -> Escalation:
        """Persist the case and its 'created' event in one transaction, before anyone is told.

        A person has at most one open low-priority follow-up: repeats join it. ``source``
        names the message that raised the case: handling that message again (after a
        crash) returns the case it already raised, at that priority, instead of a second one.
        """
        key = f"{source}/{priority}" if source else None
        with self.db.session() as session, session.begin():
            if key is not None:
                earlier: Optional[Escalation] = session.execute(
                    select(Escalation).where(Escalation.source == key)).scalar()
                if earlier is not None:
                    return earlier
            if priority == "low":
                existing: Optional[Escalation] = session.execute(
                    select(Escalation).where(Escalation.person_id == person_id, Escalation.priority == "low",
                                             Escalation.status == "open")
                ).scalars().first()
                if existing is not None:
                    existing.reasons = [*existing.reasons, *(reasons or [reason])]
                    return existing
            escalation = Escalation(
                person_id=person_id, group_id=group_id, kind=KIND_FOR_REASON.get(reason, "followup"),
                priority=priority, reasons=reasons or [reason], conversation_id=conversation_id,
                trigger_text=trigger_text, source=key,
                next_page_at=utcnow() + self.repage_delay if priority == "urgent" else None,
            )
            session.add(escalation)
            session.flush()
            session.add(EscalationEvent(escalation_id=escalation.id, event="created",
                                        detail={"priority": priority, "reason": reason}))
            return escalation

    @property
    def repage_delay(self) -> timedelta:
        return timedelta(minutes=self.settings.repage_after_minutes)

    def record(self, escalation_id: int, event: str, actor_id: Optional[int] = None, **detail: object) -> None:
        """An event in the case's trail; details given as None are left out."""
        given = {key: value for key, value in detail.items() if value is not None}
        with self.db.session() as session, session.begin():
            session.add(EscalationEvent(escalation_id=escalation_id, event=event, actor_id=actor_id,
                                        detail=given or None))

    # --- pages, each claimed before it is sent --------------------------------------------
    def claim_page(self, escalation_id: int, chain_level: int, chat_id: int,
                   stale_after: timedelta) -> Optional[int]:
        """The page's row id if this caller should send it; None if it is sent, failed, or
        being sent right now. A claim older than ``stale_after`` still "sending" was left by
        a process that died mid-send: it is sent again, because a missed crisis page is worse
        than a second one (the send and its record can never be one step: Telegram has no
        idempotency key; the window for a double is the few milliseconds between the two)."""
        now = utcnow()
        with self.db.session() as session, session.begin():
            inserted = session.execute(insert_or_skip(session, CasePage).values(
                escalation_id=escalation_id, chain_level=chain_level, chat_id=chat_id, status="sending",
                at=now)).rowcount == 1
            where = (CasePage.escalation_id == escalation_id, CasePage.chain_level == chain_level,
                     CasePage.chat_id == chat_id)
            if not inserted:
                taken_over = session.execute(update(CasePage).where(
                    *where, CasePage.status == "sending", CasePage.at < now - stale_after).values(at=now)
                    .execution_options(synchronize_session=False)).rowcount == 1
                if not taken_over:
                    return None
            page_id: int = session.execute(select(CasePage.id).where(*where)).scalar_one()
            return page_id

    def mark_page(self, page_id: int, sent: bool, error: Optional[str] = None) -> None:
        with self.db.session() as session, session.begin():
            session.execute(update(CasePage).where(CasePage.id == page_id)
                            .values(status="sent" if sent else "failed", error=error))

    def pages_out(self, escalation_id: int, chain_level: int) -> int:
        """Pages at this step that reached someone, or may have: one a crash caught mid-send
        counts, so handling the update again does not take the case up the chain (and
        page the same people a second time); the re-page timer still runs."""
        with self.db.session() as session:
            pages: int = session.execute(select(func.count()).select_from(CasePage).where(
                CasePage.escalation_id == escalation_id, CasePage.chain_level == chain_level,
                CasePage.status != "failed")).scalar_one()
            return pages

    def add_reason(self, escalation_id: int, reason: str) -> None:
        with self.db.session() as session, session.begin():
            escalation = session.get(Escalation, escalation_id)
            escalation.reasons = [*escalation.reasons, reason]

    def get(self, escalation_id: int) -> Optional[Escalation]:
        with self.db.session() as session:
            escalation: Optional[Escalation] = session.get(Escalation, escalation_id)
            return escalation

    # --- who is paged -------------------------------------------------------------------
    def on_rota(self, at: datetime) -> set[int]:
        """Telegram ids of PSWs the rota puts on duty at ``at``."""
        local = at.astimezone(self.zone)
        day, clock = local.strftime("%a").lower(), local.strftime("%H:%M")
        return {psw for shift in self.settings.rota if day in shift.days and shift.start <= clock < shift.end
                for psw in shift.psws}

    def on_duty(self) -> list[Person]:
        """PSWs on duty now: by /onduty, or by the rota."""
        rota = self.on_rota(utcnow())
        with self.db.session() as session:
            psws = session.execute(
                select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                .where(PersonRole.role == PSW, Person.telegram_user_id.is_not(None))
            ).scalars().all()
        return [p for p in psws if p.on_duty or p.telegram_user_id in rota]

    def targets(self, chain_level: int) -> list[Person]:
        """Who to page at this step of the chain (each step keeps the earlier ones)."""
        people = {p.id: p for p in self.on_duty()}
        with self.db.session() as session:
            if chain_level >= 1 and self.settings.backup_psws:
                for p in session.execute(select(Person).where(
                        Person.telegram_user_id.in_(self.settings.backup_psws))).scalars():
                    people[p.id] = p
            if chain_level >= 2 or (chain_level >= 1 and not people):
                for p in session.execute(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                                         .where(PersonRole.role == COORDINATOR,
                                                Person.telegram_user_id.is_not(None))).scalars():
                    people[p.id] = p
        return list(people.values())

    def due_for_repage(self) -> list[Escalation]:
        with self.db.session() as session:
            return list(session.execute(
                select(Escalation).where(Escalation.status == "open", Escalation.next_page_at.is_not(None),
                                         Escalation.next_page_at <= utcnow())
                .order_by(Escalation.next_page_at)
            ).scalars())

    def interrupted_pages(self, stale_after: timedelta) -> list[int]:
        """Open cases with a page at their current step still "sending" after ``stale_after``:
        a process died mid-send. Handling the update again usually sends it, but not when the
        retry came before the page's claim went stale, so the re-page check sends it then."""
        with self.db.session() as session:
            return list(session.execute(
                select(CasePage.escalation_id).join(Escalation, Escalation.id == CasePage.escalation_id)
                .where(Escalation.status == "open", CasePage.chain_level == Escalation.chain_level,
                       CasePage.status == "sending", CasePage.at < utcnow() - stale_after)
                .distinct().order_by(CasePage.escalation_id)).scalars())

    def advance_chain(self, escalation_id: int) -> Optional[Escalation]:
        """Move an unclaimed case one step along the chain and reset its timer."""
        with self.db.session() as session, session.begin():
            escalation: Optional[Escalation] = session.get(Escalation, escalation_id)
            if escalation is None or escalation.status != "open":
                return None
            escalation.chain_level = min(escalation.chain_level + 1, len(CHAIN_STEPS) - 1)
            escalation.next_page_at = utcnow() + self.repage_delay
            session.add(EscalationEvent(escalation_id=escalation.id, event="re-escalated",
                                        detail={"chain_step": CHAIN_STEPS[escalation.chain_level]}))
            return escalation

    def card(self, escalation_id: int) -> CaseCard:
        with self.db.session() as session:
            escalation = session.get(Escalation, escalation_id)
            person = session.get(Person, escalation.person_id)
            group = session.get(Group, escalation.group_id) if escalation.group_id else None
            holder = session.get(Person, escalation.claimed_by_id) if escalation.claimed_by_id else None
            moods = session.execute(
                select(CheckIn.mood).where(CheckIn.person_id == person.id, CheckIn.mood.is_not(None))
                .order_by(CheckIn.created_at.desc()).limit(RECENT_CHECKINS)
            ).scalars().all()
        waiting = int((utcnow() - escalation.created_at).total_seconds() // 60)
        return CaseCard(escalation.id, escalation.priority, escalation.kind, name_of(person),
                        group.title if group else None, tuple(escalation.reasons), escalation.trigger_text,
                        tuple(reversed(moods)), CHAIN_STEPS[escalation.chain_level], waiting,
                        name_of(holder) if holder else None)

    # --- claiming, relaying, closing -------------------------------------------------------
    def claim(self, escalation_id: int, psw_id: int) -> ClaimResult:
        """Exactly one PSW holds a case: a conditional update decides, even across workers."""
        with self.db.session() as session, session.begin():
            held = session.execute(select(func.count()).select_from(Escalation).where(
                Escalation.claimed_by_id == psw_id, Escalation.status == "claimed")).scalar_one()
            if held >= self.settings.caseload_cap:
                return ClaimResult(False, f"You already hold {held} cases, your caseload cap. "
                                          "Close one first, or ask a colleague to take this.")
            won = session.execute(
                update(Escalation).where(Escalation.id == escalation_id, Escalation.status == "open")
                .values(status="claimed", claimed_by_id=psw_id, claimed_at=utcnow(), next_page_at=None)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
            escalation = session.get(Escalation, escalation_id)
            if escalation is None:
                return ClaimResult(False, "That case no longer exists.")
            if not won:
                if escalation.status == "closed" or escalation.claimed_by_id is None:
                    return ClaimResult(False, "That case is already closed.")
                return ClaimResult(False, f"Already claimed by {name_of(session.get(Person, escalation.claimed_by_id))}.")
            session.add(EscalationEvent(escalation_id=escalation_id, event="claimed", actor_id=psw_id))
            return ClaimResult(True, "claimed", escalation)

    def held_by(self, psw_id: int) -> Optional[Escalation]:
        """The PSW's most recently claimed open case: where their messages go."""
        with self.db.session() as session:
            held: Optional[Escalation] = session.execute(
                select(Escalation).where(Escalation.claimed_by_id == psw_id, Escalation.status == "claimed")
                .order_by(Escalation.claimed_at.desc())
            ).scalars().first()
            return held

    def held_for(self, person_id: int) -> Optional[Escalation]:
        """The case through which a person is currently talking to a PSW, if any."""
        with self.db.session() as session:
            held: Optional[Escalation] = session.execute(
                select(Escalation).where(Escalation.person_id == person_id, Escalation.status == "claimed")
                .order_by(Escalation.claimed_at.desc())
            ).scalars().first()
            return held

    def close(self, escalation_id: int, actor_id: Optional[int], outcome: str, note: Optional[str]) -> Escalation:
        with self.db.session() as session, session.begin():
            escalation: Optional[Escalation] = session.get(Escalation, escalation_id)
            if escalation is None:
                raise LookupError(f"no case {escalation_id}")
            escalation.status = "closed"
            escalation.closed_at = utcnow()
            escalation.next_page_at = None
            escalation.outcome = outcome[:32]
            escalation.outcome_note = note
            session.add(EscalationEvent(escalation_id=escalation_id, event="closed", actor_id=actor_id,
                                        detail={"outcome": escalation.outcome}))
            return escalation

    def queue(self) -> list[Escalation]:
        """Open and held cases, most urgent first, then longest waiting."""
        order = case(PRIORITY_ORDER, value=Escalation.priority)
        with self.db.session() as session:
            return list(session.execute(
                select(Escalation).where(Escalation.status != "closed").order_by(order, Escalation.created_at)
            ).scalars())

    def request_debrief(self, escalation_id: int, psw_id: int) -> bool:
        """A PSW asks for a debrief after a case they held; False for anyone else's (or no) case."""
        with self.db.session() as session, session.begin():
            case_ = session.get(Escalation, escalation_id)
            if case_ is None or case_.claimed_by_id != psw_id:
                return False
            session.add(EscalationEvent(escalation_id=escalation_id, event="debrief_requested", actor_id=psw_id))
            return True

    def waiting(self) -> dict[str, tuple[int, Optional[float]]]:
        """Unclaimed open cases by priority: (how many, the oldest one's wait in seconds)."""
        now = utcnow()
        with self.db.session() as session:
            rows = session.execute(select(Escalation.priority, func.count(), func.min(Escalation.created_at))
                                   .where(Escalation.status == "open").group_by(Escalation.priority)).all()
        return {priority: (count, (now - oldest).total_seconds() if oldest else None)
                for priority, count, oldest in rows}

    def unclaimed_crises(self, older_than: timedelta) -> list[Escalation]:
        """Urgent cases nobody has claimed for longer than ``older_than`` (for the alert)."""
        with self.db.session() as session:
            return list(session.execute(select(Escalation).where(
                Escalation.status == "open", Escalation.priority == "urgent",
                Escalation.created_at < utcnow() - older_than).order_by(Escalation.created_at)).scalars())

    def pages_failed(self) -> int:
        with self.db.session() as session:
            failed: int = session.execute(select(func.count()).select_from(CasePage)
                                          .where(CasePage.status == "failed")).scalar_one()
            return failed

    # --- offers of a person ------------------------------------------------------------------
    def offer_made(self, person_id: int) -> None:
        """The bot offered a person; the clock runs from the first offer not yet answered."""
        with self.db.session() as session, session.begin():
            session.execute(update(Person).where(Person.id == person_id, Person.offer_pending_since.is_(None))
                            .values(offer_pending_since=utcnow()))

    def heard_from(self, person_id: int) -> None:
        """Any message or button press from the person answers a pending offer."""
        with self.db.session() as session, session.begin():
            session.execute(update(Person).where(Person.id == person_id, Person.offer_pending_since.is_not(None))
                            .values(offer_pending_since=None))

    def follow_up_unanswered_offers(self) -> list[int]:
        """Offers nobody answered in time become follow-ups (the person went quiet after being low)."""
        cutoff = utcnow() - timedelta(minutes=self.settings.unanswered_offer_minutes)
        with self.db.session() as session:
            quiet = session.execute(select(Person.id).where(Person.offer_pending_since <= cutoff)).scalars().all()
        created = []
        for person_id in quiet:
            created.append(self.create(person_id, "low", "unanswered_offer").id)
            self.heard_from(person_id)
        return created

    def set_duty(self, person_id: int, on: bool) -> bool:
        """Go on or off duty; False if nothing changed. Duty periods feed the reports."""
        with self.db.session() as session, session.begin():
            person = session.get(Person, person_id)
            if person.on_duty == on:
                return False
            person.on_duty = on
            if on:
                session.add(DutyPeriod(person_id=person_id))
            else:
                period = session.execute(select(DutyPeriod).where(
                    DutyPeriod.person_id == person_id, DutyPeriod.ended_at.is_(None))).scalars().first()
                if period is not None:
                    period.ended_at = utcnow()
            return True
