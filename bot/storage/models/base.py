"""The declarative base, its naming convention, the fixed vocabularies and the small
generators (pseudonyms, slugs, invite codes) the tables share."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import (
    CheckConstraint,
    MetaData,
)
from sqlalchemy.orm import declarative_base

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


# What is counted about safety plans (never their contents): one row per event.
PLAN_USE_KINDS = ("made", "changed", "opened", "offered", "shown_to_psw")


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
