"""My safety plan: a person's own plan for hard moments, kept for them and, only if
they say so, shown to the peer supporter who takes their case.

The parts follow the six-step structure services already use (warning signs; what
I can do myself; people and places that take my mind off things; people I can ask
for help; professionals and services; making my surroundings safer), so a PSW
reads a familiar shape. The professionals part always ends with the crisis contacts
of the person's region as they are now, not as they were when the plan was made.

A plan is the most private thing the bot holds: its words are sealed in the database
(``bot.storage.sealing``), never logged, never reach an export or a report (reports
count uses, in ``SafetyPlanUse``, tied to nobody), and /forgetme deletes the plan
outright. A plan this key cannot open (the key was lost or changed) reads as empty,
so the person can make a new one; it is logged, without its contents.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from bot.i18n import N_, say
from bot.services.crisis import CrisisDirectory
from bot.storage.db import Database
from bot.storage.models import SafetyPlan, SafetyPlanUse
from bot.storage.sealing import Sealer, SealError
from bot.storage.types import utcnow

log = logging.getLogger(__name__)
PART_LIMIT = 1000  # characters a person may write for one part


@dataclass(frozen=True)
class PlanPart:
    key: str
    title: str
    question: str


PARTS: tuple[PlanPart, ...] = (
    PlanPart("warning_signs", N_("My warning signs"),
             N_("What tells you a hard time might be coming? Thoughts, feelings or situations, "
                "for example: not sleeping, staying in my room, thinking nobody cares.")),
    PlanPart("self_help", N_("Things I can do myself"),
             N_("What can you do on your own to get through a hard moment, even a little? "
                "For example: a walk, music, a cold drink, a breathing exercise.")),
    PlanPart("distractions", N_("People and places that take my mind off things"),
             N_("Who or where helps take your mind off things? For example: a friend to text about anything, "
                "the library, a café, the walking group.")),
    PlanPart("helpers", N_("People I can ask for help"),
             N_("Who could you tell that you're struggling? Add a number if you like.")),
    PlanPart("professionals", N_("Professionals and services"),
             N_("Which professionals or services could you contact? For example: your GP, a care coordinator "
                "or a key worker. The crisis lines for where you are are already in your plan.")),
    PlanPart("safer_surroundings", N_("Making where I am safer"),
             N_("What could make where you are safer when things are hard? For example: asking someone to look "
                "after medicines for a while, or going somewhere with other people around.")),
)
PART_KEYS = tuple(part.key for part in PARTS)


@dataclass(frozen=True)
class PlanView:
    """A plan as its owner (or a PSW it is shared with) reads it."""

    parts: dict[str, str]
    shared: bool
    updated_at: datetime

    @property
    def empty(self) -> bool:
        return not any(self.parts.values())


def tidy(text: str) -> str:
    """A typed answer kept as the person wrote it, without blank lines or stray spaces."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


class SafetyPlanService:
    def __init__(self, db: Database, crisis: CrisisDirectory, sealer: Sealer) -> None:
        self.db = db
        self.crisis = crisis
        self.sealer = sealer

    def get(self, person_id: int) -> Optional[PlanView]:
        with self.db.session() as session:
            plan = session.get(SafetyPlan, person_id)
            return self.view(plan) if plan is not None else None

    def save(self, person_id: int, parts: dict[str, str], shared: bool) -> bool:
        """Keep the person's plan (replacing an earlier one); True if it is their first."""
        kept = {key: tidy(parts.get(key) or "")[:PART_LIMIT] for key in PART_KEYS}
        with self.db.session() as session, session.begin():
            plan = session.get(SafetyPlan, person_id, with_for_update=True)
            made = plan is None
            if plan is None:
                plan = SafetyPlan(person_id=person_id, created_at=utcnow())
                session.add(plan)
            plan.sealed, plan.shared, plan.updated_at = self.sealer.seal(kept), shared, utcnow()
            count_use(session, "made" if made else "changed")
        return made

    def set_sharing(self, person_id: int, shared: bool) -> bool:
        """Share the plan with the PSW who takes the person's case, or stop; False with no plan."""
        with self.db.session() as session, session.begin():
            plan = session.get(SafetyPlan, person_id, with_for_update=True)
            if plan is None:
                return False
            plan.shared = shared
            return True

    def opened(self, person_id: int) -> Optional[PlanView]:
        """The plan, opened by its owner (counted as a use); None if they have none."""
        with self.db.session() as session, session.begin():
            plan = session.get(SafetyPlan, person_id)
            if plan is None:
                return None
            count_use(session, "opened")
            return self.view(plan)

    def offer(self, person_id: int) -> bool:
        """Whether to offer the person their plan (in a crisis); counted when offered."""
        with self.db.session() as session, session.begin():
            plan = session.get(SafetyPlan, person_id)
            if plan is None or self.view(plan).empty:
                return False
            count_use(session, "offered")
            return True

    def for_psw(self, person_id: int) -> Optional[PlanView]:
        """The plan for the PSW who has just taken the person's case, only if the person
        agreed to share it (counted when shown); None otherwise."""
        with self.db.session() as session, session.begin():
            plan = session.get(SafetyPlan, person_id)
            if plan is None or not plan.shared:
                return None
            count_use(session, "shown_to_psw")
            return self.view(plan)

    def view(self, plan: SafetyPlan) -> PlanView:
        """The plan opened with the key; one it cannot open reads as empty (and is logged)."""
        try:
            parts = self.sealer.open(plan.sealed)
        except SealError:
            log.error("the safety plan of person %s cannot be opened with this key", plan.person_id)
            parts = {}
        return PlanView({key: str(parts.get(key, "")) for key in PART_KEYS}, plan.shared, plan.updated_at)

    def text(self, plan: PlanView, region: Optional[str], language: Optional[str] = None) -> str:
        """The plan written out, part by part, with the region's crisis contacts under professionals."""
        sections = []
        for number, part in enumerate(PARTS, start=1):
            body = plan.parts.get(part.key) or say(language, N_("(nothing yet)"))
            if part.key == "professionals":
                body = f"{body}\n{self.crisis.message_for(region, language)}"
            sections.append(f"{number}. {say(language, part.title)}\n{body}")
        return "\n\n".join(sections)


def count_use(session: Session, kind: str) -> None:
    session.add(SafetyPlanUse(kind=kind, at=utcnow()))
