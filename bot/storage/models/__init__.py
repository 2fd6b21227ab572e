"""The domain tables (PRODUCT.md), shaped so later features extend rather than reshape them.

Conventions:
- every instant is a ``UTCDateTime`` (UTC in the database, aware in Python);
- a session series keeps its start as a local date and wall-clock time plus an
  IANA timezone, because "10:00 every Thursday" must stay 10:00 across DST;
- small fixed vocabularies are strings guarded by CHECK constraints (portable
  between SQLite and PostgreSQL, no native enum types to migrate);
- people are anonymised, not deleted, when they ask to be forgotten, so that
  aggregate counts and the escalation audit trail survive without identity.

The tables live in modules by subject (``people``, ``sessions``, ``wellbeing``,
``cases``, ``moderation``, ``operations``) on one ``Base``; this package is where the rest of the
code imports them from.
"""
from bot.storage.models.base import (
    BOT_CHAT_STATUSES,
    CHECKIN_SOURCES,
    DELIVERY_STATUSES,
    ESCALATION_KINDS,
    ESCALATION_PRIORITIES,
    ESCALATION_STATUSES,
    INBOX_STATUSES,
    NAMING_CONVENTION,
    NOTICE_KINDS,
    OCCURRENCE_STATUSES,
    OUTCOME_STATUSES,
    PAGE_STATUSES,
    PLAN_USE_KINDS,
    ROUND_KINDS,
    RSVP_STATUSES,
    STAFF_ROLES,
    STRATEGY_STATUSES,
    Base,
    new_invite_code,
    new_pseudonym,
    new_slug,
    one_of,
)
from bot.storage.models.cases import CasePage, Escalation, EscalationEvent
from bot.storage.models.moderation import MessageFlag
from bot.storage.models.operations import AuditEntry, Draft, InboxUpdate, Lease, PendingChoice
from bot.storage.models.people import DutyPeriod, Person, PersonRole, RoleInvite
from bot.storage.models.sessions import (
    Attendance,
    Group,
    Membership,
    Occurrence,
    ReminderDelivery,
    Round,
    Rsvp,
    SeriesFacilitator,
    SessionNotice,
    SessionSeries,
)
from bot.storage.models.wellbeing import (
    CheckIn,
    CopingOffer,
    CopingStrategy,
    OutcomeResponse,
    SafetyPlan,
    SafetyPlanUse,
)

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "STAFF_ROLES",
    "BOT_CHAT_STATUSES",
    "OCCURRENCE_STATUSES",
    "RSVP_STATUSES",
    "CHECKIN_SOURCES",
    "STRATEGY_STATUSES",
    "ESCALATION_KINDS",
    "ESCALATION_PRIORITIES",
    "ESCALATION_STATUSES",
    "DELIVERY_STATUSES",
    "NOTICE_KINDS",
    "OUTCOME_STATUSES",
    "ROUND_KINDS",
    "INBOX_STATUSES",
    "PAGE_STATUSES",
    "PLAN_USE_KINDS",
    "one_of",
    "new_pseudonym",
    "new_slug",
    "new_invite_code",
    "Person",
    "PersonRole",
    "RoleInvite",
    "DutyPeriod",
    "Group",
    "Membership",
    "SessionSeries",
    "SeriesFacilitator",
    "Occurrence",
    "Rsvp",
    "Attendance",
    "Round",
    "SessionNotice",
    "ReminderDelivery",
    "CheckIn",
    "CopingStrategy",
    "CopingOffer",
    "OutcomeResponse",
    "SafetyPlan",
    "SafetyPlanUse",
    "Escalation",
    "EscalationEvent",
    "CasePage",
    "Draft",
    "MessageFlag",
    "PendingChoice",
    "Lease",
    "InboxUpdate",
    "AuditEntry",
]
