"""What people record about how they are: check-ins, coping ideas offered and how
they went, the optional wellbeing questionnaire, and their own safety plan."""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from bot.storage.models.base import (
    CHECKIN_SOURCES,
    OUTCOME_STATUSES,
    PLAN_USE_KINDS,
    STRATEGY_STATUSES,
    Base,
    one_of,
)
from bot.storage.types import UTCDateTime, utcnow


class CheckIn(Base):
    """A mood check-in (1-5), privately or in a session round; a pass has no mood."""

    __tablename__ = "checkins"
    __table_args__ = (
        CheckConstraint("mood IS NULL OR (mood >= 1 AND mood <= 5)", name="mood_range"),
        CheckConstraint("passed OR mood IS NOT NULL", name="mood_or_pass"),
        one_of("source", CHECKIN_SOURCES),
        Index("ix_checkins_person_created", "person_id", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    group_id = Column(Integer, ForeignKey("groups.id", ondelete="SET NULL"), nullable=True)
    occurrence_id = Column(Integer, ForeignKey("occurrences.id", ondelete="SET NULL"), nullable=True)
    mood = Column(Integer, nullable=True)
    passed = Column(Boolean, nullable=False, default=False)
    shared = Column(Boolean, nullable=False, default=False)
    note = Column(Text, nullable=True)
    source = Column(String(16), nullable=False, default="private")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class CopingStrategy(Base):
    """An entry of the co-designed library; suggestions wait as ``pending`` for review."""

    __tablename__ = "coping_strategies"
    __table_args__ = (one_of("status", STRATEGY_STATUSES),)

    id = Column(Integer, primary_key=True)
    slug = Column(String(64), unique=True, nullable=False)
    title = Column(String(128), nullable=False)
    category = Column(String(32), nullable=False)
    steps = Column(Text, nullable=False)
    moods = Column(JSON, nullable=False, default=list)
    status = Column(String(16), nullable=False, default="approved")
    suggested_by_id = Column(Integer, ForeignKey("people.id", ondelete="SET NULL"), nullable=True)
    reviewed_by_id = Column(Integer, ForeignKey("people.id", ondelete="SET NULL"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    reviewed_at = Column(UTCDateTime, nullable=True)


class CopingOffer(Base):
    """A strategy offered to a person, and their "did that help?" answer."""

    __tablename__ = "coping_offers"
    __table_args__ = (Index("ix_coping_offers_person_offered", "person_id", "offered_at"),)

    id = Column(Integer, primary_key=True)
    strategy_id = Column(Integer, ForeignKey("coping_strategies.id", ondelete="CASCADE"), nullable=False)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    offered_at = Column(UTCDateTime, nullable=False, default=utcnow)
    helpful = Column(Boolean, nullable=True)
    rated_at = Column(UTCDateTime, nullable=True)


class OutcomeResponse(Base):
    """One completion (or attempt) of the outcome questionnaire, with its item answers and scores.

    The measure itself (items, scale, scoring) is data in config/; ``measure``
    names it, so answers stay interpretable if the file changes later.
    """

    __tablename__ = "outcome_responses"
    __table_args__ = (one_of("status", OUTCOME_STATUSES),
                      Index("ix_outcome_responses_person_started", "person_id", "started_at"))

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    measure = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="open")
    answers = Column(JSON, nullable=False, default=dict)  # item id -> chosen value
    scores = Column(JSON, nullable=True)  # score name -> value, once complete
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    completed_at = Column(UTCDateTime, nullable=True)


class SafetyPlan(Base):
    """A person's own safety plan: their words for each part, sealed (``bot.storage.sealing``:
    part key -> text, encrypted under a key the database never holds), and whether the peer
    supporter who takes their case may read it. One per person."""

    __tablename__ = "safety_plans"

    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    sealed = Column(Text, nullable=False)
    shared = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class SafetyPlanUse(Base):
    """One time a plan was made, changed, opened, offered or shown to a PSW. Deliberately
    tied to nobody: reports count these, and they outlive a plan deleted by /forgetme."""

    __tablename__ = "safety_plan_uses"
    __table_args__ = (one_of("kind", PLAN_USE_KINDS), Index("ix_safety_plan_uses_at", "at"))

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
