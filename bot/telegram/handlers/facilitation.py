"""Running a session in its group chat: /startsession, /endsession, the round
buttons, the facilitators' summary and attendance buttons.

Every button can be typed: a round's answer as /round, Finish as
/endsession finish, and the register under the summary by a name's number (the
summary is the private chat's last keyboard, ``typed_press``).

The rounds' answers are private: a tap is acknowledged only to the person who
tapped (a pop-up), and the group sees an answer only if its owner shares it.
"""
from __future__ import annotations

from typing import Optional

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application

from bot.app.callbacks import ATTENDANCE, FINISH_ROUND, ROUND
from bot.app.replies import Reply
from bot.app.typed_choices import with_hint
from bot.i18n import N_, say
from bot.services.escalations import name_of
from bot.services.facilitation import LiveSession, Summary
from bot.services.wording import local_time
from bot.storage.models import Person
from bot.telegram.access import PARTICIPANTS, STAFF, Caller, CommandSpec, chat_of, guarded, pressed, reply, tell
from bot.telegram.context import APP_KEY, AppContext, PeerbotContext
from bot.telegram.handlers.common import answer_privately
from bot.telegram.sending import keyboard, send_replies
from bot.telegram.typed_press import remember

SHARE = "s"  # the round buttons' own answers (ROUND's pattern allows them)
PASS = "p"
ROUND_WORDS = {"in": "check-in", "out": "check-out"}
SHARED = N_("Shared with the group")
FINISH = "finish"  # /endsession finish: the check-out round's Finish button, typed
WRAPPED_UP = "Done: the summary is in your private chat with me."


def round_buttons(round_id: int, kind: str, occurrence_id: int) -> tuple:
    rows = [tuple((str(mood), ROUND.data(round_id, mood)) for mood in range(1, 6)),
            (("Pass", ROUND.data(round_id, PASS)), ("Share mine", ROUND.data(round_id, SHARE)))]
    if kind == "out":
        rows.append((("Finish (facilitators)", FINISH_ROUND.data(occurrence_id)),))
    return tuple(rows)


def round_text(kind: str) -> str:
    question = "How are you arriving today?" if kind == "in" else "How are you leaving today?"
    return (f"{ROUND_WORDS[kind].capitalize()} round. {question} Tap 1 (very low) to 5 (very good), or Pass: "
            "passing is always fine. Only the facilitators see your answer, unless you press \"Share mine\".\n"
            "Rather type? Send me /round 1 to 5, /round pass or /round share in a private chat."
            + ("\nFacilitators: press Finish, or send /endsession finish, to wrap up." if kind == "out" else ""))


def opening_text(app: AppContext, live: LiveSession) -> str:
    group = app.groups.for_chat(live.chat_id)
    agenda = f"\n\nToday: {live.agenda}" if live.agenda else ""
    return (f"Welcome to {live.name}! I'm the group's bot (not a person); your facilitators are here with you."
            f"{agenda}\n\nOur ground rules:\n{app.groups.rules(group)}")


async def open_round(application: Application, live_occurrence: int, chat_id: int, kind: str,
                     by: Optional[int], opening: Optional[str] = None) -> bool:
    """Post a round (after the opening words, for a check-in); False if it was already open."""
    app: AppContext = application.bot_data[APP_KEY]
    started = app.facilitation.open_round(live_occurrence, kind, chat_id, by)
    if started is None:
        return False
    replies = ([Reply(opening)] if opening else []) + [
        Reply(round_text(kind), round_buttons(started.id, kind, live_occurrence))]
    await send_replies(application.bot, chat_id, replies)
    return True


async def live_session_for(update: Update, context: PeerbotContext,
                           caller: Caller) -> Optional[LiveSession]:
    """The session on now in this group chat, if the caller may run it; otherwise they are told why."""
    chat = chat_of(update)
    if chat.type == ChatType.PRIVATE:
        await tell(update, "Please use this in the session's group chat.")
        return None
    app = context.app
    live = app.facilitation.live_in_chat(chat.id)
    if live is None:
        await tell(update, "There's no session of this group on now (I open one up to 30 minutes early).")
        return None
    if not app.facilitation.may_facilitate(caller.member.id, live.occurrence_id):
        await tell(update, "Only this session's facilitators (or a coordinator) can run it.")
        return None
    return live


@guarded(STAFF)
async def on_startsession(update: Update, context: PeerbotContext, caller: Caller) -> None:
    live = await live_session_for(update, context, caller)
    if live is not None and not await open_round(context.application, live.occurrence_id, live.chat_id, "in",
                                                 caller.member.id, opening_text(context.app, live)):
        await tell(update, "This session's check-in round has already started.")


@guarded(STAFF)
async def on_endsession(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """/endsession opens the check-out round; /endsession finish wraps the session up."""
    live = await live_session_for(update, context, caller)
    if live is None:
        return
    if [a.casefold() for a in context.args or []] == [FINISH]:
        await tell(update, await finish_session(context, caller, live.occurrence_id, live.chat_id))
    elif not await open_round(context.application, live.occurrence_id, live.chat_id, "out", caller.member.id):
        await tell(update, "The check-out round has already started: press Finish on it, or send "
                           "/endsession finish, to wrap up.")


@guarded(PARTICIPANTS)
async def on_round_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    round_id, choice = ROUND.fields(data)
    said = await round_answer(context, caller.member, int(round_id), chat_of(update).id, choice)
    await query.answer(said, show_alert=choice != SHARE)


async def round_answer(context: PeerbotContext, person: Person, round_id: int, chat_id: int, choice: str) -> str:
    """A round's answer (1-5, pass, or share), pressed in the group or typed to the bot;
    what to tell the person. Only a share is posted in the group."""
    app = context.app
    language = person.language
    if choice == SHARE:
        shared = app.facilitation.share(round_id, person.id)
        if shared is None:
            return say(language, N_("Give a number first; then you can share it."))
        await send_replies(context.bot, chat_id, [Reply(
            f"{name_of(person)} shared their {'check-in' if shared.source == 'round_in' else 'check-out'}: "
            f"{shared.mood}/5")])
        return say(language, SHARED)
    return app.facilitation.answer(round_id, person.id, None if choice == PASS else int(choice), chat_id,
                                   language).message


@guarded(PARTICIPANTS)
async def on_round_command(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """/round 1-5, pass or share: the round's buttons, typed, best in a private chat (typed
    in the group it is taken out again where the bot can, and answered privately)."""
    typed = " ".join(context.args or []).casefold()
    language = caller.member.language
    choice = {"pass": PASS, "share": SHARE, "paso": PASS, "compartir": SHARE}.get(typed, typed)
    if choice not in (*map(str, range(1, 6)), PASS, SHARE):
        await tell(update, say(language, N_("Send /round and a number from 1 (very low) to 5 (very good), /round "
                                            "pass, or /round share to show the group your answer.")))
        return
    app = context.app
    found = app.facilitation.open_round_for(caller.member.id)
    said = (await round_answer(context, caller.member, found[0], found[1], choice) if found is not None
            else say(language, N_("There's no round open in your groups just now.")))
    if chat_of(update).type == ChatType.PRIVATE:
        await tell(update, said)
        return
    await answer_privately(update, context, caller.member, said, discreet=True)  # the answer is the facilitators'


@guarded(STAFF)
async def on_finish(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    said = await finish_session(context, caller, FINISH_ROUND.number(data), chat_of(update).id)
    await query.answer(said, show_alert=said != WRAPPED_UP)
    if said == WRAPPED_UP:
        await query.edit_message_reply_markup(None)


async def finish_session(context: PeerbotContext, caller: Caller, occurrence_id: int, chat_id: int) -> str:
    """Wrap the session up, pressed (Finish) or typed (/endsession finish): the closing words
    in the group, the summary to the facilitators; what to tell the one who finished it."""
    app = context.app
    if not app.facilitation.may_facilitate(caller.member.id, occurrence_id):
        return "Only this session's facilitators (or a coordinator) can finish it."
    summary = app.facilitation.wrap_up(occurrence_id)
    if summary is None:
        return "This session has already been wrapped up."
    await send_replies(context.bot, chat_id, [Reply(
        "That's the end of the session. Thank you all for coming and for looking after each other. "
        "If anything today stirred things up, a peer supporter is there: message me privately and ask for a person.")])
    await send_summary(context.application, summary, extra=caller.member.telegram_user_id)
    return WRAPPED_UP


def summary_text(summary: Summary) -> str:
    came = ", ".join(summary.came) if summary.came else "nobody recorded yet"
    follow = "\n".join(f"• {name}: {why}" for name, why in summary.follow_ups) or "• nobody"
    return (f"Summary: {summary.name} ({summary.group}), {local_time(summary.starts_at, summary.timezone)}\n\n"
            f"Came ({len(summary.came)}): {came}\n"
            f"Check-in: {summary.check_in.describe()}\n"
            f"Check-out: {summary.check_out.describe()}\n"
            f"Shared with the group: {summary.shared}\n\n"
            f"Offered a follow-up (a task is in the PSW queue):\n{follow}")


def register_reply(occurrence_id: int, register: list[tuple[int, str, bool]], above: str) -> Reply:
    """The register as buttons under ``above``, with the line for those who type."""
    buttons = tuple(((f"{'✅ ' if present else ''}{name}"[:40], ATTENDANCE.data(occurrence_id, person_id)),)
                    for person_id, name, present in register[:40])
    return with_hint(Reply(f"{above}\n\nTap anyone below to mark who came (✅ = there).", buttons))


async def send_summary(application: Application, summary: Summary, extra: Optional[int] = None) -> None:
    """The summary goes privately to each facilitator (and whoever finished the session)."""
    app: AppContext = application.bot_data[APP_KEY]
    summary_reply = register_reply(summary.occurrence_id, summary.register, summary_text(summary))
    for chat_id in dict.fromkeys([*summary.facilitators, *([extra] if extra else [])]):
        await send_replies(application.bot, chat_id, [summary_reply])
        remember(app, chat_id, [summary_reply])


@guarded(STAFF)
async def on_attendance(update: Update, context: PeerbotContext, caller: Caller) -> None:
    await mark_attendance(update, context, caller, pressed(update)[1])


async def mark_attendance(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    """A name in the register pressed, or its number typed: marked as there, or not."""
    app = context.app
    occurrence_id, person_id = (int(part) for part in ATTENDANCE.fields(data))
    if not app.facilitation.may_facilitate(caller.member.id, occurrence_id):
        await tell(update, "Only this session's facilitators (or a coordinator) mark attendance.")
        return
    present = app.facilitation.toggle_attendance(occurrence_id, person_id, caller.member.id)
    register = app.facilitation.register(occurrence_id)
    marked = "Marked as there" if present else "Marked as not there"
    if update.callback_query is not None:
        await update.callback_query.answer(marked)
        await update.callback_query.edit_message_reply_markup(keyboard(register_reply(occurrence_id, register, "")))
        return
    name = next((name for who, name, _ in register if who == person_id), "")
    await reply(update, context, [register_reply(occurrence_id, register, f"{marked}: {name}.")])


async def run_due_rounds(application: Application) -> None:
    """The scheduler's job for self-running series: rounds at start and end, then the wrap-up."""
    app: AppContext = application.bot_data[APP_KEY]
    for occurrence_id, chat_id, kind in app.facilitation.due_rounds():
        live = app.facilitation.live_in_chat(chat_id)
        opening = opening_text(app, live) if kind == "in" and live is not None else None
        await open_round(application, occurrence_id, chat_id, kind, None, opening)
    for occurrence_id in app.facilitation.due_wrap_ups():
        summary = app.facilitation.wrap_up(occurrence_id)
        if summary is not None:
            await send_summary(application, summary)


COMMANDS = (
    CommandSpec("startsession", N_("in a group: open today's session with its check-in round"), on_startsession),
    CommandSpec("endsession", N_("in a group: start the check-out round (/endsession finish wraps up)"),
                on_endsession),
    CommandSpec("round", N_("answer the open round by typing: /round 1-5, pass or share"), on_round_command),
)
CALLBACKS = (
    (ROUND.pattern, on_round_button),
    (FINISH_ROUND.pattern, on_finish),
    (ATTENDANCE.pattern, on_attendance),
)
TYPED = ((ATTENDANCE, mark_attendance),)
