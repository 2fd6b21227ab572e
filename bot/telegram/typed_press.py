"""Pressing a button by typing, outside guided commands: consent, the dialogue's buttons
(check-in scale, "No thanks", "That helped"), the wellbeing questionnaire and
/forgetme's question.

The last keyboard a private chat was sent is kept (``PendingChoices``, in the
database) as its typeable choices; typed text naming one (``bot.app.typed_choices``)
runs the same action as pressing it, for the same roles. Handler modules list their
typeable kinds in ``TYPED``, as they list ``CALLBACKS``; the registry gathers them.
Guided commands have their own, draft-backed way (``bot.telegram.flows``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional, Protocol

from telegram import Update

from bot.app.callbacks import CallbackKind
from bot.app.replies import Reply
from bot.app.typed_choices import choice_for
from bot.telegram.context import AppContext, PeerbotContext


class Caller(Protocol):
    """Who typed (``access.Caller``, which sends replies through this module: named by shape)."""

    @property
    def roles(self) -> frozenset[str]: ...


# What pressing a button of a kind does, given its data: the button handler calls it too.
Action = Callable[[Update, PeerbotContext, Any, str], Awaitable[None]]  # the caller is an access.Caller
# None of the buttons typed here (consent, dialogue, questionnaire...) has a longer title,
# so longer text is never a choice: no lookup.
LONGEST_TITLE = 64


@dataclass(frozen=True)
class TypedAction:
    kind: CallbackKind
    action: Action
    roles: frozenset[str]  # those of the kind's button handler: typing is refused just as pressing is


TYPED_ACTIONS: dict[str, TypedAction] = {}  # by prefix; filled by the registry


def kind_of(data: str) -> Optional[TypedAction]:
    return next((entry for entry in TYPED_ACTIONS.values() if re.match(entry.kind.pattern, data)), None)


def remember(app: AppContext, chat_id: int, replies: list[Reply]) -> None:
    """Keep the typeable buttons of the last of ``replies`` that has buttons; replies with
    none mean the question is no longer the chat's last word, so typing presses nothing."""
    keyboards = [reply for reply in replies if reply.buttons]
    choices = [button for row in keyboards[-1].buttons for button in row
               if kind_of(button[1]) is not None] if keyboards else []
    if choices:
        app.choices.keep(chat_id, choices)
    else:
        app.choices.clear(chat_id)


async def take_typed_press(update: Update, context: PeerbotContext, caller: Caller, chat_id: int,
                           text: str) -> bool:
    """If ``text`` names a button of the chat's last keyboard, do what pressing it does."""
    app = context.app
    data = choice_for(app.choices.get(chat_id), text) if len(text) <= LONGEST_TITLE else None
    entry = kind_of(data) if data is not None else None
    if data is None or entry is None or (entry.roles and not entry.roles & caller.roles):
        return False
    app.choices.clear(chat_id)
    await entry.action(update, context, caller, data)
    return True
