"""What keeps the bot running safely: guided-flow drafts, the buttons a chat can press
by typing, the scheduler lease, the durable inbox of Telegram updates, and the audit log."""
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
    INBOX_STATUSES,
    Base,
    one_of,
)
from bot.storage.types import UTCDateTime, utcnow


class Draft(Base):
    """A guided command half-way through (e.g. /newsession), kept across messages and restarts."""

    __tablename__ = "drafts"

    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    flow = Column(String(32), nullable=False)
    step = Column(String(32), nullable=False)
    data = Column(JSON, nullable=False, default=dict)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class PendingChoice(Base):
    """The buttons of the last question a private chat was asked, as (title, data) pairs,
    so typing one presses it: in the database, so any bot process (and a restarted one)
    reads what another asked. One row per chat; gone once answered."""

    __tablename__ = "pending_choices"

    chat_id = Column(BigInteger, primary_key=True, autoincrement=False)
    choices = Column(JSON, nullable=False, default=list)
    asked_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Lease(Base):
    """Who runs the scheduler's jobs: one holder at a time per name, until ``expires_at``."""

    __tablename__ = "leases"

    name = Column(String(64), primary_key=True)
    holder = Column(String(64), nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)


class InboxUpdate(Base):
    """A Telegram update written down before Telegram is told it arrived.

    The poller stores a fetched batch before it confirms the offset, and the webhook
    stores a call before it answers 200, so a crash never loses an update: whatever
    is ``received`` is handled, or handled again, by whichever process claims it next
    (``claimed_until`` is that claim's lease). The raw payload holds the person's
    words, so it is cleared once the update is done; a ``poison`` update (it cannot
    be read, or its handling failed too often) keeps it for an operator to inspect.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        one_of("status", INBOX_STATUSES),
        UniqueConstraint("bot_id", "update_id", name="uq_inbox_bot_update"),
        Index("ix_inbox_pending", "bot_id", "status", "priority", "id"),
        Index("ix_inbox_sender", "sender_id", "received_at"),
        Index("ix_inbox_order", "bot_id", "order_key", "status", "id"),
    )

    id = Column(Integer, primary_key=True)
    bot_id = Column(BigInteger, nullable=False)
    update_id = Column(BigInteger, nullable=False)
    # Handled highest first, then in arrival order: 1 when the lexicon already sees a
    # crisis, -1 when the sender is flooding (over their rate), else 0.
    priority = Column(Integer, nullable=False, default=0)
    sender_id = Column(BigInteger, nullable=True)
    # One conversation's updates ("<chat id>:<sender id>") are handled one at a time, in
    # arrival order; different conversations' at once. None: no order to keep.
    order_key = Column(String(64), nullable=True)
    payload = Column(JSON, nullable=True)
    status = Column(String(16), nullable=False, default="received")
    attempts = Column(Integer, nullable=False, default=0)
    claimed_until = Column(UTCDateTime, nullable=True)
    received_at = Column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = Column(UTCDateTime, nullable=True)
    error = Column(Text, nullable=True)


class AuditEntry(Base):
    """Who did or saw what: role changes, data exports, deletions, case access."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor_id = Column(Integer, ForeignKey("people.id", ondelete="SET NULL"), nullable=True)
    action = Column(String(64), nullable=False)
    subject_type = Column(String(32), nullable=True)
    subject_id = Column(String(64), nullable=True)
    detail = Column(JSON, nullable=True)
