"""People and their roles: participants, PSWs (with their duty periods) and
coordinators, and the single-use invites that make staff."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import relationship

from bot.storage.models.base import (
    STAFF_ROLES,
    Base,
    new_invite_code,
    new_pseudonym,
    one_of,
)
from bot.storage.types import UTCDateTime, utcnow


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
    # The language the bot speaks to them ("en", "es"): Telegram's at joining, then /language.
    language = Column(String(8), nullable=True)
    # /break: no session reminders or wellbeing questions until then, and a gentle check-in after.
    break_until = Column(UTCDateTime, nullable=True)

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


class DutyPeriod(Base):
    """A stretch of time a PSW was on duty, for rota and on-duty-hours reports."""

    __tablename__ = "duty_periods"

    id = Column(Integer, primary_key=True)
    person_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True)
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    ended_at = Column(UTCDateTime, nullable=True)
