"""People: consent, display names, roles and role invites, joining groups."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services.roles import COORDINATOR, PARTICIPANT, PSW, STAFF
from bot.storage.db import Database
from bot.storage.models import AuditEntry, Group, Membership, Person, PersonRole, RoleInvite
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 32
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InviteError(ValueError):
    """A role or group invite code cannot be used; the message is safe to show."""


def clean_display_name(raw: str) -> Optional[str]:
    """A usable display name, or None: trimmed, no control characters, short."""
    name = _CONTROL.sub("", raw or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH or name.startswith("/"):
        return None
    return name


class PeopleService:
    def __init__(self, db: Database, bootstrap_coordinators: list[int], invite_expiry: timedelta) -> None:
        self.db = db
        self.bootstrap_coordinators = set(bootstrap_coordinators)
        self.invite_expiry = invite_expiry

    def find(self, telegram_user_id: int) -> Optional[Person]:
        with self.db.session() as session:
            person: Optional[Person] = session.execute(
                select(Person).where(Person.telegram_user_id == telegram_user_id)
            ).scalar_one_or_none()
            return person

    def get(self, person_id: int) -> Person:
        with self.db.session() as session:
            person: Optional[Person] = session.get(Person, person_id)
        if person is None:
            raise LookupError(f"no person {person_id}")
        return person

    def roles_of(self, person: Optional[Person]) -> set[str]:
        """Everything this person may do; nobody has a role before consenting."""
        if person is None or person.consented_at is None:
            return set()
        with self.db.session() as session:
            staff = session.execute(select(PersonRole.role).where(PersonRole.person_id == person.id)).scalars()
            return {PARTICIPANT, *staff}

    def consent(self, telegram_user_id: int, region: str, timezone: str, language: Optional[str] = None) -> Person:
        """Record consent (creating the person on first consent); grants bootstrap roles."""
        with self.db.session() as session, session.begin():
            person: Optional[Person] = session.execute(
                select(Person).where(Person.telegram_user_id == telegram_user_id)
            ).scalar_one_or_none()
            if person is None:
                person = Person(telegram_user_id=telegram_user_id, region=region, timezone=timezone)
                session.add(person)
            if person.language is None:
                person.language = language
            if person.consented_at is None:
                person.consented_at = utcnow()
                session.flush()
                session.add(AuditEntry(actor_id=person.id, action="consent.given", subject_type="person", subject_id=str(person.id)))
            if telegram_user_id in self.bootstrap_coordinators:
                self._grant(session, person.id, COORDINATOR, source="config", granted_by=None)
            return person

    def ensure_known(self, telegram_user_id: int, first_name: str, region: str, timezone: str,
                     language: Optional[str] = None) -> Person:
        """A minimal record (no consent) so risk from someone who never pressed Start can
        still reach a person: their Telegram id and first name, nothing else."""
        existing = self.find(telegram_user_id)
        if existing is not None:
            return existing
        with self.db.session() as session, session.begin():
            person = Person(telegram_user_id=telegram_user_id, display_name=clean_display_name(first_name),
                            region=region, timezone=timezone, language=language)
            session.add(person)
            session.flush()
            session.add(AuditEntry(action="person.recorded_for_safety", subject_type="person",
                                   subject_id=str(person.id)))
            return person

    def set_language(self, person_id: int, language: str) -> None:
        with self.db.session() as session, session.begin():
            session.get(Person, person_id).language = language

    def set_region(self, person_id: int, region: str) -> None:
        with self.db.session() as session, session.begin():
            session.get(Person, person_id).region = region

    def take_break(self, person_id: int, until: Optional[datetime]) -> None:
        """A break (/break) until ``until``; None ends it now (with no check-in: they are here)."""
        with self.db.session() as session, session.begin():
            session.get(Person, person_id).break_until = until

    def breaks_over(self, now: Optional[datetime] = None) -> list[Person]:
        """People whose break has just ended, each returned to exactly one caller (a
        conditional update decides, so two processes never both send the check-in)."""
        now = now or utcnow()
        with self.db.session() as session:
            due = session.execute(select(Person.id, Person.break_until).where(
                Person.break_until.is_not(None), Person.break_until <= now)).all()
        ended = []
        for person_id, until in due:
            with self.db.session() as session, session.begin():
                won = session.execute(update(Person).where(Person.id == person_id, Person.break_until == until)
                                      .values(break_until=None).execution_options(synchronize_session=False)
                                      ).rowcount == 1
            if won:
                ended.append(self.get(person_id))
        return ended

    def set_display_name(self, person_id: int, name: str) -> None:
        with self.db.session() as session, session.begin():
            session.get(Person, person_id).display_name = name

    def _grant(self, session: Session, person_id: int, role: str, source: str, granted_by: Optional[int]) -> bool:
        exists = session.get(PersonRole, (person_id, role))
        if exists is not None:
            return False
        session.add(PersonRole(person_id=person_id, role=role, source=source, granted_by_id=granted_by))
        session.add(
            AuditEntry(actor_id=granted_by, action="role.granted", subject_type="person",
                       subject_id=str(person_id), detail={"role": role, "source": source})
        )
        return True

    def create_role_invite(self, role: str, created_by_id: Optional[int]) -> RoleInvite:
        if role not in STAFF:
            raise InviteError(f"invites are for {' or '.join(STAFF)}, not {role!r}")
        with self.db.session() as session, session.begin():
            invite = RoleInvite(role=role, created_by_id=created_by_id, expires_at=utcnow() + self.invite_expiry)
            session.add(invite)
            session.flush()
            session.add(AuditEntry(actor_id=created_by_id, action="role_invite.created", subject_type="role_invite",
                                   subject_id=str(invite.id), detail={"role": role}))
            return invite

    def redeem_role_invite(self, person_id: int, code: str) -> str:
        """Use a single-use, unexpired role code; returns the role granted."""
        with self.db.session() as session, session.begin():
            now = utcnow()
            claimed = session.execute(
                update(RoleInvite)
                .where(RoleInvite.code == code, RoleInvite.used_at.is_(None), RoleInvite.expires_at > now)
                .values(used_at=now, used_by_id=person_id)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                invite = session.execute(select(RoleInvite).where(RoleInvite.code == code)).scalar_one_or_none()
                if invite is None:
                    raise InviteError("That invite code isn't one I know.")
                if invite.used_at is not None:
                    raise InviteError("That invite code has already been used.")
                raise InviteError("That invite code has expired. Please ask a coordinator for a new one.")
            role: str = session.execute(select(RoleInvite.role).where(RoleInvite.code == code)).scalar_one()
            self._grant(session, person_id, role, source="invite", granted_by=None)
            return role

    def join_group(self, person_id: int, invite_code: str) -> Group:
        """Membership of the group with that invite code (joining twice is fine)."""
        with self.db.session() as session, session.begin():
            group: Optional[Group] = session.execute(
                select(Group).where(Group.invite_code == invite_code)).scalar_one_or_none()
            if group is None:
                raise InviteError("That group link isn't one I know. Please ask your peer supporter for a new one.")
            self._ensure_member(session, person_id, group.id)
            return group

    @staticmethod
    def _ensure_member(session: Session, person_id: int, group_id: int) -> None:
        membership = session.execute(
            select(Membership).where(Membership.person_id == person_id, Membership.group_id == group_id)
        ).scalar_one_or_none()
        if membership is None:
            try:
                with session.begin_nested():
                    session.add(Membership(person_id=person_id, group_id=group_id))
            except IntegrityError:
                log.debug("membership created concurrently")
        elif membership.left_at is not None:
            membership.left_at = None

    def ensure_member(self, person_id: int, group_id: int) -> None:
        with self.db.session() as session, session.begin():
            self._ensure_member(session, person_id, group_id)

    def leave_group(self, person_id: int, group_id: int) -> bool:
        """End a membership (they left the group chat or were removed); False if there was none."""
        with self.db.session() as session, session.begin():
            membership = session.execute(
                select(Membership).where(Membership.person_id == person_id, Membership.group_id == group_id,
                                         Membership.left_at.is_(None))).scalar_one_or_none()
            if membership is None:
                return False
            membership.left_at = utcnow()
            return True

    def psws(self) -> list[Person]:
        """Peer support workers who have started the bot (a facilitator must be reachable)."""
        with self.db.session() as session:
            return list(session.execute(
                select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                .where(PersonRole.role == PSW, Person.telegram_user_id.is_not(None),
                       Person.consented_at.is_not(None))
                .order_by(Person.display_name, Person.id).distinct()).scalars())
