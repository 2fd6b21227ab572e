"""The co-designed coping library in Telegram: /suggest and /review.

Members and PSWs send in ideas that help them (/suggest), a question at a time,
with the answers so far kept in the ``drafts`` table (flow ``suggest``) so a
half-written idea survives a restart and several bot processes. Typed answers
arrive through ``take_draft_answer``, which the private-text handler calls after
its crisis screen. Nothing suggested is offered to anyone until a coordinator
approves it (/review); the person who suggested it is told either way.

Both happen in a private chat only: a suggestion may draw on someone's own
experience, and a review names who sent it in.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Optional

from telegram import Update

from bot.app.callbacks import REVIEW, SUGGEST_PICK, SUGGEST_SEND, SUGGEST_STOP
from bot.app.replies import Reply
from bot.app.typed_choices import typed_number
from bot.i18n import N_
from bot.services.coping import CATEGORIES, PendingStrategy, ReviewResult
from bot.services.drafts import DraftState
from bot.storage.models import Person
from bot.telegram.access import (
    COORDINATORS,
    PARTICIPANTS,
    Caller,
    CommandSpec,
    Handler,
    guarded,
    pressed,
    reply,
    tell,
)
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.flows import OUT_OF_DATE, Data, Flow, Invalid, Step, one_line, private_only, register, settle_press
from bot.telegram.sending import try_send

TITLE_LIMIT = 80
STEPS_LIMIT = 800
REVIEW_LIST = 20
# Offered as buttons: (title, moods). An empty list suits any mood.
MOOD_CHOICES: dict[str, tuple[str, list[int]]] = {
    "low": ("Low (1–2)", [1, 2]),
    "mid": ("Middling (3)", [3]),
    "good": ("Good (4–5)", [4, 5]),
    "any": ("Any", []),
}
ALREADY_REVIEWED = "That suggestion was already reviewed, so nothing has changed."


# --- words ----------------------------------------------------------------------------------------

def moods_text(moods: list[int] | tuple[int, ...]) -> str:
    if not moods:
        return "any mood"
    return f"mood {moods[0]}" if len(moods) == 1 else "moods " + ", ".join(str(m) for m in moods)


def describe(title: str, category: str, steps: str, moods: list[int] | tuple[int, ...]) -> str:
    """An idea as people will read it, with what it is filed under."""
    return f"{title}\nKind: {category}\nSuits: {moods_text(moods)}\n\n{steps}"


def review_card(item: PendingStrategy) -> Reply:
    text = (f"{describe(item.title, item.category, item.steps, item.moods)}\n\nSuggested by {item.suggested_by}"
            f"\n(Or type /approve {item.id} or /reject {item.id}.)")
    return Reply(text, ((("Approve", REVIEW.data("a", item.id)), ("Reject", REVIEW.data("r", item.id))),))


def verdict_for_suggester(result: ReviewResult) -> str:
    if result.status == "approved":
        return (f"Good news: your coping idea “{result.title}” has been approved. I may now offer it to others "
                "when it suits how they're feeling. Thank you for passing on something that helps.")
    return (f"Thank you for suggesting “{result.title}”. The coordinators have decided not to add it to the library "
            "this time. Please don't let that put you off: ideas from people's own experience are what make the "
            "library useful, and you're welcome to suggest another with /suggest.")


# --- /suggest: the steps ----------------------------------------------------------------------------

# A suggestion left alone for half an hour stops catching the person's typing: they have
# moved on, and what they write now is meant for the conversation, not for the form.
SUGGEST = register(Flow("suggest", SUGGEST_PICK, SUGGEST_STOP, PARTICIPANTS, idle=timedelta(minutes=30),
                        ended="That suggestion has already ended. /suggest starts again.",
                        dropped="Okay, I've dropped that idea and nothing was sent. /suggest starts again whenever "
                                "you like.",
                        confirm_kind=SUGGEST_SEND))


def ask_title(app: AppContext, data: Data) -> Reply:
    return Reply("What is your idea called? Type a short title, for example: Tea in the garden.")


def take_title(app: AppContext, data: Data, text: str) -> Data:
    return {"title": one_line(text, TITLE_LIMIT, "a title")}


def ask_category(app: AppContext, data: Data) -> Reply:
    return Reply(f"What kind of idea is “{data['title']}”?",
                 SUGGEST.choices("category", [(c.capitalize(), c) for c in CATEGORIES]))


def pick_category(app: AppContext, data: Data, value: str) -> Data:
    if value not in CATEGORIES:
        raise Invalid(OUT_OF_DATE)
    return {"category": value}


def ask_steps(app: AppContext, data: Data) -> Reply:
    return Reply("How does it go? Type it in a few short lines, the way you'd explain it to a friend.")


def take_steps(app: AppContext, data: Data, text: str) -> Data:
    steps = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if not steps or len(steps) > STEPS_LIMIT:
        raise Invalid(f"Please type the steps in up to {STEPS_LIMIT} characters.")
    return {"steps": steps}


def ask_moods(app: AppContext, data: Data) -> Reply:
    return Reply("When might it help most? On the check-in scale, 1 is very low and 5 is very good.",
                 SUGGEST.choices("moods", [(title, key) for key, (title, _) in MOOD_CHOICES.items()]))


def pick_moods(app: AppContext, data: Data, value: str) -> Data:
    if value not in MOOD_CHOICES:
        raise Invalid(OUT_OF_DATE)
    return {"moods": MOOD_CHOICES[value][1]}


def ask_confirm(app: AppContext, data: Data) -> Reply:
    idea = describe(data["title"], data["category"], data["steps"], data["moods"])
    return Reply(f"Here is your idea:\n\n{idea}\n\nShall I send it to the coordinators?",
                 ((("Send for review", SUGGEST_SEND.data()),),))


SUGGEST.steps = (
    Step("title", ask_title, typed=take_title),
    Step("category", ask_category, pick=pick_category),
    Step("steps", ask_steps, typed=take_steps),
    Step("moods", ask_moods, pick=pick_moods),
    Step("confirm", ask_confirm),
)

# --- /suggest: the command and its buttons ------------------------------------------------------------

@guarded(PARTICIPANTS)
@private_only
async def on_suggest(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Start (or restart) the guided flow."""
    await SUGGEST.start(update, context, caller.member.id, {}, (
        "Thank you for sharing something that helps you. I'll ask four quick questions; then a coordinator "
        "will look at your idea before it's offered to anyone."))


on_suggest_pick = guarded(PARTICIPANTS)(private_only(SUGGEST.on_pick))


on_suggest_stop = guarded(PARTICIPANTS)(private_only(SUGGEST.on_stop))
on_suggest_send = guarded(PARTICIPANTS)(private_only(SUGGEST.on_confirm))


async def send_suggestion(update: Update, context: PeerbotContext, caller: Caller, draft: DraftState) -> None:
    """Store the idea as pending for review, and thank the person."""
    app = context.app
    data = draft.data
    app.coping.submit(draft.person_id, data["title"], data["category"], data["steps"], data["moods"])
    await SUGGEST.finish(update, context, draft.person_id, "Sent for review")
    name = caller.member.display_name
    thanks = f"Thank you, {name}." if name else "Thank you."
    await reply(update, context, [Reply(f"{thanks} I've passed “{data['title']}” to the coordinators, and one of "
                                        "them will look at it soon. I'll let you know what they decide.")])


SUGGEST.confirm = send_suggestion


# --- /review ------------------------------------------------------------------------------------------

@guarded(COORDINATORS)
@private_only
async def on_review(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Pending suggestions, oldest first, each with Approve and Reject."""
    waiting = context.app.coping.pending(REVIEW_LIST)
    if not waiting:
        await tell(update, "There are no suggestions waiting for review.")
        return
    count = "1 suggestion is" if len(waiting) == 1 else f"{len(waiting)} suggestions are"
    header = Reply(f"{count} waiting for review. Approving one adds it to the ideas I offer; "
                   "whoever suggested it is told either way.")
    await reply(update, context, [header] + [review_card(item) for item in waiting])


async def tell_suggester(context: PeerbotContext, result: ReviewResult) -> Optional[Person]:
    """Let the person who suggested it know the decision; the person if they were reached.
    Someone the bot cannot write to (or who has asked to be forgotten) is simply not told."""
    if result.suggested_by_id is None:
        return None
    person = context.app.people.get(result.suggested_by_id)
    if person.telegram_user_id is None or person.forgotten_at is not None:
        return None
    sent, _ = await try_send(context.bot, person.telegram_user_id, Reply(verdict_for_suggester(result)))
    return person if sent else None


@guarded(COORDINATORS)
@private_only
async def on_review_decision(update: Update, context: PeerbotContext, caller: Caller) -> None:
    _, data = pressed(update)
    choice, strategy_id = REVIEW.fields(data)
    await decide(update, context, caller, int(strategy_id), approve=choice == "a")


def typed_decision(approve: bool) -> Handler:
    """/approve N or /reject N: a review card's buttons, typed (the number is on the card)."""

    async def handler(update: Update, context: PeerbotContext, caller: Caller) -> None:
        args = context.args or []
        strategy_id = typed_number(args[0]) if len(args) == 1 else None
        if strategy_id is None:
            await tell(update, f"Usage: /{'approve' if approve else 'reject'} <number>, the number on the "
                               "suggestion in /review.")
            return
        await decide(update, context, caller, strategy_id, approve)

    return handler


on_approve = guarded(COORDINATORS)(private_only(typed_decision(approve=True)))
on_reject = guarded(COORDINATORS)(private_only(typed_decision(approve=False)))


async def decide(update: Update, context: PeerbotContext, caller: Caller, strategy_id: int, approve: bool) -> None:
    """Approve or reject a suggestion (pressed or typed); whoever suggested it is told."""
    result = context.app.coping.review(strategy_id, caller.member.id, approve=approve)
    if not result.changed or result.status is None:  # the status is there whenever it changed
        await tell(update, ALREADY_REVIEWED)
        return
    decision = result.status.capitalize()
    await settle_press(update, decision)
    told = await tell_suggester(context, result)
    news = f"{told.display_name or 'The person who suggested it'} has been told." if told else \
        "I couldn't message the person who suggested it, so they haven't been told."
    await reply(update, context, [Reply(f"{decision}: “{result.title}”. {news}")])


# --- this module's commands and buttons -------------------------------------------------------------

COMMANDS = (
    CommandSpec("suggest", N_("suggest a coping idea for the library"), on_suggest),
    CommandSpec("review", N_("approve or reject suggested coping ideas"), on_review),
    CommandSpec("approve", N_("approve a suggested coping idea: /approve <number>"), on_approve),
    CommandSpec("reject", N_("reject a suggested coping idea: /reject <number>"), on_reject),
)
CALLBACKS = (
    (SUGGEST_PICK.pattern, on_suggest_pick),
    (SUGGEST_STOP.pattern, on_suggest_stop),
    (SUGGEST_SEND.pattern, on_suggest_send),
    (REVIEW.pattern, on_review_decision),
)
