"""Roles a person can hold. Participant comes from consent; staff roles only
from an invite code or the bootstrap list in config, never self-declared."""
from __future__ import annotations

PARTICIPANT = "participant"
PSW = "psw"
COORDINATOR = "coordinator"
STAFF = (PSW, COORDINATOR)
ALL_ROLES = (PARTICIPANT, PSW, COORDINATOR)
