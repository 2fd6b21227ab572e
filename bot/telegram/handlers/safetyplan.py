"""/safetyplan: a person makes, reads and changes their own safety plan, in a private chat.

Making or changing it is a guided flow (``bot.telegram.flows``): the six parts one at
a time, each skippable, then whether the peer supporter who takes their case may read
it, then the whole plan to save. Typed answers arrive through ``take_draft_answer``
after the crisis screen; because a plan names the very thoughts it plans for, an
answer that screens as a crisis is still paged and also kept (see ``messages``).

``/safetyplan`` with a plan shows it, with Change and Share/Stop sharing; the same
can be typed (``/safetyplan edit``, ``/safetyplan share``, ``/safetyplan private``).
The "Look at my plan" button offered in a crisis opens it too.
"""
from __future__ import annotations

import functools
from datetime import timedelta
from typing import Awaitable, Callable

from telegram import Update

from bot.app.callbacks import PLAN_EDIT, PLAN_OPEN, PLAN_PICK, PLAN_SAVE, PLAN_SHARING, PLAN_STOP
from bot.app.replies import Reply
from bot.services.drafts import DraftState
from bot.services.safety_plans import PART_LIMIT, PARTS, PlanPart, PlanView, tidy
from bot.storage.models import Person
from bot.storage.types import utcnow
from bot.telegram.access import PARTICIPANTS, Caller, CommandSpec, GuardedHandler, guarded, pressed, reply
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.flows import OUT_OF_DATE, Data, Flow, Invalid, Step, private_only, register

INTRODUCTION = (
    "A safety plan is your own list for when things get hard: the signs to look out for, what helps, and who "
    "you can turn to. I'll ask about six parts, one at a time; skip any you like and come back to them later.\n\n"
    "Your plan stays private. It's never posted in a group, and a peer supporter sees it only if you say so "
    "(I'll ask at the end). If something you write sounds like you're in danger now, I'll let a peer supporter "
    "know, just in case.")
EDITING = "Let's go through your plan. For each part you can keep what's there, change it or leave it empty."
SHARING = {True: "A peer supporter who takes your case will see it.",
           False: "It's just for you: peer supporters don't see it."}


# --- the steps ----------------------------------------------------------------------------------

PLAN = register(Flow(
    "safetyplan", PLAN_PICK, PLAN_STOP, PARTICIPANTS, idle=timedelta(hours=2),
    ended="That plan has already ended. /safetyplan starts again.",
    dropped="Okay, I've stopped there and nothing was changed. /safetyplan starts again whenever you like.",
    keeps_crisis_answers=True, confirm_kind=PLAN_SAVE))


def part_step(part: PlanPart) -> Step:
    """One part of the plan: typed in, skipped, or (when changing a plan) kept or emptied."""

    def ask(app: AppContext, data: Data) -> Reply:
        text = f"{part.title}\n\n{part.question}"
        if part.key == "professionals":
            text += "\n\n" + app.conversation.crisis.message_for(data.get("region"))
        current = data["parts"].get(part.key)
        if not current:
            return Reply(text, PLAN.choices(part.key, [("Skip", "skip")]))
        return Reply(f"{text}\n\nNow in your plan:\n{current}\n\nType a new answer to replace it.",
                     PLAN.choices(part.key, [("Keep as it is", "keep"), ("Leave it empty", "clear")]))

    def typed(app: AppContext, data: Data, text: str) -> Data:
        answer = tidy(text)
        if not answer or len(answer) > PART_LIMIT:
            raise Invalid(f"Please type this part in up to {PART_LIMIT} characters, or skip it.")
        return {"parts": {**data["parts"], part.key: answer}}

    def pick(app: AppContext, data: Data, value: str) -> Data:
        if value == "keep":
            return {}
        if value in ("skip", "clear"):
            return {"parts": {**data["parts"], part.key: ""}}
        raise Invalid(OUT_OF_DATE)

    return Step(part.key, ask, typed=typed, pick=pick)


def ask_share(app: AppContext, data: Data) -> Reply:
    return Reply("If you talk with a peer supporter about a hard time, would you like them to be able to read "
                 "this plan? You can change your mind at any time with /safetyplan.",
                 PLAN.choices("share", [("Yes, share it", "yes"), ("No, keep it to myself", "no")]))


def pick_share(app: AppContext, data: Data, value: str) -> Data:
    if value not in ("yes", "no"):
        raise Invalid(OUT_OF_DATE)
    return {"shared": value == "yes"}


def ask_confirm(app: AppContext, data: Data) -> Reply:
    plan = PlanView(dict(data["parts"]), bool(data.get("shared")), utcnow())
    return Reply(f"Here is your plan:\n\n{app.plans.text(plan, data.get('region'))}\n\n{SHARING[plan.shared]}\n\n"
                 "Shall I save it?", ((("Save my plan", PLAN_SAVE.data()),),))


PLAN.steps = (*(part_step(part) for part in PARTS),
              Step("share", ask_share, pick=pick_share),
              Step("confirm", ask_confirm))


async def save_plan(update: Update, context: PeerbotContext, caller: Caller, draft: DraftState) -> None:
    """Keep the plan (an empty one is not saved: there would be nothing to offer)."""
    app = context.app
    parts = draft.data["parts"]
    if not any(parts.values()):
        await PLAN.finish(update, context, draft.person_id, "Nothing to save")
        await reply(update, context, [Reply("Every part is empty, so there's nothing to save yet. "
                                            "/safetyplan starts again whenever you like.")])
        return
    app.plans.save(draft.person_id, parts, bool(draft.data.get("shared")))
    await PLAN.finish(update, context, draft.person_id, "Saved")
    await reply(update, context, [Reply(
        f"Saved. {SHARING[bool(draft.data.get('shared'))]} Your plan is here whenever you need it: type /safetyplan. "
        "If things get hard, I'll offer it to you too.")])


PLAN.confirm = save_plan


# --- the command and its buttons ------------------------------------------------------------------

async def start_plan(update: Update, context: PeerbotContext, person: Person) -> None:
    """Make a plan, or go through the one the person has (its answers to keep or change)."""
    existing = context.app.plans.get(person.id)
    data: Data = {"region": person.region, "parts": dict(existing.parts) if existing else {},
                  "shared": existing.shared if existing else False}
    await PLAN.start(update, context, person.id, data, EDITING if existing else INTRODUCTION)


def plan_card(app: AppContext, person: Person, plan: PlanView) -> Reply:
    """The plan as its owner reads it, with what they can do next, pressed or typed."""
    share = ("Stop sharing", PLAN_SHARING.data("off")) if plan.shared else \
        ("Share with my peer supporter", PLAN_SHARING.data("on"))
    typed_share = "/safetyplan private" if plan.shared else "/safetyplan share"
    return Reply(f"Your safety plan\n\n{app.plans.text(plan, person.region)}\n\n{SHARING[plan.shared]}\n\n"
                 f"To change it, type /safetyplan edit; to change who sees it, {typed_share}.",
                 ((("Change my plan", PLAN_EDIT.data()),), (share,)))


async def show_plan(update: Update, context: PeerbotContext, person: Person) -> None:
    app = context.app
    plan = app.plans.opened(person.id)
    if plan is None:
        await start_plan(update, context, person)
        return
    await reply(update, context, [plan_card(app, person, plan)])


async def set_sharing(update: Update, context: PeerbotContext, person: Person, shared: bool) -> None:
    if not context.app.plans.set_sharing(person.id, shared):
        await reply(update, context, [Reply("You haven't made a safety plan yet. /safetyplan starts one.")])
        return
    news = ("Done: a peer supporter who takes your case will be able to read your plan." if shared
            else "Done: your plan is just for you now. Peer supporters won't see it.")
    await reply(update, context, [Reply(news)])


@guarded(PARTICIPANTS)
@private_only
async def on_safetyplan(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Show the plan (or start one); ``edit``, ``share`` or ``private`` do what the buttons do."""
    person = caller.member
    argument = " ".join(context.args or []).casefold()
    if argument == "edit":
        await start_plan(update, context, person)
    elif argument in ("share", "private"):
        await set_sharing(update, context, person, argument == "share")
    elif argument:
        await reply(update, context, [Reply("/safetyplan shows your plan; /safetyplan edit changes it; "
                                            "/safetyplan share or /safetyplan private changes who sees it.")])
    else:
        await show_plan(update, context, person)


def on_press(action: Callable[[Update, PeerbotContext, Person], Awaitable[None]]) -> GuardedHandler:
    """A button that does what a typed command does: the press is answered, then the action."""

    @functools.wraps(action)
    async def handler(update: Update, context: PeerbotContext, caller: Caller) -> None:
        query, _ = pressed(update)
        await query.answer()
        await action(update, context, caller.member)

    return guarded(PARTICIPANTS)(private_only(handler))


on_plan_open = on_press(show_plan)  # "Look at my plan", offered in a crisis
on_plan_edit = on_press(start_plan)  # "Change my plan"


@guarded(PARTICIPANTS)
@private_only
async def on_plan_sharing(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await set_sharing(update, context, caller.member, PLAN_SHARING.fields(data) == ("on",))


on_plan_pick = guarded(PARTICIPANTS)(private_only(PLAN.on_pick))
on_plan_stop = guarded(PARTICIPANTS)(private_only(PLAN.on_stop))
on_plan_save = guarded(PARTICIPANTS)(private_only(PLAN.on_confirm))

COMMANDS = (
    CommandSpec("safetyplan", "your own safety plan: make it, read it, change it", on_safetyplan),
)
CALLBACKS = (
    (PLAN_PICK.pattern, on_plan_pick),
    (PLAN_STOP.pattern, on_plan_stop),
    (PLAN_SAVE.pattern, on_plan_save),
    (PLAN_OPEN.pattern, on_plan_open),
    (PLAN_EDIT.pattern, on_plan_edit),
    (PLAN_SHARING.pattern, on_plan_sharing),
)
