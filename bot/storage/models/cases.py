"""Escalations to a human PSW: the case, its audit trail, and each page sent about it."""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from bot.storage.models.base import (
    ESCALATION_KINDS,
    ESCALATION_PRIORITIES,
    ESCALATION_STATUSES,
    PAGE_STATUSES,
    Base,
    one_of,
)
from bot.storage.types import UTCDateTime, utcnow


class Escalation(Base):
    """A case for a human PSW: crisis (urgent), a request, or a follow-up task.

    ``next_page_at`` is the persisted timer for re-paging along the chain, so a
    restart rebuilds every timer from the database.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        one_of("kind", ESCALATION_KINDS),
        one_of("priority", ESCALATION_PRIORITIES),
        one_of("status", ESCALATION_STATUSES),
        Index("ix_escalations_queue", "status", "priority", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id"), nullable=False)
    group_id = Column(Integer, ForeignKey("groups.id", ondelete="SET NULL"), nullable=True)
    kind = Column(String(16), nullable=False)
    priority = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="open")
    reasons = Column(JSON, nullable=False, default=list)
    trigger_text = Column(Text, nullable=True)
    conversation_id = Column(String(64), nullable=True)
    # The message that raised the case ("chat:message"), so handling it again after a
    # crash finds this case instead of opening a second one.
    source = Column(String(64), nullable=True, unique=True)
    chain_level = Column(Integer, nullable=False, default=0)
    next_page_at = Column(UTCDateTime, nullable=True)
    claimed_by_id = Column(Integer, ForeignKey("people.id"), nullable=True)
    claimed_at = Column(UTCDateTime, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)
    outcome = Column(String(32), nullable=True)
    outcome_note = Column(Text, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class EscalationEvent(Base):
    """The audit trail of an escalation: every state change, with time and actor."""

    __tablename__ = "escalation_events"

    id = Column(Integer, primary_key=True)
    escalation_id = Column(Integer, ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True)
    event = Column(String(32), nullable=False)
    actor_id = Column(Integer, ForeignKey("people.id"), nullable=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    detail = Column(JSON, nullable=True)


class CasePage(Base):
    """One page of a case to one chat at one step of the chain, claimed before it is sent,
    so handling an update again (after a crash) never pages anyone twice."""

    __tablename__ = "case_pages"
    __table_args__ = (
        one_of("status", PAGE_STATUSES),
        UniqueConstraint("escalation_id", "chain_level", "chat_id", name="uq_case_pages_once"),
    )

    id = Column(Integer, primary_key=True)
    escalation_id = Column(Integer, ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False)
    chain_level = Column(Integer, nullable=False)
    chat_id = Column(BigInteger, nullable=False)
    status = Column(String(16), nullable=False, default="sending")
    error = Column(Text, nullable=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
