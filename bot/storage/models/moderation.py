"""Moderation in groups: members' reports (/flag) of posts, one row per member and post,
so that reports from different members can be counted."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, UniqueConstraint

from bot.storage.models.base import Base
from bot.storage.types import UTCDateTime, utcnow


class MessageFlag(Base):
    """A member's report of a post in a group chat. The post's words are never kept: a PSW
    reads it in the group, by its link. ``author_telegram_id`` is who posted it (emptied
    when they ask to be forgotten); a flagger who asks to be forgotten takes their flags."""

    __tablename__ = "message_flags"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", "flagged_by_id", name="one_flag_per_member"),)

    id = Column(Integer, primary_key=True)
    group_id = Column(Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=True)
    chat_id = Column(BigInteger, nullable=False)
    message_id = Column(BigInteger, nullable=False)
    author_telegram_id = Column(BigInteger, nullable=True)
    flagged_by_id = Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
