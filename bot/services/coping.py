"""The coping-strategy library: seeding, choosing an idea, "did that help?", and the
suggestions members and PSWs send in for coordinators to approve or reject.

The library file is checked entry by entry before anything is written, so a typo
in config stops start-up with a message naming the strategy and the field rather
than offering someone a half-written idea.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import ConfigError
from bot.services.escalations import name_of
from bot.storage.db import Database
from bot.storage.models import CopingOffer, CopingStrategy, Person, new_slug
from bot.storage.types import utcnow

CATEGORIES = ("breathing", "grounding", "movement", "creative", "social", "sleep", "self-compassion")
MOODS = (1, 2, 3, 4, 5)
TITLE_LIMIT = 128  # the column's width; /suggest asks for less
PREFER_HELPFUL = 0.6  # how often an idea that helped before is chosen over exploring the rest


class LibraryError(ConfigError, ValueError):
    """A strategy that cannot be used; the message names its slug and the field."""


@dataclass(frozen=True)
class StrategyEntry:
    """One checked strategy, as written in the library file or suggested in Telegram."""

    slug: str
    title: str
    category: str
    steps: str
    moods: tuple[int, ...]  # empty: suits any mood


@dataclass(frozen=True)
class Suggestion:
    offer_id: int
    title: str
    steps: str


@dataclass(frozen=True)
class PendingStrategy:
    """A suggestion waiting for a coordinator, with who sent it in."""

    id: int
    title: str
    category: str
    steps: str
    moods: tuple[int, ...]
    suggested_by: str


@dataclass(frozen=True)
class ReviewResult:
    """What a coordinator's decision did: ``changed`` is False when the suggestion had
    already been reviewed (or no longer exists), and then nothing was written."""

    changed: bool
    status: Optional[str] = None
    title: str = ""
    suggested_by_id: Optional[int] = None


def checked_entry(entry: Any, source: str, index: int) -> StrategyEntry:
    """The ``index``-th entry of a library file as a StrategyEntry, or LibraryError naming the
    file, the entry (by slug, or by position when it has none) and the field."""
    if not isinstance(entry, dict):
        raise LibraryError(f"{source}: strategy #{index + 1}: must be a mapping with slug, title, category, "
                           "steps and moods")
    slug = entry.get("slug")
    if not isinstance(slug, str) or not slug.strip():
        raise LibraryError(f"{source}: strategy #{index + 1}: slug: missing")
    return checked(slug.strip(), entry.get("title"), entry.get("category"), entry.get("steps"),
                   entry.get("moods") or [], f"{source}: strategy {slug.strip()!r}")


def checked(slug: str, title: Any, category: Any, steps: Any, moods: Any, where: str) -> StrategyEntry:
    """The rules every strategy keeps, whether from the file or from a suggestion."""
    if not isinstance(title, str) or not title.strip():
        raise LibraryError(f"{where}: title: missing")
    if len(title.strip()) > TITLE_LIMIT:
        raise LibraryError(f"{where}: title: longer than {TITLE_LIMIT} characters")
    if category not in CATEGORIES:
        raise LibraryError(f"{where}: category: {category!r} is not one of {', '.join(CATEGORIES)}")
    if not isinstance(steps, str) or not steps.strip():
        raise LibraryError(f"{where}: steps: missing (write a few short lines)")
    if not isinstance(moods, list) or any(isinstance(m, bool) or m not in MOODS for m in moods):
        raise LibraryError(f"{where}: moods: {moods!r} must be a list of moods from 1 to 5 (empty for any mood)")
    return StrategyEntry(slug, title.strip(), category, steps.strip(), tuple(sorted(set(moods))))


def load_library(path: Path) -> list[StrategyEntry]:
    """Every strategy in the library file, checked; LibraryError on the first bad one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = [checked_entry(entry, str(path), index) for index, entry in enumerate(data.get("strategies") or [])]
    seen: set[str] = set()
    for entry in entries:
        if entry.slug in seen:
            raise LibraryError(f"{path}: strategy {entry.slug!r}: slug: used twice")
        seen.add(entry.slug)
    return entries


def latest_verdicts(session: Session, person_id: int) -> dict[int, bool]:
    """For each strategy this person has rated, their most recent answer to "did that help?":
    people change, so a newer answer outweighs an older one."""
    rated = session.execute(
        select(CopingOffer.strategy_id, CopingOffer.helpful)
        .where(CopingOffer.person_id == person_id, CopingOffer.helpful.is_not(None))
        .order_by(CopingOffer.rated_at, CopingOffer.id)
    ).all()
    return {strategy_id: helpful for strategy_id, helpful in rated}


def suits(strategy: CopingStrategy, mood: Optional[int]) -> bool:
    return mood is None or not strategy.moods or mood in strategy.moods


def narrowed(pool: list[CopingStrategy], keep: Iterable[bool]) -> list[CopingStrategy]:
    """The pool filtered by ``keep``, unless that would leave nothing to offer."""
    kept = [s for s, k in zip(pool, keep) if k]
    return kept or pool


class CopingService:
    def __init__(self, db: Database, rng: Optional[random.Random] = None) -> None:
        self.db = db
        self.rng = rng or random.Random()

    def seed(self, path: Path) -> int:
        """Add strategies whose slug is new; curated entries are never overwritten.
        The whole file is checked first, so a bad entry adds nothing."""
        entries = load_library(path)
        added = 0
        with self.db.session() as session, session.begin():
            known = set(session.execute(select(CopingStrategy.slug)).scalars())
            for entry in entries:
                if entry.slug in known:
                    continue
                session.add(CopingStrategy(slug=entry.slug, title=entry.title, category=entry.category,
                                           steps=entry.steps, moods=list(entry.moods), status="approved"))
                added += 1
        return added

    def suggest(self, person_id: int, mood: Optional[int] = None) -> Optional[Suggestion]:
        """An approved strategy for this person, chosen in order of what matters most:
        never the one offered last; suited to the mood; not one they said didn't help;
        and mostly, but not always, one they said helped (so the library still gets explored).
        Each rule gives way only when keeping it would leave nothing to offer."""
        with self.db.session() as session, session.begin():
            strategies = session.execute(
                select(CopingStrategy).where(CopingStrategy.status == "approved").order_by(CopingStrategy.id)
            ).scalars().all()
            if not strategies:
                return None
            last = session.execute(
                select(CopingOffer.strategy_id).where(CopingOffer.person_id == person_id)
                .order_by(CopingOffer.offered_at.desc(), CopingOffer.id.desc()).limit(1)
            ).scalar_one_or_none()
            verdicts = latest_verdicts(session, person_id)
            pool = narrowed(strategies, (s.id != last for s in strategies))
            pool = narrowed(pool, (suits(s, mood) for s in pool))
            pool = narrowed(pool, (verdicts.get(s.id) is not False for s in pool))
            helped = [s for s in pool if verdicts.get(s.id)]
            strategy = self.rng.choice(helped if helped and self.rng.random() < PREFER_HELPFUL else pool)
            offer = CopingOffer(strategy_id=strategy.id, person_id=person_id)
            session.add(offer)
            session.flush()
            return Suggestion(offer.id, strategy.title, strategy.steps)

    def rate_latest(self, person_id: int, helpful: bool) -> bool:
        """Record "did that help?" on the person's latest unrated offer; False if none."""
        with self.db.session() as session, session.begin():
            offer = session.execute(
                select(CopingOffer).where(CopingOffer.person_id == person_id, CopingOffer.helpful.is_(None))
                .order_by(CopingOffer.offered_at.desc(), CopingOffer.id.desc()).limit(1)
            ).scalar_one_or_none()
            if offer is None:
                return False
            offer.helpful = helpful
            offer.rated_at = utcnow()
            return True

    # --- suggestions and their review ----------------------------------------------------------

    def submit(self, person_id: int, title: str, category: str, steps: str, moods: list[int]) -> int:
        """A member's or PSW's idea, kept as ``pending`` until a coordinator reviews it;
        it is never offered to anyone before then. Returns the new strategy's id."""
        slug = "suggested-" + new_slug(title, "idea")
        entry = checked(slug, title, category, steps, moods, "suggestion")
        with self.db.session() as session, session.begin():
            strategy = CopingStrategy(slug=entry.slug, title=entry.title, category=entry.category, steps=entry.steps,
                                      moods=list(entry.moods), status="pending", suggested_by_id=person_id)
            session.add(strategy)
            session.flush()
            strategy_id: int = strategy.id
            return strategy_id

    def pending(self, limit: int = 20) -> list[PendingStrategy]:
        """Suggestions waiting for review, oldest first, with the suggester's chosen name."""
        with self.db.session() as session:
            rows = session.execute(
                select(CopingStrategy, Person).outerjoin(Person, Person.id == CopingStrategy.suggested_by_id)
                .where(CopingStrategy.status == "pending").order_by(CopingStrategy.created_at, CopingStrategy.id)
                .limit(limit)
            ).all()
            return [PendingStrategy(s.id, s.title, s.category, s.steps, tuple(s.moods or ()),
                                    name_of(p) if p is not None else "someone who has since left")
                    for s, p in rows]

    def review(self, strategy_id: int, reviewer_id: int, approve: bool) -> ReviewResult:
        """Approve (it joins the library) or reject a pending suggestion. The change is one
        conditional UPDATE, so when two coordinators press at once only the first decides."""
        status = "approved" if approve else "rejected"
        with self.db.session() as session, session.begin():
            changed = session.execute(
                update(CopingStrategy)
                .where(CopingStrategy.id == strategy_id, CopingStrategy.status == "pending")
                .values(status=status, reviewed_by_id=reviewer_id, reviewed_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount == 1
            if not changed:
                return ReviewResult(False)
            strategy = session.get(CopingStrategy, strategy_id)
            return ReviewResult(True, status, strategy.title, strategy.suggested_by_id)
