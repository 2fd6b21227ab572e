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
from typing import Awaitable, Callable, Optional

from telegram import Update

from bot.app.callbacks import PLAN_EDIT, PLAN_OPEN, PLAN_PICK, PLAN_SAVE, PLAN_SHARING, PLAN_STOP
from bot.app.replies import Reply
from bot.i18n import N_, say
from bot.services.drafts import DraftState
from bot.services.safety_plans import PART_LIMIT, PARTS, PlanPart, PlanView, tidy
from bot.storage.models import Person
from bot.storage.types import utcnow
from bot.telegram.access import PARTICIPANTS, Caller, CommandSpec, GuardedHandler, guarded, pressed, reply
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.flows import OUT_OF_DATE, Data, Flow, Invalid, Step, private_only, register

INTRODUCTION = N_(
    "A safety plan is your own list for when things get hard: the signs to look out for, what helps, and who "
    "you can turn to. I'll ask about six parts, one at a time; skip any you like and come back to them later.\n\n"
    "Your plan stays private. It's never posted in a group, and a peer supporter sees it only if you say so "
    "(I'll ask at the end). If something you write sounds like you're in danger now, I'll let a peer supporter "
    "know, just in case.")
EDITING = N_("Let's go through your plan. For each part you can keep what's there, change it or leave it empty.")
SHARING = {True: N_("A peer supporter who takes your case will see it."),
           False: N_("It's just for you: peer supporters don't see it.")}


def language_of(data: Data) -> Optional[str]:
    """The person's language, kept in the draft when the plan was started."""
    language: Optional[str] = data.get("language")
    return language


# --- the steps ----------------------------------------------------------------------------------

PLAN = register(Flow(
    "safetyplan", PLAN_PICK, PLAN_STOP, PARTICIPANTS, idle=timedelta(hours=2),
    ended="That plan has already ended. /safetyplan starts again.",
    dropped=N_("Okay, I've stopped there and nothing was changed. /safetyplan starts again whenever you like."),
    keeps_crisis_answers=True, confirm_kind=PLAN_SAVE))


def part_step(part: PlanPart) -> Step:
    """One part of the plan: typed in, skipped, or (when changing a plan) kept or emptied."""

    def ask(app: AppContext, data: Data) -> Reply:
        language = language_of(data)
        text = f"{say(language, part.title)}\n\n{say(language, part.question)}"
        if part.key == "professionals":
            text += "\n\n" + app.conversation.crisis.message_for(data.get("region"), language)
        current = data["parts"].get(part.key)
        if not current:
            return Reply(text, PLAN.choices(part.key, [(say(language, N_("Skip")), "skip")]))
        now = say(language, N_("Now in your plan:\n{current}\n\nType a new answer to replace it."), current=current)
        return Reply(f"{text}\n\n{now}", PLAN.choices(part.key, [(say(language, N_("Keep as it is")), "keep"),
                                                                  (say(language, N_("Leave it empty")), "clear")]))

    def typed(app: AppContext, data: Data, text: str) -> Data:
        answer = tidy(text)
        if not answer or len(answer) > PART_LIMIT:
            raise Invalid(say(language_of(data), N_("Please type this part in up to {limit} characters, or skip it."),
                              limit=PART_LIMIT))
        return {"parts": {**data["parts"], part.key: answer}}

    def pick(app: AppContext, data: Data, value: str) -> Data:
        if value == "keep":
            return {}
        if value in ("skip", "clear"):
            return {"parts": {**data["parts"], part.key: ""}}
        raise Invalid(OUT_OF_DATE)

    return Step(part.key, ask, typed=typed, pick=pick)


def ask_share(app: AppContext, data: Data) -> Reply:
    language = language_of(data)
    return Reply(say(language, N_("If you talk with a peer supporter about a hard time, would you like them to be "
                                  "able to read this plan? You can change your mind at any time with /safetyplan.")),
                 PLAN.choices("share", [(say(language, N_("Yes, share it")), "yes"),
                                        (say(language, N_("No, keep it to myself")), "no")]))


def pick_share(app: AppContext, data: Data, value: str) -> Data:
    if value not in ("yes", "no"):
        raise Invalid(OUT_OF_DATE)
    return {"shared": value == "yes"}


def ask_confirm(app: AppContext, data: Data) -> Reply:
    language = language_of(data)
    plan = PlanView(dict(data["parts"]), bool(data.get("shared")), utcnow())
    return Reply(say(language, N_("Here is your plan:\n\n{plan}\n\n{sharing}\n\nShall I save it?"),
                     plan=app.plans.text(plan, data.get("region"), language), sharing=say(language, SHARING[plan.shared])),
                 (((say(language, N_("Save my plan")), PLAN_SAVE.data()),),))


PLAN.steps = (*(part_step(part) for part in PARTS),
              Step("share", ask_share, pick=pick_share),
              Step("confirm", ask_confirm))


async def save_plan(update: Update, context: PeerbotContext, caller: Caller, draft: DraftState) -> None:
    """Keep the plan (an empty one is not saved: there would be nothing to offer)."""
    app = context.app
    language = language_of(draft.data)
    parts = draft.data["parts"]
    if not any(parts.values()):
        await PLAN.finish(update, context, draft.person_id, say(language, N_("Nothing to save")))
        await reply(update, context, [Reply(say(language, N_(
            "Every part is empty, so there's nothing to save yet. /safetyplan starts again whenever you like.")))])
        return
    shared = bool(draft.data.get("shared"))
    app.plans.save(draft.person_id, parts, shared)
    await PLAN.finish(update, context, draft.person_id, say(language, N_("Saved")))
    await reply(update, context, [Reply(say(language, N_(
        "Saved. {sharing} Your plan is here whenever you need it: type /safetyplan. If things get hard, I'll offer "
        "it to you too."), sharing=say(language, SHARING[shared])))])


PLAN.confirm = save_plan


# --- the command and its buttons ------------------------------------------------------------------

async def start_plan(update: Update, context: PeerbotContext, person: Person) -> None:
    """Make a plan, or go through the one the person has (its answers to keep or change)."""
    existing = context.app.plans.get(person.id)
    data: Data = {"region": person.region, "language": person.language,
                  "parts": dict(existing.parts) if existing else {}, "shared": existing.shared if existing else False}
    await PLAN.start(update, context, person.id, data, say(person.language, EDITING if existing else INTRODUCTION))


def plan_card(app: AppContext, person: Person, plan: PlanView) -> Reply:
    """The plan as its owner reads it, with what they can do next, pressed or typed."""
    language = person.language
    share = (say(language, N_("Stop sharing")), PLAN_SHARING.data("off")) if plan.shared else \
        (say(language, N_("Share with my peer supporter")), PLAN_SHARING.data("on"))
    typed_share = "/safetyplan private" if plan.shared else "/safetyplan share"
    text = say(language, N_("Your safety plan\n\n{plan}\n\n{sharing}\n\nTo change it, type /safetyplan edit; to "
                            "change who sees it, {typed_share}."),
               plan=app.plans.text(plan, person.region, language), sharing=say(language, SHARING[plan.shared]),
               typed_share=typed_share)
    return Reply(text, (((say(language, N_("Change my plan")), PLAN_EDIT.data()),), (share,)))


async def show_plan(update: Update, context: PeerbotContext, person: Person) -> None:
    app = context.app
    plan = app.plans.opened(person.id)
    if plan is None:
        await start_plan(update, context, person)
        return
    await reply(update, context, [plan_card(app, person, plan)])


async def set_sharing(update: Update, context: PeerbotContext, person: Person, shared: bool) -> None:
    language = person.language
    if not context.app.plans.set_sharing(person.id, shared):
        await reply(update, context, [Reply(say(language, N_(
            "You haven't made a safety plan yet. /safetyplan starts one.")))])
        return
    news = (N_("Done: a peer supporter who takes your case will be able to read your plan.") if shared
            else N_("Done: your plan is just for you now. Peer supporters won't see it."))
    await reply(update, context, [Reply(say(language, news))])


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
        await reply(update, context, [Reply(say(person.language, N_(
            "/safetyplan shows your plan; /safetyplan edit changes it; /safetyplan share or /safetyplan private "
            "changes who sees it.")))])
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
    CommandSpec("safetyplan", N_("your own safety plan: make it, read it, change it"), on_safetyplan),
)
CALLBACKS = (
    (PLAN_PICK.pattern, on_plan_pick),
    (PLAN_STOP.pattern, on_plan_stop),
    (PLAN_SAVE.pattern, on_plan_save),
    (PLAN_OPEN.pattern, on_plan_open),
    (PLAN_EDIT.pattern, on_plan_edit),
    (PLAN_SHARING.pattern, on_plan_sharing),
)
