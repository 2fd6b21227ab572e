"""Guided commands (/newsession, /suggest): one question at a time, buttons where
there is a fixed choice, typed text otherwise.

The answers so far live in the ``drafts`` table (one draft per person), so a
half-finished flow survives a restart and works when several bot processes
share the updates. Each question is saved before it is asked, so nothing is
lost if sending fails. Typed answers reach a flow through ``take_draft_answer``,
which the private-text handler calls after its crisis screen, and never when
the person is asking for a human: that must not be swallowed by a form.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Optional

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.app.callbacks import CallbackKind
from bot.app.replies import Button, Reply
from bot.dialogue.engine import ParseResult
from bot.services.drafts import DraftState
from bot.storage.types import utcnow
from bot.telegram.access import Caller, Handler, message_of, pressed, reply, retire_keyboard, tell
from bot.telegram.context import AppContext, PeerbotContext

log = logging.getLogger(__name__)

OUT_OF_DATE = "That button is out of date, so nothing has changed. Please use the latest message."
PRIVATE_ONLY = "Let's do that in a private chat with me."
Data = dict[str, Any]
# chat_data: the message carrying the current question's buttons (Cancel at least), so a
# question answered by typing, or a flow that is over, leaves no live button behind.
FLOW_KEYBOARD_KEY = "flow_keyboard"


class Invalid(ValueError):
    """An answer that does not fit the step; the message says what would."""


class Stop(Exception):
    """The flow cannot go on (e.g. no group to hold a session); the message says why."""


@dataclass(frozen=True)
class Step:
    """One question: how to ask it, and how to read a typed answer or a pressed button
    (each returns the answers to add to the draft, or raises Invalid)."""

    name: str
    ask: Callable[[AppContext, Data], Reply]
    typed: Optional[Callable[[AppContext, Data, str], Data]] = None
    pick: Optional[Callable[[AppContext, Data, str], Data]] = None


def one_line(text: str, limit: int, what: str) -> str:
    """A typed answer as one tidy line (a name, a title), or Invalid saying what fits."""
    line = " ".join(text.split())
    if not line or len(line) > limit:
        raise Invalid(f"Please type {what} of up to {limit} characters.")
    return line


def private_only(handler: Handler) -> Handler:
    """For commands that belong in a private chat: in a group, say so and change nothing."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: PeerbotContext, caller: Caller) -> None:
        if update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE:
            await tell(update, PRIVATE_ONLY)
            return
        await handler(update, context, caller)

    return wrapper


def pressed_title(query: CallbackQuery, data: str) -> str:
    """The title of the button that was pressed (its ``data``), to leave the answer visible
    under the question; the data itself when the message is too old to read its buttons."""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            if button.callback_data == data:
                return button.text
    return data


async def settle(query: CallbackQuery, outcome: str) -> None:
    """Retire a message's buttons, noting what was chosen, so old buttons cannot be pressed twice.
    Best effort: Telegram refuses edits to old messages, and the answer matters more."""
    message = query.message
    if not isinstance(message, Message) or not message.text:  # gone, too old to read, or no text
        return
    try:
        await query.edit_message_text(f"{message.text}\n\n→ {outcome}")
    except BadRequest as exc:
        log.info("could not retire the buttons of message %s: %s", message.message_id, exc.message)


@dataclass
class Flow:
    """A guided command's questions and the plumbing every such command shares.

    ``roles`` may continue it by typing; ``idle`` is how long a draft left alone
    keeps catching the person's typing (after that they have moved on).
    """

    name: str
    pick: CallbackKind  # the data of a button answering a step: (step, value)
    stop: CallbackKind  # the data of its Cancel button
    roles: frozenset[str]
    idle: timedelta
    ended: str  # said when a button of a draft that is over is pressed
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)

    def has_step(self, name: str) -> bool:
        return any(step.name == name for step in self.steps)

    def choices(self, step: str, options: list[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
        """One button per row for each (title, value), carrying the step so stale presses are caught."""
        return tuple(((title, self.pick.data(step, value)),) for title, value in options)

    def framed(self, step: Step, question: Reply, note: str = "") -> Reply:
        """The question with its place in the flow, an optional note (e.g. why it is asked
        again) and a Cancel button."""
        number = self.steps.index(step) + 1
        counter = f"({number}/{len(self.steps) - 1}) " if step is not self.steps[-1] else ""
        text = f"{note}\n\n{counter}{question.text}" if note else f"{counter}{question.text}"
        return Reply(text, question.buttons + ((("Cancel", self.stop.data()),),))

    def live_draft(self, app: AppContext, person_id: int) -> Optional[DraftState]:
        """The person's draft of this flow (never another's), unless left idle long enough to be over."""
        draft = app.drafts.get(person_id)
        if draft is None or draft.flow != self.name or not self.has_step(draft.step):
            return None
        if draft.updated_at is not None and utcnow() - draft.updated_at > self.idle:
            app.drafts.clear(person_id)
            return None
        return draft

    async def start(self, update: Update, context: PeerbotContext, person_id: int, data: Data,
                    welcome: str) -> None:
        """Start (or restart, saying so) at the first question. A person has one draft at a
        time, so an unfinished different command is set aside, and they are told."""
        app = context.app
        current = app.drafts.get(person_id)
        other = FLOWS.get(current.flow) if current is not None and current.flow != self.name else None
        note = welcome
        if self.live_draft(app, person_id) is not None:
            note = "Starting again: your earlier answers are cleared."
        elif other is not None and other.live_draft(app, person_id) is not None:
            note = f"(This replaces your unfinished /{other.name}.)\n\n{welcome}"
        app.drafts.start(person_id, self.name, self.steps[0].name)
        await self.ask(update, context, person_id, self.steps[0], data, note)

    async def ask(self, update: Update, context: PeerbotContext, person_id: int, step: Step,
                  data: Data, note: str = "") -> None:
        """Save the draft at ``step``, then ask its question (or end, saying why, on Stop).
        The question before it is answered now, so its buttons go."""
        app = context.app
        await retire_keyboard(update, context, FLOW_KEYBOARD_KEY)
        try:
            question = step.ask(app, data)
        except Stop as stop:
            app.drafts.clear(person_id)
            await reply(update, context, [Reply(str(stop))])
            return
        if app.drafts.update(person_id, step.name, data) is None:
            log.info("%s draft of person %s ended before step %s could be asked", self.name, person_id, step.name)
            return
        await reply(update, context, [self.framed(step, question, note)], keyboard_key=FLOW_KEYBOARD_KEY)

    async def advance(self, update: Update, context: PeerbotContext, draft: DraftState,
                      answer: Data) -> None:
        following = self.steps[self.steps.index(self.step(draft.step)) + 1]
        await self.ask(update, context, draft.person_id, following, {**draft.data, **answer})

    async def take_typed(self, update: Update, context: PeerbotContext, draft: DraftState) -> None:
        """Typed text answers the current question; a wrong answer is asked again, saying why."""
        app = context.app
        step = self.step(draft.step)
        if step.typed is None:
            await self.ask(update, context, draft.person_id, step, draft.data,
                           note="Please choose with the buttons below (or press Cancel to stop).")
            return
        try:
            answer = step.typed(app, draft.data, message_of(update).text or "")
        except Invalid as problem:
            await self.ask(update, context, draft.person_id, step, draft.data, note=str(problem))
            return
        await self.advance(update, context, draft, answer)

    async def draft_at(self, update: Update, context: PeerbotContext, caller: Caller,
                       step: Optional[str]) -> Optional[DraftState]:
        """The caller's draft if this button belongs to its current question (any question when
        ``step`` is None); otherwise the press is answered as out of date and None returned."""
        draft = self.live_draft(context.app, caller.member.id)
        query, _ = pressed(update)
        if draft is None:
            await query.answer(self.ended, show_alert=True)
            return None
        if step is not None and draft.step != step:
            await query.answer(OUT_OF_DATE, show_alert=True)
            return None
        return draft

    async def on_pick(self, update: Update, context: PeerbotContext, caller: Caller) -> None:
        """A button answering one of the fixed-choice questions."""
        query, data = pressed(update)
        step_name, value = self.pick.fields(data)
        draft = await self.draft_at(update, context, caller, step_name)
        if draft is None:
            return
        pick = self.step(step_name).pick
        if pick is None:  # forged data naming a typed question: refused as damaged (MALFORMED)
            raise ValueError(f"the {step_name!r} question of /{self.name} has no buttons")
        try:
            answer = pick(context.app, draft.data, value)
        except Invalid as problem:
            await query.answer(str(problem), show_alert=True)
            return
        await query.answer()
        await settle(query, pressed_title(query, data))
        await self.advance(update, context, draft, answer)

    async def on_stop(self, update: Update, context: PeerbotContext, caller: Caller,
                      goodbye: str) -> None:
        """The Cancel button: the draft is dropped and the person told."""
        query, _ = pressed(update)
        app = context.app
        if self.live_draft(app, caller.member.id) is None:
            await query.answer(self.ended, show_alert=True)
            return
        await self.finish(update, context, caller.member.id, "Cancelled")
        await reply(update, context, [Reply(goodbye)])

    async def finish(self, update: Update, context: PeerbotContext, person_id: int, outcome: str) -> None:
        """The flow is over, done or dropped by a button: the draft goes, the pressed question
        shows the outcome, and no earlier question keeps a live button."""
        context.app.drafts.clear(person_id)
        query, _ = pressed(update)
        await query.answer(outcome)
        await settle(query, outcome)
        await retire_keyboard(update, context, FLOW_KEYBOARD_KEY)


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


async def take_draft_answer(update: Update, context: PeerbotContext, caller: Caller,
                            parse: ParseResult) -> bool:
    """Typed text from someone in the middle of a guided command: True if a flow took it.
    A request for a person always goes on to the conversation instead."""
    if caller.person is None or parse.intent == "request_human":
        return False
    draft = context.app.drafts.get(caller.person.id)
    if draft is None:
        return False
    flow = FLOWS.get(draft.flow)
    if flow is None or not caller.roles & flow.roles or flow.live_draft(context.app, caller.person.id) is None:
        return False
    await flow.take_typed(update, context, draft)
    return True
