"""The sandbox's world: people, chats, messages, the bot's updates, limits and faults.

Everything the sandbox knows lives here, with no HTTP, so the Bot API
(botapi.py), the control API (control.py) and tests act on one world and obey
the same rules: who may message whom, which updates the bot receives, when
Telegram would refuse. Methods are synchronous and the world lives on one event
loop, so a change and the update it causes happen together; only waiting (long
polling, ``wait_for_bot_message``) is asynchronous.

Two kinds of error: ``BotApiError`` is Telegram refusing the *bot* (it becomes
an ``{"ok": false}`` response); ``SandboxError`` is a *person* (or a test)
asking for something impossible here, such as writing in a group they are not in.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import math
import mimetypes
import re
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Callable

FIRST_USER_ID = 1_000_001
FIRST_GROUP_ID = -1_001_000_000_001
BOT_FIRST_NAME = "Peerbot (sandbox)"

BOT_STATUSES = ("member", "administrator", "left", "kicked")
JOIN_STATUSES = ("member", "administrator", "creator")
MESSAGE_KINDS = ("text", "sticker", "photo", "voice", "audio", "document", "video", "animation", "poll")
# Kinds a person's message can carry a caption on (and have it edited).
CAPTIONED_KINDS = ("photo", "voice", "audio", "document", "video", "animation")
# Formatting a person can give their words (Telegram sends it as entities beside the text).
FORMATTING_ENTITIES = ("bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "blockquote",
                       "expandable_blockquote", "text_link")
# sendPoll's limits (Bot API 10.0), which hold for a person's poll too.
POLL_QUESTION_LENGTH = (1, 300)
POLL_OPTION_LENGTH = (1, 100)
POLL_OPTIONS = (1, 12)

# Telegram's documented broadcast limits (core.telegram.org/bots/faq).
MESSAGES_PER_SECOND = 30
GROUP_MESSAGES_PER_MINUTE = 20

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

# A 1x1 light-blue PNG, so a person's "photo" is a real image the page can show.
PLACEHOLDER_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGOYf/QFAARTAk2eJXmXAAAAAElFTkSuQmCC"
)
# What a person's non-text message carries: MIME type, bytes, and the fields
# Telegram's object for that kind requires besides the file ids.
PERSON_MEDIA: dict[str, tuple[str, bytes, dict]] = {
    "photo": ("image/png", PLACEHOLDER_PNG, {"width": 1, "height": 1}),
    "sticker": ("image/webp", b"sandbox sticker", {"width": 512, "height": 512, "is_animated": False,
                                                    "is_video": False, "type": "regular", "emoji": "\U0001f642"}),
    "voice": ("audio/ogg", b"sandbox voice note", {"duration": 3, "mime_type": "audio/ogg"}),
    "video": ("video/mp4", b"sandbox video", {"width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"}),
    "audio": ("audio/mpeg", b"sandbox audio", {"duration": 4, "mime_type": "audio/mpeg", "file_name": "audio.mp3"}),
    # Telegram also sets "document" on a GIF, for clients that predate animations.
    "animation": ("video/mp4", b"sandbox animation", {"width": 320, "height": 240, "duration": 2,
                                                      "mime_type": "video/mp4", "file_name": "animation.mp4"}),
    "document": ("text/plain", b"sandbox document\n", {"file_name": "document.txt", "mime_type": "text/plain"}),
}


class SandboxError(ValueError):
    """A person (or test) asked for something impossible in the sandbox; the message says what."""


class NotFound(SandboxError, LookupError):
    """No such user, chat, message or file."""


class BotApiError(Exception):
    """Telegram refusing a Bot API call, answered as ``{"ok": false, ...}`` with the same HTTP status."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict:
        body: dict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")


def now() -> int:
    return int(time.time())


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def chat_member(user: dict, status: str, **fields: object) -> dict:
    """A ChatMember dict with every field PTB requires for that status."""
    defaults: dict = {
        "creator": {"is_anonymous": False},
        "administrator": ADMIN_RIGHTS,
        "kicked": {"until_date": 0},
    }.get(status, {})
    return {**defaults, **fields, "status": status, "user": user}


def is_in_chat(member: dict | None) -> bool:
    if member is None:
        return False
    return member["status"] in JOIN_STATUSES or (member["status"] == "restricted" and member["is_member"])


def callback_data_of(markup: dict | None) -> list[str]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


class Signal:
    """Wakes every waiter at once when the world changes.

    Long polls, the webhook pusher and ``wait_for_bot_message`` all wait for
    "something new" and re-check the world after waking, so a spurious wake-up
    is harmless and none is missed.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)


class RateLimiter:
    """Telegram's broadcast limits over rolling windows: overall per second, per group per minute."""

    def __init__(self) -> None:
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def admit(self, chat_id: int) -> int | None:
        """Take a slot for one message to ``chat_id``, or return the whole seconds until one frees."""
        at = time.monotonic()
        windows = [(self._overall, MESSAGES_PER_SECOND, 1.0)]
        if chat_id < 0:
            windows.append((self._groups.setdefault(chat_id, deque()), GROUP_MESSAGES_PER_MINUTE, 60.0))
        wait = max(_wait_for_slot(window, limit, span, at) for window, limit, span in windows)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window, _, _ in windows:
            window.append(at)
        return None


def _wait_for_slot(window: deque[float], limit: int, span: float, at: float) -> float:
    while window and window[0] <= at - span:
        window.popleft()
    return 0.0 if len(window) < limit else window[0] + span - at


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


class World:
    """The sandbox's state and its Python API for acting as people (see docs/sandbox.md)."""

    def __init__(self, token: str = "123456:SANDBOX-TOKEN", bot_username: str = "peerbot_sandbox_bot",
                 can_read_all_group_messages: bool = True, enforce_limits: bool = True,
                 first_user_id: int = FIRST_USER_ID) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise SandboxError(f"a bot token looks like '<bot id>:<secret>', not {token!r}")
        self.token = token
        # Live: the Bot API reads it on every call, so a test may flip a capability.
        self.bot_user: dict = {
            "id": int(bot_id), "is_bot": True, "first_name": BOT_FIRST_NAME, "username": bot_username,
            "can_join_groups": True, "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
        }
        self.users: dict[int, dict] = {}
        self.started: set[int] = set()
        self.groups: dict[int, Group] = {}
        self.commands: dict[str, list[dict]] = {}
        self.callback_answers: dict[str, dict] = {}
        self.faults: list[Fault] = []
        self.files: dict[str, StoredFile] = {}
        self.webhook: Webhook | None = None
        self.webhook_patience = 1.7  # seconds a failing webhook delivery is retried before it is dropped
        self.allowed_updates: list[str] | None = None
        self.pending: list[dict] = []
        self.changed = Signal()
        self._limiter = RateLimiter() if enforce_limits else None
        self._logs: dict[int, list[StoredMessage]] = {}
        self._open_queries: set[str] = set()
        # The next free automatic ids, and the last ones handed out for the rest. Update
        # ids start from the clock (in microseconds), as Telegram's never restart: a bot
        # that remembers the updates it stored must not mistake a restarted sandbox's
        # update 1 for one it has seen.
        self._counters = {"user": first_user_id, "group": FIRST_GROUP_ID, "update": time.time_ns() // 1000,
                          "seq": 0, "query": 0, "file": 0, "poll": 0}
        self._polls = 0
        self._closed = False
        self._stats: dict = {"sent": 0, "rate_limited": 0, "forbidden": 0, "injected_faults": 0, "calls": {}}
        self._mention = re.compile(rf"(?<!\w)@{re.escape(bot_username)}(?!\w)", re.IGNORECASE)

    # --- people and groups -----------------------------------------------------------

    @property
    def bot_id(self) -> int:
        return self.bot_user["id"]

    @property
    def stats(self) -> dict:
        return {**self._stats, "calls": dict(self._stats["calls"])}

    def add_user(self, first_name: str, username: str | None = None, user_id: int | None = None,
                 last_name: str | None = None) -> dict:
        if not first_name:
            raise SandboxError("a person needs a first_name")
        if user_id is None:
            user_id = self._next_free("user", +1, self.users)
        elif user_id <= 0 or user_id in self.users or user_id == self.bot_id:
            raise SandboxError(f"user_id {user_id} is taken or not a positive number")
        username = username.lstrip("@") if username else None
        if username and any((u.get("username") or "").lower() == username.lower() for u in self.users.values()):
            raise SandboxError(f"the username @{username} is taken")
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        user.update({key: value for key, value in (("last_name", last_name), ("username", username)) if value})
        self.users[user_id] = user
        self._logs[user_id] = []
        return dict(user)

    def add_group(self, title: str, chat_id: int | None = None) -> dict:
        """A supergroup with the bot as an administrator, as a service would set it up."""
        if not title:
            raise SandboxError("a group needs a title")
        if chat_id is None:
            chat_id = self._next_free("group", -1, self.groups)
        elif chat_id >= 0 or chat_id in self.groups:
            raise SandboxError(f"chat_id {chat_id} is taken or not negative (group ids are negative)")
        group = Group({"id": chat_id, "type": "supergroup", "title": title})
        group.members[self.bot_id] = chat_member(self._bot_sender(), "administrator")
        self.groups[chat_id] = group
        self._logs[chat_id] = []
        return dict(group.chat)

    def add_member(self, chat_id: int, user_id: int, status: str = "member") -> dict:
        """``status`` may also be "administrator" or "creator", e.g. for the PSW running the group."""
        group, user = self._group(chat_id), self._user(user_id)
        if status not in JOIN_STATUSES:
            raise SandboxError(f"status must be one of {', '.join(JOIN_STATUSES)}, not {status!r}")
        current = group.member(user)
        if is_in_chat(current):
            raise SandboxError(f"user {user_id} is already in group {chat_id}")
        if current["status"] == "kicked":
            raise SandboxError(f"user {user_id} is banned from group {chat_id}; the bot must unban them first")
        group.members[user_id] = chat_member(user, status)
        self._deliver("message", self._store(chat_id, user, {"new_chat_members": [user]}))
        return copy.deepcopy(group.members[user_id])

    def remove_member(self, chat_id: int, user_id: int) -> dict:
        """The person leaves the group."""
        group, user = self._group(chat_id), self._user(user_id)
        if not is_in_chat(group.members.get(user_id)):
            raise SandboxError(f"user {user_id} is not in group {chat_id}")
        group.members[user_id] = chat_member(user, "left")
        self._deliver("message", self._store(chat_id, user, {"left_chat_member": user}))
        return copy.deepcopy(group.members[user_id])

    def set_bot_status(self, chat_id: int, status: str, *, by_user_id: int | None = None) -> dict:
        """Add, promote, demote, remove or ban the bot; ``by_user_id`` is who did it (default: a group admin)."""
        group = self._group(chat_id)
        if status not in BOT_STATUSES:
            raise SandboxError(f"the bot's status must be one of {', '.join(BOT_STATUSES)}, not {status!r}")
        old = group.members[self.bot_id]
        if old["status"] == status:
            raise SandboxError(f"the bot is already {status} in group {chat_id}")
        actor = self._user(by_user_id) if by_user_id is not None else self._default_actor(group, status)
        new = chat_member(self._bot_sender(), status)
        group.members[self.bot_id] = new
        self._emit("my_chat_member", {"chat": group.chat, "from": actor, "date": now(),
                                      "old_chat_member": old, "new_chat_member": new})
        if not is_in_chat(old) and is_in_chat(new):
            self._deliver("message", self._store(chat_id, actor, {"new_chat_members": [self._bot_sender()]}))
        return copy.deepcopy(new)

    # --- acting as people ----------------------------------------------------------

    def open_private_chat(self, user_id: int) -> None:
        """The person started a chat with the bot some time before (no update is sent now),
        so the bot may write to them: how people who joined earlier look to Telegram."""
        self._user(user_id)
        self.started.add(user_id)

    def send(self, chat_id: int, user_id: int, text: str | None = None, *, kind: str = "text",
             reply_to_message_id: int | None = None, forward_from_user_id: int | None = None,
             caption: str | None = None, entities: list[dict] | None = None, question: str | None = None,
             options: list[str] | None = None) -> dict:
        """A person's message; in a private chat, ``chat_id`` is the person's own id.

        ``entities`` adds formatting (bold, spoiler, ...) to the text or caption; a ``poll``
        has a ``question`` and ``options`` instead of text.
        """
        user = self._user(user_id)
        self._check_person_in(chat_id, user_id, writing=True)
        content = self._person_content(kind, text, caption, question, options)
        if entities:
            self._add_formatting(content, entities)
        if reply_to_message_id is not None:
            content["reply_to_message"] = self._existing(chat_id, reply_to_message_id).quoted()
        if forward_from_user_id is not None:
            origin = self._bot_sender() if forward_from_user_id == self.bot_id else self._user(forward_from_user_id)
            content["forward_origin"] = {"type": "user", "sender_user": origin, "date": now()}
        if chat_id > 0:
            self.started.add(user_id)
        stored = self._store(chat_id, user, content)
        self._deliver("message", stored)
        return stored.view()

    def edit(self, chat_id: int, message_id: int, text: str | None = None, *, caption: str | None = None) -> dict:
        """The author edits their text message (``text``) or the caption of their photo, file, ... (``caption``)."""
        stored = self._existing(chat_id, message_id)
        if (text is None) == (caption is None):
            raise SandboxError("an edit changes either the text or the caption")
        key, entities_key, new = ("text", "entities", text) if caption is None else ("caption", "caption_entities",
                                                                                     caption)
        editable = "text" in stored.api if key == "text" else any(kind in stored.api for kind in CAPTIONED_KINDS)
        if stored.from_bot or not editable:
            what = "text message" if key == "text" else "photo, video, GIF, voice note, audio or document"
            raise SandboxError(f"message {message_id} in chat {chat_id} is not a person's {what}")
        if not new:
            raise SandboxError(f"the edited {key} is empty")
        stored.api.update({key: new, "edit_date": now()})
        stored.api.pop(entities_key, None)
        stored.api.update(self._entities(entities_key, new))
        self._touch(stored)
        self._deliver("edited_message", stored)
        return stored.view()

    def press(self, chat_id: int, message_id: int, user_id: int, data: str, forged: bool = False) -> str:
        """A person presses an inline button of a bot message; returns the callback query id.
        ``forged``: send ``data`` whatever the buttons say, as a modified client can."""
        user = self._user(user_id)
        self._check_person_in(chat_id, user_id, writing=False)
        stored = self._existing(chat_id, message_id)
        offered = callback_data_of(stored.reply_markup) if stored.from_bot else []
        if data not in offered and not forged:
            raise SandboxError(f"message {message_id} in chat {chat_id} has no inline button with "
                               f"callback_data {data!r}; it has {offered}")
        query_id = str(self._next("query") + 4_000_000_000_000)
        self._open_queries.add(query_id)
        self._emit("callback_query", {"id": query_id, "from": user, "message": stored.api,
                                      "chat_instance": f"{abs(chat_id) * 7919}", "data": data})
        return query_id

    def messages(self, chat_id: int) -> list[dict]:
        """Every message in the chat, people's and the bot's, in order; deleted ones flagged."""
        return [stored.view() for stored in self._log(chat_id)]

    def bot_messages(self, chat_id: int, after_message_id: int = 0) -> list[dict]:
        return [stored.view() for stored in self._log(chat_id)
                if stored.from_bot and stored.message_id > after_message_id]

    async def wait_for_bot_message(self, chat_id: int, predicate: Callable[[dict], bool] = lambda m: True,
                                   timeout: float = 15, after_message_id: int = 0) -> dict:
        """The first bot message after ``after_message_id`` that satisfies ``predicate``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self.bot_messages(chat_id, after_message_id):
                if predicate(message):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no bot message after #{after_message_id} in chat {chat_id} matched within "
                                   f"{timeout} s; the chat has:\n{self._describe(chat_id)}")
            await self.changed.wait(remaining)

    def file_bytes(self, file_id: str) -> bytes:
        return self.file(file_id).data

    def add_fault(self, method: str, error_code: int, description: str, *, retry_after: int | None = None,
                  count: int = 1, delay: float = 0.0, chat_id: int | None = None) -> dict:
        """The next ``count`` calls of ``method`` (for ``chat_id`` only, if given) fail, or are delayed.

        ``error_code`` 0 with a ``delay`` only slows the call down (the bot's
        request may time out); otherwise the call waits ``delay`` seconds and
        then fails with that code, description and ``retry_after``.
        """
        if count < 1 or delay < 0:
            raise SandboxError("count must be at least 1 and delay not negative")
        if error_code == 0 and delay <= 0:
            raise SandboxError("error_code 0 means 'only delay': give a delay > 0")
        if error_code != 0 and not (400 <= error_code <= 599 and description):
            raise SandboxError("error_code must be 400-599 (or 0 with a delay) and needs a description")
        fault = Fault(method, error_code, description, retry_after, count, delay, chat_id)
        self.faults.append(fault)
        return asdict(fault)

    def snapshot(self, since: int = 0) -> dict:
        """What the page polls: everyone, every chat, and the messages changed after ``since``."""
        private = [{"chat": self._private_chat(user), "members": [chat_member(user, "member")],
                    "bot_status": "member" if user["id"] in self.started else "left"}
                   for user in self.users.values()]
        groups = [{"chat": group.chat, "members": list(group.members.values()),
                   "bot_status": group.members[self.bot_id]["status"]} for group in self.groups.values()]
        changed = sorted((m for log in self._logs.values() for m in log if m.seq > since), key=lambda m: m.seq)
        return {"seq": self._counters["seq"], "bot": self.bot_user, "users": list(self.users.values()),
                "chats": private + groups, "messages": [m.view() for m in changed],
                "callback_answers": self.callback_answers}

    # --- what the bot may do (raising BotApiError like Telegram) --------------------------

    def count_call(self, method: str) -> None:
        calls = self._stats["calls"]
        calls[method] = calls.get(method, 0) + 1

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.method.lower() == method.lower() and fault.chat_id in (None, chat_id):
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                self._stats["injected_faults"] += 1
                return fault
        return None

    def bot_chat(self, chat_id: int) -> dict:
        """The chat, if the bot can reach it at all."""
        if chat_id in self.users:
            return self._private_chat(self.users[chat_id])
        group = self.groups.get(chat_id)
        if group is None:
            raise bad_request("chat not found")
        status = group.members[self.bot_id]["status"]
        if status == "kicked":
            raise self._forbidden("bot was kicked from the supergroup chat")
        if status == "left":
            raise self._forbidden("bot is not a member of the supergroup chat")
        return group.chat

    def check_can_post(self, chat_id: int) -> None:
        self.bot_chat(chat_id)
        if chat_id > 0 and chat_id not in self.started:
            raise self._forbidden("bot can't initiate conversation with a user")

    def take_send_slot(self, chat_id: int) -> None:
        retry_after = self._limiter.admit(chat_id) if self._limiter else None
        if retry_after is not None:
            self._stats["rate_limited"] += 1
            raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def post_message(self, chat_id: int, content: dict, *, parse_mode: str | None = None,
                     reply_markup: dict | None = None) -> StoredMessage:
        stored = self._store(chat_id, self._bot_sender(), content, from_bot=True, parse_mode=parse_mode)
        self._set_markup(stored, reply_markup)
        self._stats["sent"] += 1
        return stored

    def reply_target(self, chat_id: int, message_id: int) -> dict | None:
        stored = self._find(chat_id, message_id)
        return None if stored is None or stored.deleted else stored.quoted()

    def bot_message(self, chat_id: int, message_id: int, purpose: str) -> StoredMessage:
        """A message the bot wants to edit or delete."""
        self.bot_chat(chat_id)
        stored = self._find(chat_id, message_id)
        if stored is None or stored.deleted:
            raise bad_request(f"message to {purpose} not found")
        return stored

    def revise(self, stored: StoredMessage, changes: dict, *, parse_mode: str | None,
               reply_markup: dict | None, edited: bool) -> None:
        stored.api.update(changes)
        stored.parse_mode = parse_mode
        self._set_markup(stored, reply_markup)
        if edited:
            stored.api["edit_date"] = now()
        self._touch(stored)

    def delete(self, stored: StoredMessage) -> None:
        stored.deleted = True
        self._touch(stored)

    def bot_is_admin(self, chat_id: int) -> bool:
        return self.groups[chat_id].members[self.bot_id]["status"] == "administrator"

    def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        if query_id not in self._open_queries:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self._open_queries.remove(query_id)
        self.callback_answers[query_id] = {"text": text, "show_alert": show_alert}

    def chat_member_of(self, chat_id: int, user_id: int) -> dict:
        self.bot_chat(chat_id)
        if chat_id > 0:
            if user_id not in (chat_id, self.bot_id):
                raise bad_request("user not found")
            return chat_member(self._bot_sender() if user_id == self.bot_id else self.users[user_id], "member")
        if user_id == self.bot_id:
            return copy.deepcopy(self.groups[chat_id].members[user_id])
        if user_id not in self.users:
            raise bad_request("user not found")
        return copy.deepcopy(self.groups[chat_id].member(self.users[user_id]))

    def administrators(self, chat_id: int) -> list[dict]:
        self.bot_chat(chat_id)
        if chat_id > 0:
            raise bad_request("there are no administrators in the private chat")
        return [copy.deepcopy(member) for member in self.groups[chat_id].members.values()
                if member["status"] in ("creator", "administrator")]

    def member_count(self, chat_id: int) -> int:
        self.bot_chat(chat_id)
        if chat_id > 0:
            return 2
        return sum(is_in_chat(member) for member in self.groups[chat_id].members.values())

    def restrict(self, chat_id: int, user_id: int, permissions: dict, until_date: int) -> None:
        """Granting every permission lifts the restriction, as in Telegram."""
        group, member = self._moderated(chat_id, user_id)
        if all(permissions.get(name) for name in PERMISSIONS):
            status = "member" if is_in_chat(member) else "left"
            group.members[user_id] = chat_member(member["user"], status)
        else:
            granted = {name: bool(permissions.get(name)) for name in PERMISSIONS}
            group.members[user_id] = chat_member(member["user"], "restricted", is_member=is_in_chat(member),
                                                 until_date=until_date, **granted)

    def ban(self, chat_id: int, user_id: int, until_date: int) -> None:
        """In a supergroup Telegram always deletes the banned person's messages too."""
        group, member = self._moderated(chat_id, user_id)
        group.members[user_id] = chat_member(member["user"], "kicked", until_date=until_date)
        for stored in self._logs[chat_id]:
            if stored.api["from"]["id"] == user_id and not stored.deleted:
                self.delete(stored)

    def unban(self, chat_id: int, user_id: int, only_if_banned: bool) -> None:
        """Without ``only_if_banned``, unbanning someone still in the group removes them (Telegram's rule)."""
        group, member = self._moderated(chat_id, user_id)
        if member["status"] == "kicked" or (not only_if_banned and is_in_chat(member)):
            group.members[user_id] = chat_member(member["user"], "left")

    def store_file(self, data: bytes, kind: str, mime_type: str, file_name: str | None = None) -> StoredFile:
        number = self._next("file")
        suffix = PurePosixPath(file_name).suffix if file_name else mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(f"sandbox-{kind}-{number}", f"u{number}", f"{kind}s/file_{number}{suffix}",
                            mime_type, data)
        self.files[stored.file_id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        if file_id not in self.files:
            raise NotFound(f"no file {file_id!r}")
        return self.files[file_id]

    def file_at(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)

    # --- updates, polling and the webhook ---------------------------------------------

    async def poll_updates(self, offset: int, limit: int, timeout: float) -> list[dict]:
        """getUpdates: confirm what is below ``offset``, then wait up to ``timeout`` for something new."""
        self._check_no_webhook()
        if offset > 0:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]
        self._polls += 1
        poll = self._polls
        self.changed.fire()  # a poll already waiting must learn that this one superseded it
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.pending and not self._closed and loop.time() < deadline:
            await self.changed.wait(deadline - loop.time())
            if poll != self._polls:
                raise BotApiError(409, "Conflict: terminated by other getUpdates request; "
                                       "make sure that only one bot instance is running")
            self._check_no_webhook()
        return copy.deepcopy(self.pending[:limit])

    def set_webhook(self, url: str, secret_token: str | None, max_connections: int, drop_pending: bool) -> None:
        """An empty ``url`` removes the webhook, as in Telegram."""
        if drop_pending:
            self.pending.clear()
        self.webhook = Webhook(url, secret_token, max_connections) if url else None
        self.changed.fire()

    def webhook_info(self) -> dict:
        info: dict = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.pending)}
        if self.webhook is not None:
            hook = self.webhook
            info.update({"url": hook.url, "max_connections": hook.max_connections})
            info.update({key: value for key, value in (("last_error_date", hook.last_error_date),
                                                        ("last_error_message", hook.last_error_message)) if value})
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        return info

    def drop_update(self, update_id: int) -> None:
        self.pending = [update for update in self.pending if update["update_id"] != update_id]

    def open(self) -> None:
        self._closed = False

    def close(self) -> None:
        """Release every waiting long poll, so the server can stop at once."""
        self._closed = True
        self.changed.fire()

    # --- internals ------------------------------------------------------------------------

    def _next(self, counter: str) -> int:
        self._counters[counter] += 1
        return self._counters[counter]

    def _next_free(self, counter: str, step: int, taken: dict) -> int:
        while self._counters[counter] in taken:
            self._counters[counter] += step
        value = self._counters[counter]
        self._counters[counter] += step
        return value

    def _bot_sender(self) -> dict:
        return {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def _user(self, user_id: int) -> dict:
        if user_id not in self.users:
            raise NotFound(f"no user {user_id}")
        return self.users[user_id]

    def _group(self, chat_id: int) -> Group:
        if chat_id not in self.groups:
            raise NotFound(f"no group {chat_id}")
        return self.groups[chat_id]

    def _log(self, chat_id: int) -> list[StoredMessage]:
        if chat_id not in self._logs:
            raise NotFound(f"no chat {chat_id}")
        return self._logs[chat_id]

    def _find(self, chat_id: int, message_id: int) -> StoredMessage | None:
        log = self._logs.get(chat_id, [])
        return log[message_id - 1] if 0 < message_id <= len(log) else None

    def _existing(self, chat_id: int, message_id: int) -> StoredMessage:
        stored = self._find(chat_id, message_id)
        if stored is None or stored.deleted:
            raise NotFound(f"chat {chat_id} has no message {message_id}")
        return stored

    def _private_chat(self, user: dict) -> dict:
        chat = {"id": user["id"], "type": "private"}
        chat.update({key: user[key] for key in ("first_name", "last_name", "username") if key in user})
        return chat

    def _chat(self, chat_id: int) -> dict:
        return self._private_chat(self.users[chat_id]) if chat_id > 0 else self.groups[chat_id].chat

    def _default_actor(self, group: Group, status: str) -> dict:
        """Who changed the bot's status when nobody was named: the bot itself when it leaves, else an admin."""
        people = [m for m in group.members.values() if m["user"]["id"] != self.bot_id and is_in_chat(m)]
        people.sort(key=lambda m: m["status"] not in ("creator", "administrator"))
        return people[0]["user"] if people and status != "left" else self._bot_sender()

    def _check_person_in(self, chat_id: int, user_id: int, *, writing: bool) -> None:
        if chat_id > 0:
            if chat_id != user_id:
                raise SandboxError(f"user {user_id} can only use their own private chat with the bot "
                                   f"(chat_id {user_id}), not chat {chat_id}")
            return
        member = self._group(chat_id).members.get(user_id)
        if not is_in_chat(member):
            raise SandboxError(f"user {user_id} is not a member of group {chat_id}")
        if writing and member["status"] == "restricted" and not member["can_send_messages"]:
            raise SandboxError(f"user {user_id} is restricted in group {chat_id} and may not send messages")

    def _person_content(self, kind: str, text: str | None, caption: str | None, question: str | None = None,
                        options: list[str] | None = None) -> dict:
        if kind not in MESSAGE_KINDS:
            raise SandboxError(f"kind must be one of {', '.join(MESSAGE_KINDS)}, not {kind!r}")
        if (question is not None or options is not None) and kind != "poll":
            raise SandboxError("only a poll has a question and options")
        if kind == "text":
            if not text or caption is not None:
                raise SandboxError("a text message needs text (and has no caption)")
            return {"text": text, **self._entities("entities", text)}
        if text is not None:
            raise SandboxError(f"a {kind} message has no text; give a caption instead")
        if kind == "poll":
            if caption is not None:
                raise SandboxError("a poll has no caption; give a question and options")
            return {"poll": self._poll(question, options)}
        if caption is not None and kind not in CAPTIONED_KINDS:
            raise SandboxError(f"a {kind} has no caption")
        mime_type, data, fields = PERSON_MEDIA[kind]
        stored = self.store_file(data, kind, mime_type, fields.get("file_name"))
        media = {**stored.describe(), **fields}
        content: dict = {kind: [media] if kind == "photo" else media}
        if kind == "animation":
            content["document"] = {**stored.describe(), "file_name": fields["file_name"],
                                   "mime_type": fields["mime_type"]}
        if caption:
            content.update({"caption": caption, **self._entities("caption_entities", caption)})
        return content

    def _poll(self, question: str | None, options: list[str] | None) -> dict:
        """A new regular poll as Telegram shows it in a Message: no votes yet, open, anonymous."""
        within = lambda value, bounds: bounds[0] <= len(value) <= bounds[1]  # noqa: E731
        if not isinstance(question, str) or not within(question, POLL_QUESTION_LENGTH):
            raise SandboxError("a poll needs a question of %d-%d characters" % POLL_QUESTION_LENGTH)
        if not isinstance(options, list) or not within(options, POLL_OPTIONS) or not all(
                isinstance(option, str) and within(option, POLL_OPTION_LENGTH) for option in options):
            raise SandboxError("a poll needs %d-%d options" % POLL_OPTIONS
                               + ", each of %d-%d characters" % POLL_OPTION_LENGTH)
        poll_id = str(self._next("poll") + 5_000_000_000_000_000)
        return {"id": poll_id, "question": question,
                "options": [{"persistent_id": f"{poll_id}-{index}", "text": option, "voter_count": 0}
                            for index, option in enumerate(options)],
                "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                "allows_multiple_answers": False, "allows_revoting": True, "members_only": False}

    @staticmethod
    def _add_formatting(content: dict, entities: list[dict]) -> None:
        """Formatting entities a person gave their text or caption, merged in offset order as Telegram sends them."""
        key, entities_key = ("text", "entities") if "text" in content else ("caption", "caption_entities")
        if key not in content:
            raise SandboxError("entities format a text or a caption; this message has neither")
        limit = utf16_length(content[key])
        for entity in entities:
            if not isinstance(entity, dict) or entity.get("type") not in FORMATTING_ENTITIES:
                raise SandboxError(f"each entity needs a type out of {', '.join(FORMATTING_ENTITIES)}")
            offset, length = entity.get("offset"), entity.get("length")
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in (offset, length)) \
                    or offset < 0 or length < 1 or offset + length > limit:
                raise SandboxError(f"entity {entity} must lie within the {key} ({limit} UTF-16 units)")
            if entity["type"] == "text_link" and not isinstance(entity.get("url"), str):
                raise SandboxError("a text_link entity needs a url")
        merged = [*content.get(entities_key, []), *(copy.deepcopy(entity) for entity in entities)]
        content[entities_key] = sorted(merged, key=lambda entity: (entity["offset"], -entity["length"]))

    def _entities(self, key: str, text: str) -> dict:
        """A command at the start and mentions of the bot, as Telegram marks them."""
        entities = []
        command = re.match(r"/\w+(@\w+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_length(command.group())})
        for mention in self._mention.finditer(text):
            if not command or mention.start() >= command.end():
                entities.append({"type": "mention", "offset": utf16_length(text[:mention.start()]),
                                 "length": utf16_length(mention.group())})
        return {key: entities} if entities else {}

    def _store(self, chat_id: int, sender: dict, content: dict, *, from_bot: bool = False,
               parse_mode: str | None = None) -> StoredMessage:
        log = self._logs[chat_id]
        api = {"message_id": len(log) + 1, "from": sender, "chat": self._chat(chat_id), "date": now(), **content}
        stored = StoredMessage(chat_id, api, from_bot, parse_mode=parse_mode)
        log.append(stored)
        self._touch(stored)
        return stored

    def _touch(self, stored: StoredMessage) -> None:
        stored.seq = self._next("seq")
        self.changed.fire()

    def _set_markup(self, stored: StoredMessage, markup: dict | None) -> None:
        stored.reply_markup = markup
        if markup is not None and markup.get("inline_keyboard"):
            stored.api["reply_markup"] = markup
        else:
            stored.api.pop("reply_markup", None)

    def _deliver(self, update_type: str, stored: StoredMessage) -> None:
        if self._bot_sees(stored):
            self._emit(update_type, stored.api)

    def _bot_sees(self, stored: StoredMessage) -> bool:
        """Privacy mode: a plain member bot that may not read everything sees only what addresses it."""
        if stored.chat_id > 0:
            return True
        status = self.groups[stored.chat_id].members[self.bot_id]["status"]
        if status not in ("member", "administrator"):
            return False
        if status == "administrator" or self.bot_user["can_read_all_group_messages"]:
            return True
        api = stored.api
        replied_to_bot = api.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_id
        service = "new_chat_members" in api or "left_chat_member" in api
        return replied_to_bot or service or self._addresses_bot(api)

    def _addresses_bot(self, api: dict) -> bool:
        for key, text_key in (("entities", "text"), ("caption_entities", "caption")):
            for entity in api.get(key, []):
                if entity["type"] == "mention":
                    return True
                target = api[text_key].split(maxsplit=1)[0].partition("@")[2]
                if not target or target.lower() == self.bot_user["username"].lower():
                    return True
        return False

    def _emit(self, update_type: str, payload: dict) -> None:
        if self.allowed_updates and update_type not in self.allowed_updates:
            return
        self.pending.append({"update_id": self._next("update"), update_type: copy.deepcopy(payload)})
        self.changed.fire()

    def _check_no_webhook(self) -> None:
        if self.webhook is not None:
            raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                   "use deleteWebhook to delete the webhook first")

    def _forbidden(self, reason: str) -> BotApiError:
        self._stats["forbidden"] += 1
        return BotApiError(403, f"Forbidden: {reason}")

    def _moderated(self, chat_id: int, user_id: int) -> tuple[Group, dict]:
        """The group and member the bot wants to restrict, ban or unban, if it may."""
        self.bot_chat(chat_id)
        if chat_id > 0:
            raise bad_request("method is available for supergroup and channel chats only")
        group = self.groups[chat_id]
        if not self.bot_is_admin(chat_id):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        if user_id not in self.users:
            raise bad_request("user not found")
        member = group.member(self.users[user_id])
        if member["status"] == "creator":
            raise bad_request("can't remove chat owner")
        if member["status"] == "administrator":
            raise bad_request("user is an administrator of the chat")
        return group, member

    def _describe(self, chat_id: int) -> str:
        """The chat's messages, one line each, for timeout errors."""
        if chat_id not in self._logs:
            return "  (no such chat)"
        lines = []
        for stored in self._logs[chat_id]:
            api = stored.api
            who = "bot" if stored.from_bot else api["from"]["first_name"]
            what = api.get("text") or api.get("caption") or api.get("poll", {}).get("question") or next(
                (key for key in (*MESSAGE_KINDS, "new_chat_members", "left_chat_member") if key in api), "?")
            buttons = [b["text"] for row in (stored.reply_markup or {}).get("inline_keyboard", []) for b in row]
            flags = (" [deleted]" if stored.deleted else "") + (f" [buttons: {', '.join(buttons)}]" if buttons else "")
            lines.append(f"  #{stored.message_id} {who}: {what[:200]!r}{flags}")
        return "\n".join(lines) or "  (no messages)"
