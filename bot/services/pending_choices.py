"""The buttons of the last question each private chat was asked, kept so that typing one
presses it (``bot.telegram.typed_press``).

Kept in the database rather than in a process's memory, like drafts: with several bot
processes sharing the updates, the answer may reach another process than the question
came from, and a restart between the two must not turn "1" into a mood."""
from __future__ import annotations

from sqlalchemy import delete

from bot.storage.db import Database
from bot.storage.models import PendingChoice
from bot.storage.types import utcnow

Choice = tuple[str, str]  # a button's title and data


class PendingChoices:
    def __init__(self, db: Database) -> None:
        self.db = db

    def keep(self, chat_id: int, choices: list[Choice]) -> None:
        """The chat's question now offers these choices (replacing any earlier ones)."""
        with self.db.session() as session, session.begin():
            session.merge(PendingChoice(chat_id=chat_id, choices=[list(choice) for choice in choices],
                                        asked_at=utcnow()))

    def get(self, chat_id: int) -> list[Choice]:
        with self.db.session() as session:
            row = session.get(PendingChoice, chat_id)
            return [(str(title), str(data)) for title, data in row.choices] if row is not None else []

    def clear(self, chat_id: int) -> None:
        """The question was answered, or is no longer the chat's last word."""
        with self.db.session() as session, session.begin():
            session.execute(delete(PendingChoice).where(PendingChoice.chat_id == chat_id)
                            .execution_options(synchronize_session=False))
