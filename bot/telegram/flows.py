"""Guided commands (/newsession, /suggest, /safetyplan): one question at a time,
buttons where there is a fixed choice, typed text otherwise.

Every button of a question can also be typed: each question lists its choices by
number ("or type 1 (Skip), 2 (Keep as it is), or cancel"), and a number, a
button's title or "cancel" typed in reply does what the button does. Telegram's
apps have open screen-reader bugs with inline buttons, so nobody may depend on them.

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
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Awaitable, Callable, Optional

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.app.callbacks import CallbackKind
from bot.app.replies import Button, Reply
from bot.app.typed_choices import choice_for, hint, typed_word
from bot.dialogue.engine import ParseResult
from bot.i18n import N_, say
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
# Typed instead of pressing Cancel (compared after ``typed_word``).
CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "cancelar", "parar"})


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


async def settle_press(update: Update, outcome: str, said: Optional[str] = None) -> None:
    """A step taken by a press: the press answered (``said``, else ``outcome``) and its
    buttons settled with ``outcome``; a step taken by typing needs neither."""
    if update.callback_query is not None:
        await update.callback_query.answer(said or outcome)
        await settle(update.callback_query, outcome)


async def acknowledge(update: Update, alert: str = "") -> None:
    """Answer the pressed button, if the step was answered by a button (typing needs no answer)."""
    if update.callback_query is not None:
        await update.callback_query.answer(alert or None, show_alert=bool(alert))


# What the last question's own button does (Send, Create, Save), pressed or typed.
Confirm = Callable[[Update, PeerbotContext, Caller, DraftState], Awaitable[None]]


@dataclass
class Flow:
    """A guided command's questions and the plumbing every such command shares.

    ``roles`` may continue it by typing; ``idle`` is how long a draft left alone
    keeps catching the person's typing (after that they have moved on). ``confirm``
    is the last question's button (``confirm_kind``), set with the steps.
    """

    name: str
    pick: CallbackKind  # the data of a button answering a step: (step, value)
    stop: CallbackKind  # the data of its Cancel button
    roles: frozenset[str]
    idle: timedelta
    ended: str  # said when a button of a draft that is over is pressed
    dropped: str  # said when the person cancels
    # A plan's answers may name the very thoughts it plans for: such an answer that screens
    # as a crisis is handled as one (paged) and still kept, so the person is not stuck.
    keeps_crisis_answers: bool = False
    confirm_kind: Optional[CallbackKind] = None
    confirm: Optional[Confirm] = None
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)

    def has_step(self, name: str) -> bool:
        return any(step.name == name for step in self.steps)

    def choices(self, step: str, options: list[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
        """One button per row for each (title, value), carrying the step so stale presses are caught."""
        return tuple(((title, self.pick.data(step, value)),) for title, value in options)

    def typeable(self, question: Reply) -> list[Button]:
        """The question's buttons that typing can stand in for: its choices and its confirm
        button, in the order shown (a step with buttons of its own says how to type them)."""
        kinds = [kind for kind in (self.pick, self.confirm_kind) if kind is not None]
        return [button for row in question.buttons for button in row
                if any(re.match(kind.pattern, button[1]) for kind in kinds)]

    def typed_choice(self, question: Reply, text: str) -> Optional[str]:
        """The data of the button that typed ``text`` stands for (its number or title)."""
        return choice_for(self.typeable(question), text)

    def framed(self, step: Step, question: Reply, note: str = "", language: Optional[str] = None) -> Reply:
        """The question with its place in the flow, an optional note (e.g. why it is asked
        again), how to answer by typing, and a Cancel button, in the draft's language."""
        number = self.steps.index(step) + 1
        counter = f"({number}/{len(self.steps) - 1}) " if step is not self.steps[-1] else ""
        text = f"{note}\n\n{counter}{question.text}" if note else f"{counter}{question.text}"
        text += "\n\n" + hint(self.typeable(question), cancel=True, language=language)
        return Reply(text, question.buttons + (((say(language, N_("Cancel")), self.stop.data()),),))

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
            note = say(data.get("language"), N_("Starting again: your earlier answers are cleared."))
        elif other is not None and other.live_draft(app, person_id) is not None:
            replaced = say(data.get("language"), N_("(This replaces your unfinished /{command}.)"), command=other.name)
            note = f"{replaced}\n\n{welcome}"
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
        await reply(update, context, [self.framed(step, question, note, data.get("language"))],
                    keyboard_key=FLOW_KEYBOARD_KEY)

    async def advance(self, update: Update, context: PeerbotContext, draft: DraftState,
                      answer: Data) -> None:
        following = self.steps[self.steps.index(self.step(draft.step)) + 1]
        await self.ask(update, context, draft.person_id, following, {**draft.data, **answer})

    async def take_typed(self, update: Update, context: PeerbotContext, caller: Caller, draft: DraftState) -> None:
        """Typed text answers the current question: "cancel", a button's number or title (as
        if pressed), or the step's own typed answer. A wrong answer is asked again, saying why."""
        app = context.app
        step = self.step(draft.step)
        text = message_of(update).text or ""
        if typed_word(text) in CANCEL_WORDS:
            await self.drop(update, context, draft.person_id)
            return
        try:
            choice = self.typed_choice(step.ask(app, draft.data), text)
        except Stop:  # the question cannot be asked any more: asking again says why and ends
            choice = None
        if choice is not None and self.confirm_kind is not None and re.match(self.confirm_kind.pattern, choice):
            if self.confirm is not None:
                await self.confirm(update, context, caller, draft)
            return
        try:
            if choice is not None:
                answer = self.chosen(app, draft, choice)
            elif step.typed is not None:
                answer = step.typed(app, draft.data, text)
            else:
                raise Invalid(say(draft.data.get("language"),
                                  N_("Please type one of the numbers below (or cancel to stop).")))
        except Invalid as problem:
            await self.ask(update, context, draft.person_id, step, draft.data, note=str(problem))
            return
        await self.advance(update, context, draft, answer)

    def chosen(self, app: AppContext, draft: DraftState, data: str) -> Data:
        """The answer a choice's button data gives the draft's current question."""
        step_name, value = self.pick.fields(data)
        pick = self.step(step_name).pick
        if pick is None:  # forged data naming a typed question: refused as damaged (MALFORMED)
            raise ValueError(f"the {step_name!r} question of /{self.name} has no buttons")
        return pick(app, draft.data, value)

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
        step_name, _ = self.pick.fields(data)
        draft = await self.draft_at(update, context, caller, step_name)
        if draft is None:
            return
        try:
            answer = self.chosen(context.app, draft, data)
        except Invalid as problem:
            await query.answer(str(problem), show_alert=True)
            return
        await query.answer()
        await settle(query, pressed_title(query, data))
        await self.advance(update, context, draft, answer)

    async def on_stop(self, update: Update, context: PeerbotContext, caller: Caller) -> None:
        """The Cancel button: the draft is dropped and the person told."""
        query, _ = pressed(update)
        if self.live_draft(context.app, caller.member.id) is None:
            await query.answer(self.ended, show_alert=True)
            return
        await self.drop(update, context, caller.member.id)

    async def drop(self, update: Update, context: PeerbotContext, person_id: int) -> None:
        """Cancelled, by the button or by typing: the draft goes and the person is told."""
        draft = context.app.drafts.get(person_id)
        language = draft.data.get("language") if draft is not None else None
        await self.finish(update, context, person_id, say(language, N_("Cancelled")))
        await reply(update, context, [Reply(say(language, self.dropped))])

    async def finish(self, update: Update, context: PeerbotContext, person_id: int, outcome: str) -> None:
        """The flow is over, done or dropped (pressed or typed): the draft goes, a pressed
        question shows the outcome, and no question keeps a live button."""
        context.app.drafts.clear(person_id)
        if update.callback_query is not None:
            await update.callback_query.answer(outcome)
            await settle(update.callback_query, outcome)
        await retire_keyboard(update, context, FLOW_KEYBOARD_KEY)

    async def on_confirm(self, update: Update, context: PeerbotContext, caller: Caller) -> None:
        """The last question's own button, pressed."""
        draft = await self.draft_at(update, context, caller, self.steps[-1].name)
        if draft is not None and self.confirm is not None:
            await self.confirm(update, context, caller, draft)


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


def live_flow(app: AppContext, caller: Caller) -> Optional[tuple[Flow, DraftState]]:
    """The guided command the caller is in the middle of, and their draft of it."""
    draft = app.drafts.get(caller.person.id) if caller.person is not None else None
    flow = FLOWS.get(draft.flow) if draft is not None else None
    if draft is None or flow is None or not caller.roles & flow.roles or flow.live_draft(app, draft.person_id) is None:
        return None
    return flow, draft


async def take_draft_answer(update: Update, context: PeerbotContext, caller: Caller,
                            parse: ParseResult) -> bool:
    """Typed text from someone in the middle of a guided command: True if a flow took it.
    A request for a person always goes on to the conversation instead."""
    current = live_flow(context.app, caller) if parse.intent != "request_human" else None
    if current is None:
        return False
    flow, draft = current
    await flow.take_typed(update, context, caller, draft)
    return True


def typed_a_choice(app: AppContext, caller: Caller, text: str) -> bool:
    """Whether ``text`` is exactly one of the choices the caller's current question offers
    ("Save my plan", "2", "cancel"): the same as pressing that button, so not a disclosure
    (the screen reads "save my plan" as risk, and a pressed button is never screened)."""
    current = live_flow(app, caller)
    if current is None:
        return False
    flow, draft = current
    if typed_word(text) in CANCEL_WORDS:
        return True
    try:
        return flow.typed_choice(flow.step(draft.step).ask(app, draft.data), text) is not None
    except Stop:
        return False


def crisis_answer_flow(app: AppContext, caller: Caller) -> Optional[tuple[Flow, DraftState]]:
    """The flow the caller is in, if it keeps answers that screen as a crisis (a safety plan):
    the crisis is handled as any other, then the answer is taken too, so writing a plan
    cannot get stuck on the words it is meant to hold."""
    current = live_flow(app, caller)
    return current if current is not None and current[0].keeps_crisis_answers else None
