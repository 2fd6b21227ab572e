"""The DialogueEngine interface, shared by the in-process and remote implementations."""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Optional

from bot.dialogue.contract import BotTurn

if TYPE_CHECKING:
    from bot.dialogue.history import DialogueHistory


def conversation_id(chat_id: int, user_id: int, private: bool) -> str:
    """The dialogue state key: one per person in private, one per member in a group.

    Rasa's own Telegram connector keys on the chat, so a whole group would share
    one state; here each member of a group has their own.
    """
    return str(user_id) if private else f"{chat_id}:{user_id}"


@dataclass(frozen=True)
class ParseResult:
    """What the NLU made of one message."""

    text: str
    intent: Optional[str]
    confidence: float
    ranking: Mapping[str, float]
    entities: tuple[Mapping[str, Any], ...] = ()
    # The NLU's own answer, handed back to the engine with the same text so the model
    # does not parse a message twice (the screen already did).
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def confidence_of(self, intent: str) -> float:
        return self.ranking.get(intent, 0.0)

    @classmethod
    def from_rasa(cls, text: str, data: Mapping[str, Any]) -> "ParseResult":
        intent = data.get("intent") or {}
        ranking = {item["name"]: float(item["confidence"]) for item in data.get("intent_ranking") or ()}
        return cls(
            text=text,
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            ranking=ranking,
            entities=tuple(data.get("entities") or ()),
            raw=data,
        )


class DialogueEngine(abc.ABC):
    """One async interface to the dialogue model, wherever it runs."""

    # How many calls it can usefully take at once (None: no limit). The in-process model
    # works on the event loop, so one; a remote server waits on the network, so any.
    concurrent_calls: Optional[int] = None

    @abc.abstractmethod
    async def handle(self, conversation: str, text: str, parse: Optional[ParseResult] = None) -> BotTurn:
        """The bot's turn for ``text``; empty while the conversation is paused. ``parse``,
        this engine's own earlier parse of the same text, may spare it parsing again."""

    @abc.abstractmethod
    async def parse(self, text: str) -> ParseResult:
        """NLU only: intent, confidence and ranking, with no effect on any conversation."""

    @abc.abstractmethod
    async def pause(self, conversation: str) -> None:
        """Stop the model answering (a human holds the conversation)."""

    @abc.abstractmethod
    async def resume(self, conversation: str) -> None:
        """Let the model answer again after a handoff."""

    @abc.abstractmethod
    async def is_paused(self, conversation: str) -> bool:
        ...

    @abc.abstractmethod
    def history(self) -> Optional["DialogueHistory"]:
        """The stored dialogue history, for people's data rights (None if it is not reachable)."""

    @abc.abstractmethod
    async def close(self) -> None:
        ...
