"""What participants use day to day: /help, /mood, /next, /rules, reminders on and off,
and the dialogue and RSVP buttons."""
from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.constants import ChatType

from bot.app.callbacks import DIALOGUE, RSVP
from bot.app.conversation import RSVP_WORDS
from bot.app.replies import Reply
from bot.app.typed_choices import typed_number
from bot.i18n import ENGLISH, N_, say
from bot.services.checkins import mood_chart_png
from bot.services.wording import local_time
from bot.storage.types import utcnow
from bot.telegram.access import (
    ANYONE,
    PARTICIPANTS,
    Caller,
    CommandSpec,
    chat_of,
    guarded,
    menu_for,
    pressed,
    reply,
    tell,
)
from bot.telegram.context import PeerbotContext
from bot.telegram.handlers.common import (
    converse,
    language_of,
)
from bot.telegram.notices import send_pending_notices
from bot.telegram.sending import send_replies

DEFAULT_BREAK_DAYS, MAX_BREAK_DAYS = 7, 90
NOT_AN_EMERGENCY_SERVICE = N_("I'm not an emergency service.")


@guarded(PARTICIPANTS)
async def on_dialogue_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """A button from the dialogue model: acknowledge it, retire the keyboard, answer."""
    query, data = pressed(update)
    await query.answer()
    context.app.escalations.heard_from(caller.member.id)
    if query.message is not None and query.message.chat.type == ChatType.PRIVATE:
        await query.edit_message_reply_markup(None)
    await dialogue_choice(update, context, caller, data)


async def dialogue_choice(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    """A dialogue button, pressed or typed: the model gets its payload, as if typed."""
    await converse(update, context, caller.member, DIALOGUE.fields(data)[0])


@guarded(PARTICIPANTS)
async def on_rsvp_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    occurrence, answer = RSVP.fields(data)  # routed by RSVP.pattern, so well formed
    await query.answer("Noted")
    await rsvp(update, context, caller, int(occurrence), answer)


@guarded(PARTICIPANTS)
async def on_rsvp_command(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """/rsvp N going|maybe|no: the RSVP buttons, typed (each session says its number)."""
    args = [arg.casefold() for arg in context.args or []]
    occurrence = typed_number(args[0]) if len(args) >= 2 else None
    if occurrence is None or args[1] not in RSVP_WORDS:
        await tell(update, say(caller.member.language, N_(
            "Send /rsvp, the session's number and going, maybe or no, e.g. /rsvp 12 going. /next shows each session "
            "with its number.")))
        return
    await rsvp(update, context, caller, occurrence, RSVP_WORDS[args[1]])


async def rsvp(update: Update, context: PeerbotContext, caller: Caller, occurrence_id: int, answer: str) -> None:
    await reply(update, context, [context.app.conversation.record_rsvp(caller.member, occurrence_id, answer)])
    context.application.create_task(send_pending_notices(context.application))  # a place freed goes at once


@guarded(ANYONE)
async def on_help(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    language = language_of(update, caller)
    commands = "\n".join(f"/{c.name}: {say(language, c.description)}" for c in menu_for(caller.roles))
    region = caller.person.region if caller.person else None
    about = (N_("I'm the {service} bot. I can take mood check-ins, share coping ideas, tell you about sessions and "
                "take your replies. A peer supporter, a real person, is there whenever you ask: just say you'd like "
                "to talk to someone.") if language in (None, ENGLISH) else
             N_("I'm the {service} bot. For now I can only chat in English, but a peer supporter, a real person, is "
                "there whenever you ask: type \"person\"."))
    text = (f"{say(language, about, service=app.settings.service.name)}\n\n{commands}\n\n"
            f"{say(language, NOT_AN_EMERGENCY_SERVICE)}\n"
            f"{app.conversation.crisis.message_for(region, language)}")
    await reply(update, context, [Reply(text)])


@guarded(PARTICIPANTS)
async def on_mood(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    person = caller.member
    language = person.language
    history = app.checkins.history(person.id, limit=30)
    if not history:
        await reply(update, context, [Reply(say(language, N_("You haven't checked in yet. Would you like to now?")),
                                             (((say(language, N_("Check in")), DIALOGUE.data("/checkin")),),))])
        return
    recent = "\n".join(f"{c.created_at:%d %b}: {c.mood}/5" + (f" ({c.note})" if c.note else "") for c in history[-7:])
    replies = [Reply(say(language, N_("Your recent check-ins:\n{recent}"), recent=recent))]
    if len(history) >= 2:
        chart = mood_chart_png(history, person.timezone or app.settings.service.default_timezone)
        replies.append(Reply(say(language, N_("Your moods over time (only you can see this).")), photo=chart))
    await send_replies(context.bot, chat_of(update).id, replies)


@guarded(ANYONE)
async def on_rules(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    chat = chat_of(update)
    if chat.type != ChatType.PRIVATE:
        await reply(update, context, [Reply(app.groups.rules(app.groups.for_chat(chat.id)))])
        return
    groups = app.groups.groups_of(caller.person.id) if caller.person else []
    texts = [f"{g.title}\n{app.groups.rules(g)}" for g in groups] or [app.groups.rules(None)]
    await reply(update, context, [Reply(text) for text in texts])


@guarded(PARTICIPANTS)
async def on_next(update: Update, context: PeerbotContext, caller: Caller) -> None:
    await reply(update, context, context.app.conversation.upcoming_sessions(caller.member))


@guarded(PARTICIPANTS)
async def on_stop(update: Update, context: PeerbotContext, caller: Caller) -> None:
    context.app.reminders.set_opt_out(caller.member.id, True)
    await tell(update, say(caller.member.language, N_("Okay, no more session reminders. /resume turns them back on.")))


@guarded(PARTICIPANTS)
async def on_resume(update: Update, context: PeerbotContext, caller: Caller) -> None:
    context.app.reminders.set_opt_out(caller.member.id, False)
    await tell(update, say(caller.member.language, N_("Session reminders are back on.")))


@guarded(PARTICIPANTS)
async def on_break(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """/break [days] (default 7): no session reminders or wellbeing questions for a while,
    then a gentle check-in; /break off ends it sooner."""
    typed = " ".join(context.args or []).casefold()
    app = context.app
    language = caller.member.language
    if typed in ("off", "end", "stop"):
        app.people.take_break(caller.member.id, None)
        await tell(update, say(language, N_("Your break is over: session reminders and the wellbeing questions are "
                                            "back. Welcome back.")))
        return
    if typed and not (typed.isdigit() and 1 <= int(typed) <= MAX_BREAK_DAYS):
        await tell(update, say(language, N_("Send /break and a number of days from 1 to {most}, e.g. /break 14, or "
                                            "/break off to end one."), most=MAX_BREAK_DAYS))
        return
    days = int(typed or DEFAULT_BREAK_DAYS)
    until = utcnow() + timedelta(days=days)
    app.people.take_break(caller.member.id, until)
    timezone = caller.member.timezone or app.settings.service.default_timezone
    await tell(update, say(language, N_(
        "Okay. Take the time you need: no session reminders or wellbeing questions until {until}, and then I'll "
        "check in gently. You're still in your groups, you can message me any time, and a peer supporter is there "
        "whenever you ask for a person. /break off ends it sooner."), until=local_time(until, timezone, language)))


COMMANDS = (
    CommandSpec("help", N_("what I can do"), on_help),
    CommandSpec("mood", N_("your check-ins and a chart of your mood"), on_mood),
    CommandSpec("next", N_("upcoming sessions of your groups"), on_next),
    CommandSpec("rsvp", N_("reply to a session: /rsvp <number> going, maybe or no"), on_rsvp_command),
    CommandSpec("rules", N_("the group's ground rules"), on_rules),
    CommandSpec("stop", N_("stop session reminders"), on_stop),
    CommandSpec("resume", N_("turn session reminders back on"), on_resume),
    CommandSpec("break", N_("take a break: no reminders or questions for a while: /break [days]"), on_break),
)
TYPED = ((DIALOGUE, dialogue_choice),)
CALLBACKS = (
    (DIALOGUE.pattern, on_dialogue_button),
    (RSVP.pattern, on_rsvp_button),
)
