"""Groups and their sessions: membership, series and their dated occurrences, RSVPs,
attendance, facilitation rounds, and the reminders and notices owed about them."""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)

from bot.storage.models.base import (
    BOT_CHAT_STATUSES,
    DELIVERY_STATUSES,
    NOTICE_KINDS,
    OCCURRENCE_STATUSES,
    ROUND_KINDS,
    RSVP_STATUSES,
    Base,
    new_invite_code,
    one_of,
)
from bot.storage.types import UTCDateTime, utcnow


class Group(Base):
    """A peer support group and, once the bot is added, its Telegram group chat."""

    __tablename__ = "groups"
    __table_args__ = (one_of("bot_status", BOT_CHAT_STATUSES),)

    id = Column(Integer, primary_key=True)
    telegram_chat_id = Column(BigInteger, unique=True, nullable=True)
    title = Column(String(128), nullable=False)
    invite_code = Column(String(32), unique=True, nullable=False, default=new_invite_code)
    ground_rules = Column(Text, nullable=True)
    bot_status = Column(String(16), nullable=False, default="unknown")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "group_id"),)

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    group_id = Column(Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False)
    joined_at = Column(UTCDateTime, nullable=False, default=utcnow)
    left_at = Column(UTCDateTime, nullable=True)


class SessionSeries(Base):
    """A recurring (RRULE) or one-off session; times are local to ``timezone``."""

    __tablename__ = "session_series"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), unique=True, nullable=True)
    group_id = Column(Integer, ForeignKey("groups.id"), nullable=True)
    name = Column(String(128), nullable=False)
    kind = Column(String(32), nullable=False)
    rrule = Column(Text, nullable=True)
    timezone = Column(String(64), nullable=False)
    start_date = Column(Date, nullable=False)
    start_time = Column(Time, nullable=False)
    duration_minutes = Column(Integer, nullable=False)
    location = Column(Text, nullable=True)
    online_link = Column(Text, nullable=True)
    accessibility_notes = Column(Text, nullable=True)
    agenda = Column(Text, nullable=True)
    capacity = Column(Integer, nullable=True)
    reminder_offsets_minutes = Column(JSON, nullable=True)
    auto_facilitate = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    cancelled_at = Column(UTCDateTime, nullable=True)


class SeriesFacilitator(Base):
    __tablename__ = "series_facilitators"

    series_id = Column(Integer, ForeignKey("session_series.id", ondelete="CASCADE"), primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)


class Occurrence(Base):
    """One dated session of a series; ``original_starts_at`` keeps it unique when moved."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("series_id", "original_starts_at"),
        one_of("status", OCCURRENCE_STATUSES),
        Index("ix_occurrences_starts_at", "starts_at"),
    )

    id = Column(Integer, primary_key=True)
    series_id = Column(Integer, ForeignKey("session_series.id", ondelete="CASCADE"), nullable=False)
    original_starts_at = Column(UTCDateTime, nullable=False)
    starts_at = Column(UTCDateTime, nullable=False)
    ends_at = Column(UTCDateTime, nullable=False)
    status = Column(String(16), nullable=False, default="scheduled")
    change_note = Column(Text, nullable=True)
    changed_at = Column(UTCDateTime, nullable=True)
    wrapped_up_at = Column(UTCDateTime, nullable=True)  # summary and attendance buttons sent to facilitators


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("occurrence_id", "person_id"), one_of("status", RSVP_STATUSES))

    id = Column(Integer, primary_key=True)
    occurrence_id = Column(Integer, ForeignKey("occurrences.id", ondelete="CASCADE"), nullable=False)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    status = Column(String(16), nullable=False)
    responded_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Attendance(Base):
    __tablename__ = "attendance"

    occurrence_id = Column(Integer, ForeignKey("occurrences.id", ondelete="CASCADE"), primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    present = Column(Boolean, nullable=False)
    marked_by_id = Column(Integer, ForeignKey("people.id"), nullable=True)
    marked_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Round(Base):
    """A check-in ("in") or check-out ("out") round of a session, posted in its group chat."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("occurrence_id", "kind"), one_of("kind", ROUND_KINDS))

    id = Column(Integer, primary_key=True)
    occurrence_id = Column(Integer, ForeignKey("occurrences.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(8), nullable=False)
    chat_id = Column(BigInteger, nullable=False)
    started_by_id = Column(Integer, ForeignKey("people.id", ondelete="SET NULL"), nullable=True)
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    closed_at = Column(UTCDateTime, nullable=True)


class SessionNotice(Base):
    """A message owed to a person about an occurrence (cancelled, changed, a place freed).

    Written in the same transaction as the change, then sent by the scheduler,
    so a change made from the CLI or a crash before sending loses no notice.
    """

    __tablename__ = "session_notices"
    __table_args__ = (one_of("kind", NOTICE_KINDS), one_of("status", DELIVERY_STATUSES),
                      Index("ix_session_notices_status", "status", "created_at", "id"))

    id = Column(Integer, primary_key=True)
    occurrence_id = Column(Integer, ForeignKey("occurrences.id", ondelete="CASCADE"), nullable=False)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime, nullable=True)
    error = Column(Text, nullable=True)


class ReminderDelivery(Base):
    """One reminder to one person for one occurrence; the unique key makes it exactly-once."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "person_id", "offset_minutes"),
        one_of("status", DELIVERY_STATUSES),
        # The sender takes the oldest pending row: (status, due_at, id) finds it at once.
        Index("ix_reminder_deliveries_due", "status", "due_at", "id"),
    )

    id = Column(Integer, primary_key=True)
    occurrence_id = Column(Integer, ForeignKey("occurrences.id", ondelete="CASCADE"), nullable=False)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    offset_minutes = Column(Integer, nullable=False)
    due_at = Column(UTCDateTime, nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    attempted_at = Column(UTCDateTime, nullable=True)
    sent_at = Column(UTCDateTime, nullable=True)
    error = Column(Text, nullable=True)
