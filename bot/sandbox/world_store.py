"""The store under the sandbox's world: its state, and the moves every part of it shares.

``WorldStore`` holds what the sandbox knows (people, groups, message logs, files,
the update queue, counters and statistics) and the primitives the parts of
``World`` build on: handing out ids, looking things up, reaching a chat as the
bot, storing a message and telling the bot about it as privacy mode allows.
The parts (world_people.py, world_messages.py, world_connection.py) add the
rules; state.py puts them together. ``Signal`` wakes whoever waits for a change.
"""
from __future__ import annotations

import asyncio
import contextlib
import copy
import mimetypes
import re
import time
from pathlib import PurePosixPath

from bot.sandbox.errors import BotApiError, NotFound, SandboxError, bad_request
from bot.sandbox.rate_limits import RateLimiter
from bot.sandbox.records import Fault, Group, StoredFile, StoredMessage, Webhook, now

FIRST_USER_ID = 1_000_001
FIRST_GROUP_ID = -1_001_000_000_001
BOT_FIRST_NAME = "Peerbot (sandbox)"


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

    def next(self) -> asyncio.Event:
        """The event the next change sets: take it before looking at the world, and wait on it
        after, so a change in between is not missed."""
        return self._event


class WorldStore:
    """The state of the sandbox's world and the primitives its parts share (see state.py)."""

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

    @property
    def bot_id(self) -> int:
        return self.bot_user["id"]

    @property
    def stats(self) -> dict:
        return {**self._stats, "calls": dict(self._stats["calls"])}

    # --- ids and lookups ---------------------------------------------------------------

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

    def _forbidden(self, reason: str) -> BotApiError:
        self._stats["forbidden"] += 1
        return BotApiError(403, f"Forbidden: {reason}")

    # --- the message logs, and the updates they cause ---------------------------------

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

    def delete(self, stored: StoredMessage) -> None:
        stored.deleted = True
        self._touch(stored)

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

    # --- files ----------------------------------------------------------------------------

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

    def file_bytes(self, file_id: str) -> bytes:
        return self.file(file_id).data
