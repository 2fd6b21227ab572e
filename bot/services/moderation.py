"""Moderation in groups, as records: members' reports of posts (/flag), counted per
different member, and an audit entry for everything a PSW (or the bot) does to a post
or a member. Nothing here knows how a post is hidden or a member paused."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import func, select

from bot.config.sections import ModerationSettings
from bot.storage.db import Database
from bot.storage.models import AuditEntry, MessageFlag
from bot.storage.outbox import insert_or_skip
from bot.storage.types import utcnow


@dataclass(frozen=True)
class Post:
    """A post in a group chat, as Telegram names it; its words are never kept."""

    group_id: Optional[int]
    chat_id: int
    message_id: int
    author_telegram_id: Optional[int]


@dataclass(frozen=True)
class FlagCount:
    new: bool  # False when this member had already flagged the post
    members: int  # different members who have flagged it


class ModerationService:
    def __init__(self, db: Database, settings: ModerationSettings) -> None:
        self.db = db
        self.settings = settings

    def flag(self, post: Post, person_id: int) -> FlagCount:
        """Record a member's report of ``post`` (once per member) and count the members."""
        with self.db.session() as session, session.begin():
            new = session.execute(insert_or_skip(session, MessageFlag).values(
                group_id=post.group_id, chat_id=post.chat_id, message_id=post.message_id,
                author_telegram_id=post.author_telegram_id, flagged_by_id=person_id, at=utcnow())).rowcount == 1
            members = session.execute(select(func.count(func.distinct(MessageFlag.flagged_by_id))).where(
                MessageFlag.chat_id == post.chat_id, MessageFlag.message_id == post.message_id)).scalar_one()
        return FlagCount(new, int(members))

    def audit(self, action: str, post: Post, actor_id: Optional[int], **detail: Any) -> None:
        """Note what was done in a group (``moderation.*``): by whom, to which post; the member
        concerned by their record's id only, never their Telegram id or words."""
        with self.db.session() as session, session.begin():
            session.add(AuditEntry(actor_id=actor_id, action=f"moderation.{action}", subject_type="group",
                                   subject_id=str(post.group_id or post.chat_id),
                                   detail={"message_id": post.message_id, **detail}))

    def pause_hours(self, argument: str) -> int:
        """The hours of a /pause: the default, or a whole number up to the most allowed
        (ValueError saying what fits)."""
        if not argument:
            return self.settings.pause_hours
        most = self.settings.max_pause_hours
        if not argument.isdigit() or not 1 <= int(argument) <= most:
            raise ValueError(f"Please give the hours as a whole number from 1 to {most}, e.g. /pause 24.")
        return int(argument)
