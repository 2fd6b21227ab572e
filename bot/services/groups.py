"""Groups and their Telegram group chats: registration, the bot's status, rules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy import func, select

from bot.services.wording import local_time
from bot.storage.db import Database
from bot.storage.models import AuditEntry, Group, Membership, Occurrence, SessionSeries
from bot.storage.types import utcnow

# A private-chat start payload that joins the group with that invite code after consent.
JOIN_PREFIX = "join_"


@dataclass(frozen=True)
class GroupSummary:
    """What a coordinator needs to run a group: its size, its next session, its join code."""

    title: str
    invite_code: str
    members: int
    bot_in_chat: bool
    next_session: Optional[str]  # the series' name and local start, e.g. "Thursday walk, Thu 03 Dec 10:00"


def summary_lines(summaries: list[GroupSummary], link: Callable[[str], str]) -> str:
    """The groups as coordinators read them (in Telegram and on the command line);
    ``link`` makes the join link from a group's start payload."""
    if not summaries:
        return "There are no groups yet. Add the bot to a group chat to make one."
    blocks = []
    for group in summaries:
        chat = "" if group.bot_in_chat else " (the bot is not in its chat)"
        blocks.append(f"{group.title}{chat}\n  members: {group.members}\n"
                      f"  next session: {group.next_session or 'none scheduled'}\n"
                      f"  join link: {link(JOIN_PREFIX + group.invite_code)}")
    return "\n\n".join(blocks)


class GroupService:
    def __init__(self, db: Database, default_rules_path: Path) -> None:
        self.db = db
        self.default_rules = default_rules_path.read_text(encoding="utf-8").strip()

    def for_chat(self, chat_id: int) -> Optional[Group]:
        with self.db.session() as session:
            group: Optional[Group] = session.execute(
                select(Group).where(Group.telegram_chat_id == chat_id)).scalar_one_or_none()
            return group

    def ensure(self, chat_id: int, title: str) -> Group:
        """The group for a chat the bot is in, recorded on first sight (e.g. added before an upgrade)."""
        return self.for_chat(chat_id) or self.bot_status_changed(chat_id, title, "member")

    def bot_status_changed(self, chat_id: int, title: str, status: str) -> Group:
        """Record that the bot was added, promoted or removed; a new chat becomes a group."""
        with self.db.session() as session, session.begin():
            group: Optional[Group] = session.execute(
                select(Group).where(Group.telegram_chat_id == chat_id)).scalar_one_or_none()
            if group is None:
                group = Group(telegram_chat_id=chat_id, title=title[:128] or "Untitled group")
                session.add(group)
            group.bot_status = status
            session.flush()
            session.add(AuditEntry(action="group.bot_status", subject_type="group", subject_id=str(group.id),
                                   detail={"status": status}))
            return group

    def rules(self, group: Optional[Group]) -> str:
        return (group.ground_rules if group is not None and group.ground_rules else self.default_rules)

    def groups_of(self, person_id: int) -> list[Group]:
        with self.db.session() as session:
            return list(
                session.execute(
                    select(Group).join(Membership, Membership.group_id == Group.id)
                    .where(Membership.person_id == person_id, Membership.left_at.is_(None))
                    .order_by(Group.title)
                ).scalars()
            )

    def with_bot(self) -> list[Group]:
        """Groups whose chat the bot is in, so a session there can be run and reminded."""
        with self.db.session() as session:
            return list(session.execute(select(Group).where(Group.bot_status.in_(("member", "administrator")))
                                        .order_by(Group.title)).scalars())

    def overview(self, now: Optional[datetime] = None) -> list[GroupSummary]:
        """Every group with its current members and next scheduled session."""
        now = now or utcnow()
        with self.db.session() as session:
            groups = session.execute(select(Group).order_by(Group.title)).scalars().all()
            members = dict(session.execute(select(Membership.group_id, func.count()).where(
                Membership.left_at.is_(None)).group_by(Membership.group_id)).all())
            upcoming = session.execute(
                select(SessionSeries.group_id, SessionSeries.name, SessionSeries.timezone, Occurrence.starts_at)
                .join(Occurrence, Occurrence.series_id == SessionSeries.id)
                .where(Occurrence.status == "scheduled", Occurrence.starts_at > now,
                       SessionSeries.cancelled_at.is_(None))
                .order_by(Occurrence.starts_at)).all()
        first: dict[int, str] = {}
        for group_id, name, timezone, starts_at in upcoming:
            first.setdefault(group_id, f"{name}, {local_time(starts_at, timezone)}")
        return [GroupSummary(g.title, g.invite_code, members.get(g.id, 0),
                             g.bot_status in ("member", "administrator"), first.get(g.id)) for g in groups]

    def titles(self) -> dict[int, str]:
        with self.db.session() as session:
            return dict(session.execute(select(Group.id, Group.title)).all())
