"""The coping-strategy library: seeding, choosing an idea, and "did that help?"."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import CopingOffer, CopingStrategy
from bot.storage.types import utcnow


@dataclass(frozen=True)
class Suggestion:
    offer_id: int
    title: str
    steps: str


def load_library(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(data.get("strategies") or [])


class CopingService:
    def __init__(self, db: Database, rng: Optional[random.Random] = None) -> None:
        self.db = db
        self.rng = rng or random.Random()

    def seed(self, path: Path) -> int:
        """Add strategies whose slug is new; curated entries are never overwritten."""
        added = 0
        with self.db.session() as session, session.begin():
            known = set(session.execute(select(CopingStrategy.slug)).scalars())
            for entry in load_library(path):
                if entry["slug"] in known:
                    continue
                session.add(CopingStrategy(slug=entry["slug"], title=entry["title"], category=entry["category"],
                                           steps=entry["steps"].strip(), moods=list(entry.get("moods") or []),
                                           status="approved"))
                added += 1
        return added

    def suggest(self, person_id: int, mood: Optional[int] = None) -> Optional[Suggestion]:
        """An approved strategy suited to the mood, never the one offered last,
        preferring ones this person found helpful before."""
        with self.db.session() as session, session.begin():
            strategies = session.execute(
                select(CopingStrategy).where(CopingStrategy.status == "approved").order_by(CopingStrategy.id)
            ).scalars().all()
            suitable = [s for s in strategies if mood is None or not s.moods or mood in s.moods] or strategies
            if not suitable:
                return None
            last = session.execute(
                select(CopingOffer.strategy_id).where(CopingOffer.person_id == person_id)
                .order_by(CopingOffer.offered_at.desc(), CopingOffer.id.desc()).limit(1)
            ).scalar_one_or_none()
            fresh = [s for s in suitable if s.id != last] or suitable
            helped = set(session.execute(
                select(CopingOffer.strategy_id).where(CopingOffer.person_id == person_id, CopingOffer.helpful.is_(True))
            ).scalars())
            preferred = [s for s in fresh if s.id in helped]
            # Mostly what helped before, sometimes something new, so the library gets explored.
            pool = preferred if preferred and self.rng.random() < 0.6 else fresh
            strategy = self.rng.choice(pool)
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
