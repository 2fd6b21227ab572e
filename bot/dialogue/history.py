"""The dialogue history Rasa keeps (its SQL tracker store's ``events`` table), read
and deleted for people's data rights and the retention policy.

Rasa has no API to delete a conversation, so the rows are handled directly; the
table belongs to Rasa, so it is reflected rather than modelled, and a database
where Rasa has not written yet simply has no history. Conversation ids are those
of ``bot.dialogue.engine.conversation_id``: the Telegram user id in private,
"<chat id>:<user id>" in a group.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import MetaData, Table, delete, inspect, or_, select
from sqlalchemy.engine import Engine

EVENTS = "events"
WORDS = ("user", "bot")  # the event types that carry text


class DialogueHistory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _events(self) -> Optional[Table]:
        if not inspect(self.engine).has_table(EVENTS):
            return None
        return Table(EVENTS, MetaData(), autoload_with=self.engine)

    @staticmethod
    def _of(events: Table, telegram_user_id: int):
        return or_(events.c.sender_id == str(telegram_user_id), events.c.sender_id.like(f"%:{telegram_user_id}"))

    def messages(self, telegram_user_id: int) -> list[dict]:
        """Everything said in this person's conversations with the bot, oldest first."""
        events = self._events()
        if events is None:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.data)
                .where(self._of(events, telegram_user_id), events.c.type_name.in_(WORDS))
                .order_by(events.c.timestamp, events.c.id)).all()
        said = []
        for sender_id, kind, timestamp, data in rows:
            text = (json.loads(data or "{}").get("text") or "").strip()
            if text:
                said.append({"at": datetime.fromtimestamp(timestamp or 0, timezone.utc).isoformat(),
                             "where": "private chat" if ":" not in sender_id else "group chat",
                             "from": "you" if kind == "user" else "bot", "text": text})
        return said

    def forget(self, telegram_user_id: int) -> int:
        """Delete every event of this person's conversations; returns how many rows went."""
        events = self._events()
        if events is None:
            return 0
        with self.engine.begin() as connection:
            return connection.execute(delete(events).where(self._of(events, telegram_user_id))).rowcount

    def delete_words_before(self, cutoff: datetime) -> int:
        """The retention policy: what people and the bot said before ``cutoff`` is deleted."""
        events = self._events()
        if events is None:
            return 0
        with self.engine.begin() as connection:
            return connection.execute(delete(events).where(
                events.c.type_name.in_(WORDS), events.c.timestamp < cutoff.timestamp())).rowcount
