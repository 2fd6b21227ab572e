"""The domain tables (PRODUCT.md), shaped so later features extend rather than reshape them.

Conventions:
- every instant is a ``UTCDateTime`` (UTC in the database, aware in Python);
- a session series keeps its start as a local date and wall-clock time plus an
  IANA timezone, because "10:00 every Thursday" must stay 10:00 across DST;
- small fixed vocabularies are strings guarded by CHECK constraints (portable
  between SQLite and PostgreSQL, no native enum types to migrate);
- people are anonymised, not deleted, when they ask to be forgotten, so that
  aggregate counts and the escalation audit trail survive without identity.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.storage.types import UTCDateTime, utcnow

# Named constraints make migrations (and SQLite batch mode) deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

STAFF_ROLES = ("psw", "coordinator")
BOT_CHAT_STATUSES = ("unknown", "member", "administrator", "left", "kicked")
OCCURRENCE_STATUSES = ("scheduled", "cancelled", "completed")
RSVP_STATUSES = ("yes", "no", "maybe", "waitlist")
CHECKIN_SOURCES = ("private", "round_in", "round_out")
STRATEGY_STATUSES = ("approved", "pending", "rejected")
ESCALATION_KINDS = ("crisis", "request", "followup")
ESCALATION_PRIORITIES = ("urgent", "normal", "low")
ESCALATION_STATUSES = ("open", "claimed", "closed")
DELIVERY_STATUSES = ("pending", "sending", "sent", "skipped", "failed")
NOTICE_KINDS = ("cancelled", "changed", "promoted")
OUTCOME_STATUSES = ("open", "complete", "abandoned")
ROUND_KINDS = ("in", "out")
INBOX_STATUSES = ("received", "done", "poison")
PAGE_STATUSES = ("sending", "sent", "failed")


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK constraint keeping ``column`` within a fixed vocabulary."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"{column}_valid")


def new_pseudonym() -> str:
    """A random, stable id for a person in exports; carries nothing about them."""
    return secrets.token_hex(6)


def new_slug(title: str, fallback: str) -> str:
    """A readable, unique key made from a title: its words and a short random suffix."""
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or fallback
    return f"{words}-{secrets.token_hex(3)}"


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


class Person(Base):
    """Anyone who talks to the bot: participant, PSW, coordinator (roles in PersonRole)."""

    __tablename__ = "people"

    id = Column(Integer, primary_key=True)
    telegram_user_id = Column(BigInteger, unique=True, nullable=True)
    display_name = Column(String(64), nullable=True)
    pseudonym = Column(String(16), unique=True, nullable=False, default=new_pseudonym)
    region = Column(String(16), nullable=True)
    timezone = Column(String(64), nullable=True)
    consented_at = Column(UTCDateTime, nullable=True)
    reminders_opt_out = Column(Boolean, nullable=False, default=False)
    on_duty = Column(Boolean, nullable=False, default=False)
    # When the bot last offered a person and has heard nothing back since: an
    # offer left unanswered becomes a follow-up for a PSW.
    offer_pending_since = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    forgotten_at = Column(UTCDateTime, nullable=True)
    # The optional outcome questionnaire: asked once for consent; None means not yet asked.
    outcome_consent = Column(Boolean, nullable=True)
    outcome_consent_at = Column(UTCDateTime, nullable=True)

    roles = relationship(
        "PersonRole", back_populates="person", cascade="all, delete-orphan", foreign_keys="PersonRole.person_id"
    )


class PersonRole(Base):
    """A staff role held by a person; granted only by invite code or bootstrap config."""

    __tablename__ = "person_roles"
    __table_args__ = (one_of("role", STAFF_ROLES),)

    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role = Column(String(16), primary_key=True)
    granted_at = Column(UTCDateTime, nullable=False, default=utcnow)
    granted_by_id = Column(Integer, ForeignKey("people.id"), nullable=True)
    source = Column(String(16), nullable=False)

    person = relationship("Person", back_populates="roles", foreign_keys=[person_id])


class RoleInvite(Base):
    """A single-use, expiring code that grants a staff role."""

    __tablename__ = "role_invites"
    __table_args__ = (one_of("role", STAFF_ROLES),)

    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False, default=new_invite_code)
    role = Column(String(16), nullable=False)
    created_by_id = Column(Integer, ForeignKey("people.id"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    used_by_id = Column(Integer, ForeignKey("people.id"), nullable=True)
    used_at = Column(UTCDateTime, nullable=True)


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


class Draft(Base):
    """A guided command half-way through (e.g. /newsession), kept across messages and restarts."""

    __tablename__ = "drafts"

    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    flow = Column(String(32), nullable=False)
    step = Column(String(32), nullable=False)
    data = Column(JSON, nullable=False, default=dict)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


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
    )

    id = Column(Integer, primary_key=True)
    bot_id = Column(BigInteger, nullable=False)
    update_id = Column(BigInteger, nullable=False)
    # Handled highest first, then in arrival order: 1 when the lexicon already sees a
    # crisis, -1 when the sender is flooding (over their rate), else 0.
    priority = Column(Integer, nullable=False, default=0)
    sender_id = Column(BigInteger, nullable=True)
    payload = Column(JSON, nullable=True)
    status = Column(String(16), nullable=False, default="received")
    attempts = Column(Integer, nullable=False, default=0)
    claimed_until = Column(UTCDateTime, nullable=True)
    received_at = Column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = Column(UTCDateTime, nullable=True)
    error = Column(Text, nullable=True)


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


class DutyPeriod(Base):
    """A stretch of time a PSW was on duty, for rota and on-duty-hours reports."""

    __tablename__ = "duty_periods"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True)
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    ended_at = Column(UTCDateTime, nullable=True)


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
