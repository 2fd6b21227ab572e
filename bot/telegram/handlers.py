"""Telegram handlers: each turns an update into service calls and replies.

Every handler is wrapped by ``access.guarded`` with the roles allowed to use
it, so role checks live in one place; ``COMMANDS`` and ``CALLBACKS`` at the
bottom list this module's part of the registry (``bot.telegram.registry``).
"""
from __future__ import annotations

import logging
import dataclasses
from typing import Optional

from telegram import ChatMemberUpdated, Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import ContextTypes

from bot.app.conversation import RASA_BUTTON_PREFIX, REQUEST_PAYLOAD, RSVP_PREFIX, ChatContext, TurnResult, offers_a_person
from bot.app.handoff import DEBRIEF_PREFIX, ENDED_BY_PERSON
from bot.app.paging import CLAIM_PREFIX, claim_reply
from bot.app.replies import Reply
from bot.dialogue.engine import ParseResult
from bot.safety.screen import RiskAssessment
from bot.services.checkins import mood_chart_png
from bot.services.escalations import CLOSE_OUTCOMES
from bot.services.groups import JOIN_PREFIX, summary_lines
from bot.services.people import InviteError, clean_display_name
from bot.services.roles import STAFF as STAFF_ROLES
from bot.storage.models import Group, Person
from bot.telegram import flows, outcome_handlers
from bot.telegram.access import (
    ANYONE,
    COORDINATORS,
    PARTICIPANTS,
    PSWS,
    STAFF,
    STALE_BUTTON,
    Caller,
    CommandSpec,
    guarded,
    keyboard_keeper,
    reply,
    retire_keyboard,
    tell,
)
from bot.telegram.context import AppContext, app_of
from bot.telegram.notices import send_pending_notices
from bot.telegram.sending import send_replies
from bot.telegram.usecases import handoff_for, paging_for
from bot.telegram.words import Words, bounded, words_of

log = logging.getLogger(__name__)

CONSENT_PREFIX = "consent:"
NAME_FROM_TELEGRAM = "name:telegram"
ROLE_PREFIX = "role_"
MAIN_MENU = (
    (("Check in", RASA_BUTTON_PREFIX + "/checkin"),),
    (("A coping idea", RASA_BUTTON_PREFIX + "/ask_coping"),),
    (("Talk to a person", RASA_BUTTON_PREFIX + REQUEST_PAYLOAD),),
)
# chat_data: the message carrying the last dialogue turn's buttons in a private chat.
DIALOGUE_KEYBOARD_KEY = "dialogue_keyboard"
PERSON_BUTTON = ((("Talk to a person", RASA_BUTTON_PREFIX + REQUEST_PAYLOAD),),)
ROLE_LABELS = {"psw": "a peer support worker", "coordinator": "a coordinator"}


# --- helpers -----------------------------------------------------------------

def chat_context(app: AppContext, message: Message) -> ChatContext:
    private = message.chat.type == ChatType.PRIVATE
    group = None if private else app.groups.for_chat(message.chat.id)
    return ChatContext(message.chat.id, private, group.id if group else None, source_of(message))


def source_of(message: Message) -> str:
    """The message, named so that handling it again finds what it already raised."""
    return f"{message.chat.id}:{message.message_id}"


def start_link(context: ContextTypes.DEFAULT_TYPE, argument: str = "hello") -> str:
    return f"https://t.me/{context.bot.username}?start={argument}"


async def deliver(context: ContextTypes.DEFAULT_TYPE, chat_id: int, result: TurnResult, person: Person) -> bool:
    """Send the turn's replies, then page about any escalation it created (already persisted).
    The last keyboard of a private turn is remembered, to be retired when the next turn comes."""

    private = chat_id == person.telegram_user_id
    sent = await send_replies(context.bot, chat_id, result.replies,
                              keyboard_keeper(context, DIALOGUE_KEYBOARD_KEY) if private else None)
    if sent and chat_id == person.telegram_user_id and offers_a_person(result.replies):
        app_of(context).escalations.offer_made(person.id)
    await paging_for(context.bot, app_of(context)).page_all(result.escalations)
    return sent


async def converse(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, text: str,
                   risk: Optional[RiskAssessment] = None) -> None:
    """Run text through the dialogue and send the replies where the person wrote."""
    app = app_of(context)
    chat = chat_context(app, update.effective_message)
    if chat.private:  # a typed note makes the check-in's "No thanks" meaningless
        await retire_keyboard(update, context, DIALOGUE_KEYBOARD_KEY)
    if risk is not None and risk.level == "concern":
        app.conversation.flag_concern(person, chat, text, risk)
    result = await app.conversation.respond(person, chat, text, risk)
    await deliver(context, update.effective_chat.id, result, person)


def known_person(app: AppContext, update: Update, caller: Caller) -> Person:
    """The caller's record, made minimal when they never pressed Start (risk must still reach a person)."""
    if caller.person is not None:
        return caller.person
    user = update.effective_user
    service = app.settings.service
    return app.people.ensure_known(user.id, user.first_name or "", service.default_region, service.default_timezone)


async def handle_crisis(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller, text: str,
                        risk: RiskAssessment) -> None:
    """Crisis: the escalation is persisted first; the person gets the crisis reply in
    private (in a group, only a short kind line there); then the PSWs are paged."""
    app = app_of(context)
    user = update.effective_user
    person = known_person(app, update, caller)
    chat = update.effective_chat
    in_group = chat.type != ChatType.PRIVATE
    group = app.groups.ensure(chat.id, chat.title or "") if in_group else None
    private = ChatContext(user.id, private=True, group_id=group.id if group else None,
                          source=source_of(update.effective_message))
    result = await app.conversation.respond(person, private, text, risk)
    reached = await send_replies(context.bot, user.id, result.replies)
    if in_group:
        line = (f"{user.first_name}, I've sent you a private message." if reached
                else f"{user.first_name}, a peer supporter will be in touch with you.")
        await update.effective_message.reply_text(line)
    if not reached:
        for escalation_id in result.escalations:
            app.escalations.add_reason(escalation_id, "the bot cannot message them privately "
                                                      "(they have never started a chat with it)")
    await paging_for(context.bot, app).page_all(result.escalations)


def consent_notice(app: AppContext, person_region: Optional[str]) -> str:
    service = app.settings.service.name
    crisis = app.conversation.crisis.message_for(person_region or app.settings.service.default_region)
    return (
        f"Hello! I'm the {service} bot.\n\n"
        "Before we start, here is what you should know:\n"
        "• I'm a bot, not a person. Peer support workers are real people, and you can ask for one at any time.\n"
        "• What I keep: your Telegram id, the name you choose, your check-ins (your mood and any words you add), "
        "your replies about sessions, and our conversation, so that peer supporters can help you.\n"
        "• Who can see it: the service's peer support workers and coordinators. Reports only ever use totals.\n"
        "• You can get a copy of your data (/mydata) or have it deleted (/forgetme) at any time.\n"
        "• I'm not an emergency service, and nobody watches this chat around the clock.\n\n"
        f"{crisis}\n\n"
        "Are you happy to go ahead?"
    )


# --- onboarding ----------------------------------------------------------------

@guarded(ANYONE)
async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    if update.effective_chat.type != ChatType.PRIVATE:
        group = app_of(context).groups.ensure(update.effective_chat.id, update.effective_chat.title or "")
        await tell(update, f"Let's talk privately: {group_start_link(context, group)}")
        return
    app = app_of(context)
    argument = context.args[0] if context.args else ""
    if caller.person is not None and caller.person.consented_at is not None:
        await after_consent(update, context, caller.person, argument)
        return
    yes = f"{CONSENT_PREFIX}y:{argument}" if argument.startswith((JOIN_PREFIX, ROLE_PREFIX)) else f"{CONSENT_PREFIX}y"
    buttons = ((("Yes, I agree", yes[:64]),), (("No thanks", f"{CONSENT_PREFIX}n"),))
    await reply(update, context, [Reply(consent_notice(app, None), buttons)])


@guarded(ANYONE)
async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_reply_markup(None)
    _, answer, *rest = query.data.split(":", 2)
    if answer != "y":
        await reply(update, context, [Reply(
            "That's okay, I haven't stored anything about you. If you change your mind, press /start. "
            "If you need help now, the contacts above are there for you.")])
        return
    app = app_of(context)
    settings = app.settings.service
    person = app.people.consent(update.effective_user.id, settings.default_region, settings.default_timezone)
    await after_consent(update, context, person, rest[0] if rest else "")


async def after_consent(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, argument: str) -> None:
    """Use an invite carried through consent, then ask for a name or welcome them back.
    Staff get their command menu here, as soon as they hold the role (a bootstrap
    coordinator holds it from consent on), not at the next restart."""
    app = app_of(context)
    lines = []
    try:
        if argument.startswith(JOIN_PREFIX):
            group = app.people.join_group(person.id, argument[len(JOIN_PREFIX):])
            lines.append(f"You've joined {group.title}.")
        elif argument.startswith(ROLE_PREFIX):
            role = app.people.redeem_role_invite(person.id, argument[len(ROLE_PREFIX):])
            lines.append(f"You're now set up as {ROLE_LABELS[role]}. /help shows your commands.")
    except InviteError as exc:
        lines.append(str(exc))
    person = app.people.get(person.id)
    staff = sorted(app.people.roles_of(person) & STAFF)
    if staff:
        from bot.telegram.registry import set_menu  # the registry imports this module

        await set_menu(context, person)
    if person.display_name is None:
        first = update.effective_user.first_name or "my Telegram name"
        lines.append("What would you like us to call you? A first name or a made-up name is fine. Just type it.")
        buttons = (((f"Use {first}"[:40], NAME_FROM_TELEGRAM),),)
        await reply(update, context, [Reply("\n\n".join(lines), buttons)])
        return
    if staff:
        lines.append(f"Welcome back, {person.display_name}. {staff_welcome(staff)}")
        await reply(update, context, [Reply("\n\n".join(lines))])
        return
    lines.append(f"Welcome back, {person.display_name}. What would help right now?")
    await reply(update, context, [Reply("\n\n".join(lines), MAIN_MENU)])


STAFF_WELCOMES = {
    "coordinator": "As a coordinator: /groups, /sessions and /newsession run groups and sessions, "
                   "/report gives the figures, /invite adds staff.",
    "psw": "As a peer supporter: /onduty to be paged, /queue for open cases, /guide for the role guide.",
}


def staff_welcome(roles: list[str]) -> str:
    """What a staff member's roles let them do, instead of the participants' buttons."""
    return " ".join(STAFF_WELCOMES[role] for role in roles) + " /help lists everything."


@guarded(PARTICIPANTS)
async def on_name_from_telegram(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    if caller.person.display_name is not None:  # a name was typed meanwhile: the step is over
        await update.callback_query.answer(STALE_BUTTON, show_alert=True)
        await update.callback_query.edit_message_reply_markup(None)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    name = clean_display_name(update.effective_user.first_name or "") or "Friend"
    await save_name(update, context, caller.person, name)


async def save_name(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, name: str) -> None:
    app = app_of(context)
    app.people.set_display_name(person.id, name)
    region, _ = app.conversation.crisis.contacts_for(person.region)
    staff = sorted(app.people.roles_of(app.people.get(person.id)) & STAFF)
    contacts = f"The crisis contacts I show are for {region}; /region changes that."
    replies = [Reply(f"Thanks, {name}. {staff_welcome(staff)}\n\n{contacts}") if staff else
               Reply(f"Thanks, {name}. I can take a mood check-in, share a coping idea, tell you about sessions, "
                     f"or get a peer supporter for you.\n\n{contacts}", MAIN_MENU)]
    questionnaire = outcome_handlers.invitation(app, app.people.get(person.id))
    await reply(update, context, replies + ([questionnaire] if questionnaire else []))


REGION_PREFIX = "region:"


@guarded(PARTICIPANTS)
async def on_region(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    choices = app_of(context).conversation.crisis.choices()
    buttons = tuple(((name, f"{REGION_PREFIX}{key}"),) for key, name in choices)
    await reply(update, context, [Reply("Where are you? I'll show crisis contacts for that place.", buttons)])


@guarded(PARTICIPANTS)
async def on_region_button(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app = app_of(context)
    query = update.callback_query
    region = query.data[len(REGION_PREFIX):]
    if region not in dict(app.conversation.crisis.choices()):
        await query.answer("Sorry, that button is out of date.", show_alert=True)
        return
    app.people.set_region(caller.person.id, region)
    await query.answer("Saved")
    await query.edit_message_reply_markup(None)
    await reply(update, context, [Reply(app.conversation.crisis.message_for(region))])


# --- free text -------------------------------------------------------------------

def addressed_text(message: Message, bot_username: str, bot_id: int) -> Optional[str]:
    """In a group: the text meant for the bot (mention removed), or None if not addressed."""
    text = message.text or ""
    mention = f"@{bot_username}".lower()
    mentioned = any(
        e.type == MessageEntityType.MENTION and text[e.offset:e.offset + e.length].lower() == mention
        for e in message.entities or ()
    )
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
        and message.reply_to_message.from_user.id == bot_id
    if not (mentioned or replied):
        return None
    return text.replace(f"@{bot_username}", "").strip() or "hello"


FORWARDED = ("That looks like a forwarded message. I can only respond to your own words, but if it worries you, "
             "a peer supporter can help.")
FORWARDED_REASON = "forwarded: someone else's words, so a concern rather than a crisis"


async def screen_words(app: AppContext, words: Words) -> tuple[ParseResult, RiskAssessment]:
    """The safety screen on a person's words. Forwarded words are not the sender's own,
    so they are at most a concern: a peer supporter follows it up, without a crisis page."""
    parse, risk = await app.conversation.screen(words.text)
    if words.forwarded and risk.level != "none":
        risk = dataclasses.replace(risk, level="concern", reasons=(FORWARDED_REASON, *risk.reasons))
    return parse, risk


def flag_if_concern(app: AppContext, caller: Caller, message: Message, words: Words, risk: RiskAssessment) -> None:
    """Risk short of a crisis from someone who has joined becomes a follow-up task for a PSW."""
    person = caller.person
    if risk.level != "none" and not risk.is_crisis and person is not None and person.consented_at is not None:
        app.conversation.flag_concern(person, chat_context(app, message), words.text, risk)


def not_answered(words: Words) -> str:
    """Why the bot does not answer words it has read (and screened)."""
    if words.forwarded:
        return FORWARDED
    if words.kind in ("poll", "checklist"):
        return (f"I read your {words.kind}, but I can't answer a {words.kind}. You can type to me, "
                "or ask for a person at any time.")
    return (f"I read the words with your {words.kind}, but I can only read text, not the {words.kind} itself. "
            "You can type to me, or ask for a person at any time.")


@guarded(ANYONE)
async def on_private_message(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Text, a caption or a poll in a private chat: screened before anything else; only typed words are answered."""
    app = app_of(context)
    message = update.effective_message
    words = words_of(message)
    text = words.text
    if not text.strip():
        await reply(update, context, [Reply("I didn't catch any words there. You can type to me, or ask for a person.")])
        return
    parse, risk = await screen_words(app, words)
    person = caller.person
    handoff = handoff_for(context.bot, app)
    if person is not None and await handoff.relay_from_person(person, words.labelled(), risk.is_crisis):
        return
    if risk.is_crisis:
        await handle_crisis(update, context, caller, text, risk)
        return
    if person is None or person.consented_at is None:
        await reply(update, context, [Reply("Before we chat, please press /start so I can explain what I keep "
                                             "and ask for your OK.")])
        return
    app.escalations.heard_from(person.id)
    if not words.answerable:
        flag_if_concern(app, caller, message, words, risk)
        await reply(update, context, [Reply(not_answered(words), PERSON_BUTTON)])
        return
    if caller.roles & STAFF and await handoff.relay_from_psw(caller.person, text):
        return
    if await flows.take_draft_answer(update, context, caller, parse):
        return
    if words.cut:
        await reply(update, context, [Reply("That's a long message, so I've read the first part. "
                                             "A peer supporter can read all of it if you ask for a person.")])
    if person.display_name is None and looks_like_a_name(parse, text):
        await save_name(update, context, person, clean_display_name(text))
        return
    await converse(update, context, person, text, risk)


def looks_like_a_name(parse: ParseResult, text: str) -> bool:
    """A short answer to "what should we call you?". The screen has already ruled out a
    crisis, so the dialogue model's guess is not asked (it reads names such as "Birdie" or
    "Marguerite" as moods or worse); only a typed "talk to a person" still escapes."""
    if clean_display_name(text) is None or len(text.split()) > 4:
        return False
    return parse.intent != "request_human"


@guarded(ANYONE)
async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Every group message with words is screened; the bot speaks only when addressed in typed
    text (or for a crisis)."""
    app = app_of(context)
    message = update.effective_message
    words = words_of(message)
    _, risk = await screen_words(app, words)
    if risk.is_crisis:
        await handle_crisis(update, context, caller, words.text, risk)
        return
    text = addressed_text(message, context.bot.username, context.bot.id) if words.answerable else None
    if text is None:
        flag_if_concern(app, caller, message, words, risk)
        return
    if caller.person is None or caller.person.consented_at is None:
        await message.reply_text(f"Hi! To talk with me, please open a private chat first: {start_link(context)}")
        return
    group = app.groups.ensure(message.chat.id, message.chat.title or "")
    app.people.ensure_member(caller.person.id, group.id)
    await converse(update, context, caller.person, bounded(text)[0], risk)


@guarded(ANYONE)
async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Edits of text or a caption are screened like new messages (risk can be added in an edit),
    but not re-answered."""
    message = update.effective_message
    words = words_of(message)
    if words.text.strip():
        app = app_of(context)
        _, risk = await screen_words(app, words)
        if risk.is_crisis:
            await handle_crisis(update, context, caller, words.text, risk)
            return
        flag_if_concern(app, caller, message, words, risk)
    if update.effective_chat.type == ChatType.PRIVATE:
        await reply(update, context, [Reply(
            "I noticed you edited a message. I read each message once, so if you meant something different, "
            "please send it again.")])


@guarded(ANYONE)
async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A sticker, or a photo, voice note, ... without words (those with words go to the handlers above)."""
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    await reply(update, context, [Reply(
        "I can only read text at the moment, so I couldn't take that in. You can type to me, "
        "or ask for a person at any time.", PERSON_BUTTON)])


@guarded(ANYONE)
async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Button data no handler knows (an old keyboard, or forged): a clear refusal, never silence."""
    await tell(update, STALE_BUTTON)


@guarded(ANYONE)
async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    if update.effective_chat.type == ChatType.PRIVATE:
        await tell(update, "I don't know that command. /help shows what I can do.")


# --- buttons -----------------------------------------------------------------------

@guarded(PARTICIPANTS)
async def on_dialogue_button(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A button from the dialogue model: acknowledge it, retire the keyboard, answer."""
    query = update.callback_query
    await query.answer()
    app_of(context).escalations.heard_from(caller.person.id)
    if query.message is not None and query.message.chat.type == ChatType.PRIVATE:
        await query.edit_message_reply_markup(None)
    await converse(update, context, caller.person, query.data[len(RASA_BUTTON_PREFIX):])


@guarded(PARTICIPANTS)
async def on_rsvp_button(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    query = update.callback_query
    _, occurrence, answer = query.data.split(":")
    if answer not in ("yes", "no", "maybe") or not occurrence.isdigit():
        await query.answer("Sorry, that button is out of date.", show_alert=True)
        return
    result = app_of(context).conversation.record_rsvp(caller.person, int(occurrence), answer)
    await query.answer("Noted")
    await reply(update, context, [result])
    context.application.create_task(send_pending_notices(context.application))  # a place freed goes at once


# --- commands -----------------------------------------------------------------------

@guarded(ANYONE)
async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app = app_of(context)
    from bot.telegram.registry import menu_for  # the registry imports this module

    commands = "\n".join(f"/{c.name}: {c.description}" for c in menu_for(caller.roles))
    region = caller.person.region if caller.person else None
    text = (f"I'm the {app.settings.service.name} bot. I can take mood check-ins, share coping ideas, tell you "
            "about sessions and take your replies. A peer supporter, a real person, is there whenever you ask: "
            "just say you'd like to talk to someone.\n\n"
            f"{commands}\n\nI'm not an emergency service.\n{app.conversation.crisis.message_for(region)}")
    await reply(update, context, [Reply(text)])


@guarded(PARTICIPANTS)
async def on_mood(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app = app_of(context)
    person = caller.person
    history = app.checkins.history(person.id, limit=30)
    if not history:
        await reply(update, context, [Reply("You haven't checked in yet. Would you like to now?",
                                             ((("Check in", RASA_BUTTON_PREFIX + "/checkin"),),))])
        return
    recent = "\n".join(f"{c.created_at:%d %b}: {c.mood}/5" + (f" ({c.note})" if c.note else "") for c in history[-7:])
    replies = [Reply(f"Your recent check-ins:\n{recent}")]
    if len(history) >= 2:
        chart = mood_chart_png(history, person.timezone or app.settings.service.default_timezone)
        replies.append(Reply("Your moods over time (only you can see this).", photo=chart))
    await send_replies(context.bot, update.effective_chat.id, replies)


@guarded(ANYONE)
async def on_rules(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app = app_of(context)
    if update.effective_chat.type != ChatType.PRIVATE:
        await reply(update, context, [Reply(app.groups.rules(app.groups.for_chat(update.effective_chat.id)))])
        return
    groups = app.groups.groups_of(caller.person.id) if caller.person else []
    texts = [f"{g.title}\n{app.groups.rules(g)}" for g in groups] or [app.groups.rules(None)]
    await reply(update, context, [Reply(text) for text in texts])


@guarded(PARTICIPANTS)
async def on_next(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    await reply(update, context, app_of(context).conversation.upcoming_sessions(caller.person))


@guarded(PARTICIPANTS)
async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app_of(context).reminders.set_opt_out(caller.person.id, True)
    await tell(update, "Okay, no more session reminders. /resume turns them back on.")


@guarded(PARTICIPANTS)
async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app_of(context).reminders.set_opt_out(caller.person.id, False)
    await tell(update, "Session reminders are back on.")


@guarded(COORDINATORS)
async def on_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    role = (context.args[0].lower() if context.args else "")
    if role not in STAFF_ROLES:
        await tell(update, "Usage: /invite psw or /invite coordinator")
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await tell(update, "Role invites are only given in a private chat with me.")
        return
    app = app_of(context)
    invite = app.people.create_role_invite(role, caller.person.id)
    hours = app.settings.roles.invite_expiry_hours
    await tell(update, f"Here is a single-use link that makes someone {ROLE_LABELS[role]}. It works once, for "
                       f"{hours} hours. Send it to them privately:\n{start_link(context, ROLE_PREFIX + invite.code)}")


# --- membership and the bot's own status ---------------------------------------------

def group_start_link(context: ContextTypes.DEFAULT_TYPE, group: Group) -> str:
    """The private-chat link that carries the group: whoever starts the bot from it (and
    consents) becomes a member of that group, with its session reminders."""
    return start_link(context, JOIN_PREFIX + group.invite_code)


@guarded(ANYONE)
async def on_new_members(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Someone joined the group chat: already with us (consented), they are members at
    once; the others are welcomed with the group's own link to start a private chat."""
    app = app_of(context)
    message = update.effective_message
    joined = [m for m in message.new_chat_members if not m.is_bot]
    if not joined:
        return
    group = app.groups.ensure(message.chat.id, message.chat.title or "")
    for member in joined:
        person = app.people.find(member.id)
        if person is not None and person.consented_at is not None:
            app.people.ensure_member(person.id, group.id)
    names = ", ".join(m.first_name for m in joined)
    text = (f"Welcome, {names}! I'm this group's bot (not a person).\n\n{app.groups.rules(group)}\n\n"
            f"To check in or get session reminders, start a private chat with me: "
            f"{group_start_link(context, group)}")
    await reply(update, context, [Reply(text)])


@guarded(COORDINATORS)
async def on_groups(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Each group: its members, its next session and the link that joins it."""
    summaries = app_of(context).groups.overview()
    await tell(update, summary_lines(summaries, lambda payload: start_link(context, payload)))


@guarded(ANYONE)
async def on_left_member(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Someone left the group chat or was removed: their membership (and its reminders) ends."""
    app = app_of(context)
    message = update.effective_message
    group = app.groups.for_chat(message.chat.id)
    person = app.people.find(message.left_chat_member.id)
    if group is not None and person is not None and app.people.leave_group(person.id, group.id):
        log.info("person %s left group %s", person.id, group.id)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added, promoted or removed: keep the group's record right."""
    change: ChatMemberUpdated = update.my_chat_member
    if change.chat.type == ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    app = app_of(context)
    group = app.groups.bot_status_changed(change.chat.id, change.chat.title or "", status)
    log.info("bot status in chat %s is now %s", change.chat.id, status)
    if status in ("member", "administrator") and change.old_chat_member.status in ("left", "kicked"):
        await send_replies(context.bot, change.chat.id, [Reply(
            "Hello everyone! I'm the group's bot, not a person. I help with session reminders and check-ins, "
            "and I can always get a peer supporter. /rules shows the group's ground rules.\n\n"
            f"To get this group's session reminders, start a private chat with me here: "
            f"{group_start_link(context, group)}")])


# --- escalation: claiming, handoff, queue, duty ----------------------------------------

@guarded(STAFF)
async def on_claim(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    query = update.callback_query
    claim = await handoff_for(context.bot, app_of(context)).claim(int(query.data[len(CLAIM_PREFIX):]),
                                                                   caller.person)
    await query.answer(claim.message, show_alert=not claim.claimed)
    if claim.card is not None and query.message is not None:
        await query.edit_message_text(claim.card)


@guarded(STAFF)
async def on_close(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app = app_of(context)
    case = app.escalations.held_by(caller.person.id)
    if case is None:
        await tell(update, "You're not holding a case. /queue shows open ones.")
        return
    outcome = context.args[0].lower() if context.args else ""
    if outcome not in CLOSE_OUTCOMES:
        await tell(update, "Usage: /close <outcome> <note>, e.g. /close supported talked it through, will check "
                           f"in tomorrow. The outcome is one of: {', '.join(CLOSE_OUTCOMES)}.")
        return
    await handoff_for(context.bot, app).close(case.id, caller.person, outcome, " ".join(context.args[1:]) or None)


@guarded(PARTICIPANTS)
async def on_end(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app = app_of(context)
    case = app.escalations.held_for(caller.person.id)
    if case is None:
        await tell(update, "You're not talking with a peer supporter right now. Ask for a person at any time.")
        return
    await handoff_for(context.bot, app).close(case.id, caller.person, ENDED_BY_PERSON, None)


@guarded(STAFF)
async def on_debrief(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    query = update.callback_query
    case_id = int(query.data[len(DEBRIEF_PREFIX):])
    if not app_of(context).escalations.request_debrief(case_id, caller.person.id):
        await tell(update, STALE_BUTTON)
        return
    await query.answer("Logged for supervision")
    await query.edit_message_reply_markup(None)


@guarded(STAFF)
async def on_queue(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    app = app_of(context)
    cases = app.escalations.queue()
    if not cases:
        await tell(update, "The queue is empty.")
        return
    replies = []
    for case in cases[:20]:
        card = app.escalations.card(case.id)
        if case.status == "open":
            replies.append(claim_reply(card))
        else:
            replies.append(Reply(f"Case #{case.id} ({case.priority}), {card.name}: held by {card.holder}, "
                                 f"waiting since {card.waiting_minutes} min ago."))
    await reply(update, context, replies)


async def set_duty(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller, on: bool) -> None:
    changed = app_of(context).escalations.set_duty(caller.person.id, on)
    state = "on duty: urgent cases will be paged to you" if on else "off duty. Thank you, and rest well"
    await tell(update, f"You're {state}." if changed else f"You were already {'on' if on else 'off'} duty.")


@guarded(PSWS)
async def on_onduty(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    await set_duty(update, context, caller, True)


@guarded(PSWS)
async def on_offduty(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    await set_duty(update, context, caller, False)


@guarded(STAFF)
async def on_guide(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    await reply(update, context, [Reply(app_of(context).settings.content.role_guide.read_text(encoding="utf-8"))])


# --- this module's commands and buttons ---------------------------------------------

COMMANDS = (
    CommandSpec("start", "start here, or join a group with an invite link", on_start),
    CommandSpec("help", "what I can do", on_help),
    CommandSpec("mood", "your check-ins and a chart of your mood", on_mood),
    CommandSpec("next", "upcoming sessions of your groups", on_next),
    CommandSpec("rules", "the group's ground rules", on_rules),
    CommandSpec("region", "choose where you are, for the right crisis contacts", on_region),
    CommandSpec("stop", "stop session reminders", on_stop),
    CommandSpec("resume", "turn session reminders back on", on_resume),
    CommandSpec("end", "end a conversation with a peer supporter", on_end),
    CommandSpec("onduty", "go on duty (urgent cases are paged to you)", on_onduty),
    CommandSpec("offduty", "go off duty", on_offduty),
    CommandSpec("queue", "open cases, most urgent first", on_queue),
    CommandSpec("close", "close the case you hold: /close <outcome> <note>", on_close),
    CommandSpec("guide", "the PSW role guide", on_guide),
    CommandSpec("invite", "a single-use link for a new PSW or coordinator", on_invite),
    CommandSpec("groups", "each group: members, next session, join link", on_groups),
)
CALLBACKS = (
    (f"^{CONSENT_PREFIX}", on_consent),
    (f"^{NAME_FROM_TELEGRAM}$", on_name_from_telegram),
    (f"^{RASA_BUTTON_PREFIX}", on_dialogue_button),
    (f"^{RSVP_PREFIX}", on_rsvp_button),
    (f"^{REGION_PREFIX}", on_region_button),
    (f"^{CLAIM_PREFIX}\\d+$", on_claim),
    (f"^{DEBRIEF_PREFIX}\\d+$", on_debrief),
)
