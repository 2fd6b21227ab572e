"""What the sandbox's world is made of, as plain values: stored messages and files,
groups with their members, injected faults and the webhook, in Telegram's shapes
(ChatMember, ChatPermissions) and by its clock. The rules for changing them live
in the world (state.py and its parts).
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Mapping, TypeGuard

from bot.sandbox.errors import BotApiError

JOIN_STATUSES = ("member", "administrator", "creator")

# What an administrator may do; ChatMemberAdministrator requires every flag.
ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
    "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
    "can_change_info": True, "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_pin_messages": True, "can_manage_topics": False,
}
# ChatPermissions fields; ChatMemberRestricted requires every one of them.
PERMISSIONS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
    "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
    "can_add_web_page_previews", "can_change_info", "can_invite_users", "can_pin_messages",
    "can_manage_topics", "can_edit_tag", "can_react_to_messages",
)
GROUP_PERMISSIONS = {name: name not in ("can_change_info", "can_pin_messages", "can_manage_topics", "can_edit_tag")
                     for name in PERMISSIONS}


def now() -> int:
    return int(time.time())


def chat_member(user: dict, status: str, **fields: object) -> dict:
    """A ChatMember dict with every field PTB requires for that status."""
    by_status: dict[str, Mapping[str, object]] = {
        "creator": {"is_anonymous": False},
        "administrator": ADMIN_RIGHTS,
        "kicked": {"until_date": 0},
    }
    return {**by_status.get(status, {}), **fields, "status": status, "user": user}


def is_in_chat(member: dict | None) -> TypeGuard[dict]:
    """Whether ``member`` (a ChatMember dict, or None for someone never in the chat) is in the chat now."""
    if member is None:
        return False
    return member["status"] in JOIN_STATUSES or (member["status"] == "restricted" and member["is_member"])


@dataclass
class StoredMessage:
    """A message as the bot sees it (``api``), plus what only the sandbox keeps."""

    chat_id: int
    api: dict
    from_bot: bool
    seq: int = 0
    deleted: bool = False
    parse_mode: str | None = None
    # As sent, of any kind; Telegram's Message (``api``) only ever shows an inline keyboard.
    reply_markup: dict | None = None

    @property
    def message_id(self) -> int:
        return self.api["message_id"]

    def view(self) -> dict:
        view = {**copy.deepcopy(self.api), "chat_id": self.chat_id, "from_bot": self.from_bot,
                "deleted": self.deleted, "parse_mode": self.parse_mode, "seq": self.seq}
        if self.reply_markup is not None:
            view["reply_markup"] = copy.deepcopy(self.reply_markup)
        return view

    def quoted(self) -> dict:
        """The copy a reply carries as ``reply_to_message``: Telegram nests only one level."""
        return {key: copy.deepcopy(value) for key, value in self.api.items() if key != "reply_to_message"}


@dataclass
class Group:
    chat: dict
    # User id -> ChatMember dict, the bot included; people who left stay, as "left" or "kicked".
    members: dict[int, dict] = field(default_factory=dict)

    def member(self, user: dict) -> dict:
        return self.members.get(user["id"]) or chat_member(user, "left")


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    mime_type: str
    data: bytes

    def describe(self) -> dict:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}


@dataclass
class Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    count: int
    delay: float
    chat_id: int | None

    def error(self) -> BotApiError:
        return BotApiError(self.error_code, self.description, self.retry_after)


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None
