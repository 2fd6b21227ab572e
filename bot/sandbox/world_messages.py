"""Messages in the sandbox's world: what people write, edit and press, and what the bot
sends, edits and deletes.

A person's message, edit or button press becomes an update for the bot; the
bot's messages pass Telegram's checks (may it post here, is it sending too fast,
does the message to edit exist) or are refused with ``BotApiError``. Tests wait
here for the bot's answers.
"""
from __future__ import annotations

import asyncio
from typing import Callable

from bot.sandbox.errors import BotApiError, SandboxError, bad_request
from bot.sandbox.person_content import (
    CAPTIONED_KINDS,
    MESSAGE_KINDS,
    add_formatting,
    marked_entities,
    person_content,
)
from bot.sandbox.records import StoredMessage, is_in_chat, now
from bot.sandbox.world_store import WorldStore


def callback_data_of(markup: dict | None) -> list[str]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


class Messages(WorldStore):
    """Messages, edits and button presses: people's, and the bot's as Telegram allows them."""

    # --- as people (and tests) act ------------------------------------------------------

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
        content = person_content(kind, text, caption, question, options, bot_mention=self._mention,
                                 store_file=self.store_file, poll_number=lambda: self._next("poll"))
        if entities:
            add_formatting(content, entities)
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
        stored.api.update(marked_entities(entities_key, new, self._mention))
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

    # --- what the bot may do (raising BotApiError like Telegram) -----------------------

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

    def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        if query_id not in self._open_queries:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self._open_queries.remove(query_id)
        self.callback_answers[query_id] = {"text": text, "show_alert": show_alert}

    def _set_markup(self, stored: StoredMessage, markup: dict | None) -> None:
        stored.reply_markup = markup
        if markup is not None and markup.get("inline_keyboard"):
            stored.api["reply_markup"] = markup
        else:
            stored.api.pop("reply_markup", None)
