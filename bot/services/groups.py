"""Groups and their Telegram group chats: registration, the bot's status, rules."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import AuditEntry, Group, Membership


class GroupService:
    def __init__(self, db: Database, default_rules_path: Path) -> None:
        self.db = db
        self.default_rules = default_rules_path.read_text(encoding="utf-8").strip()

    def for_chat(self, chat_id: int) -> Optional[Group]:
        with self.db.session() as session:
            return session.execute(select(Group).where(Group.telegram_chat_id == chat_id)).scalar_one_or_none()

    def ensure(self, chat_id: int, title: str) -> Group:
        """The group for a chat the bot is in, recorded on first sight (e.g. added before an upgrade)."""
        return self.for_chat(chat_id) or self.bot_status_changed(chat_id, title, "member")

    def bot_status_changed(self, chat_id: int, title: str, status: str) -> Group:
        """Record that the bot was added, promoted or removed; a new chat becomes a group."""
        with self.db.session() as session, session.begin():
            group = session.execute(select(Group).where(Group.telegram_chat_id == chat_id)).scalar_one_or_none()
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

    def titles(self) -> dict[int, str]:
        with self.db.session() as session:
            return dict(session.execute(select(Group.id, Group.title)).all())
