"""Words people send: every text, caption, poll or edit is screened before anything
else; in a private chat it is answered (or relayed to the PSW holding the case), in a
group only when the bot is addressed or there is a crisis."""
from __future__ import annotations

import dataclasses
from typing import Optional

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from bot.app.conversation import talk_button
from bot.app.replies import Reply
from bot.dialogue.engine import ParseResult
from bot.i18n import N_, say
from bot.safety.assessment import RiskAssessment
from bot.services.people import clean_display_name
from bot.telegram import flows
from bot.telegram.access import (
    ANYONE,
    STAFF,
    STALE_BUTTON,
    Caller,
    chat_of,
    guarded,
    message_of,
    reply,
    tell,
)
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.handlers.common import (
    chat_context,
    converse,
    handle_crisis,
    language_of,
    start_link,
)
from bot.telegram.handlers.onboarding import save_name
from bot.telegram.typed_press import take_typed_press
from bot.telegram.usecases import handoff_for
from bot.telegram.words import Words, bounded, words_of


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


FORWARDED = N_("That looks like a forwarded message. I can only respond to your own words, but if it worries you, "
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


def not_answered(words: Words, language: Optional[str]) -> str:
    """Why the bot does not answer words it has read (and screened)."""
    if words.forwarded:
        return say(language, FORWARDED)
    if words.kind == "poll":
        return say(language, N_("I read your poll, but I can't answer a poll. You can type to me, or ask for a "
                                "person at any time."))
    if words.kind == "checklist":
        return say(language, N_("I read your checklist, but I can't answer a checklist. You can type to me, or ask "
                                "for a person at any time."))
    return say(language, N_("I read the words with your {kind}, but I can only read text, not the {kind} itself. "
                            "You can type to me, or ask for a person at any time."), kind=words.kind)


@guarded(ANYONE)
async def on_private_message(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Text, a caption or a poll in a private chat: screened before anything else; only typed words are answered."""
    app = context.app
    message = message_of(update)
    words = words_of(message)
    text = words.text
    language = language_of(update, caller)
    if not text.strip():
        await reply(update, context, [Reply(say(language, N_(
            "I didn't catch any words there. You can type to me, or ask for a person.")))])
        return
    parse, risk = await screen_words(app, words)
    person = caller.person
    handoff = handoff_for(context.bot, app)
    if person is not None and await handoff.relay_from_person(person, words.labelled(), risk.is_crisis):
        return
    if risk.is_crisis and not (words.answerable and flows.typed_a_choice(app, caller, text)):
        answering = flows.crisis_answer_flow(app, caller) if words.answerable else None
        if answering is not None:  # the PSW paged should know the words may not be about now
            reason = f"written as an answer in their /{answering[0].name}: it may not be about right now"
            risk = dataclasses.replace(risk, reasons=(reason, *risk.reasons))
        await handle_crisis(update, context, caller, text, risk)
        if answering is not None:
            await answering[0].take_typed(update, context, caller, answering[1])
        return
    if (person is None or person.consented_at is None) and words.answerable \
            and await take_typed_press(update, context, caller, message.chat.id, text):  # consent, typed
        return
    if person is None or person.consented_at is None:
        await reply(update, context, [Reply(say(language, N_(
            "Before we chat, please press /start so I can explain what I keep and ask for your OK.")))])
        return
    app.escalations.heard_from(person.id)
    if not words.answerable:
        flag_if_concern(app, caller, message, words, risk)
        await reply(update, context, [Reply(not_answered(words, language), talk_button(language))])
        return
    if caller.roles & STAFF and await handoff.relay_from_psw(person, text):
        return
    if await flows.take_draft_answer(update, context, caller, parse):
        return
    if words.cut:
        await reply(update, context, [Reply(say(language, N_(
            "That's a long message, so I've read the first part. A peer supporter can read all of it if you ask "
            "for a person.")))])
    name = typed_name(parse, text) if person.display_name is None else None
    if name is not None:
        await save_name(update, context, person, name)
        return
    if await take_typed_press(update, context, caller, message.chat.id, text):  # the last keyboard, typed
        return
    await converse(update, context, person, text, risk, parse)


def typed_name(parse: ParseResult, text: str) -> Optional[str]:
    """The name, if the text looks like a short answer to "what should we call you?". The
    screen has already ruled out a crisis, so the dialogue model's guess is not asked (it reads
    names such as "Birdie" or "Marguerite" as moods or worse); only a typed "talk to a person"
    still escapes."""
    name = clean_display_name(text)
    if name is None or len(text.split()) > 4 or parse.intent == "request_human":
        return None
    return name


@guarded(ANYONE)
async def on_group_message(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Every group message with words is screened; the bot speaks only when addressed in typed
    text (or for a crisis)."""
    app = context.app
    message = message_of(update)
    words = words_of(message)
    parse, risk = await screen_words(app, words)
    if risk.is_crisis:
        await handle_crisis(update, context, caller, words.text, risk)
        return
    text = addressed_text(message, context.bot.username, context.bot.id) if words.answerable else None
    if text is None:
        flag_if_concern(app, caller, message, words, risk)
        return
    if caller.person is None or caller.person.consented_at is None:
        await message.reply_text(say(language_of(update, caller), N_(
            "Hi! To talk with me, please open a private chat first: {link}"), link=start_link(context)))
        return
    group = app.groups.ensure(message.chat.id, message.chat.title or "")
    app.people.ensure_member(caller.person.id, group.id)
    await converse(update, context, caller.person, bounded(text)[0], risk, parse)


@guarded(ANYONE)
async def on_edited(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Edits of text or a caption are screened like new messages (risk can be added in an edit),
    but not re-answered."""
    message = message_of(update)
    words = words_of(message)
    if words.text.strip():
        app = context.app
        _, risk = await screen_words(app, words)
        if risk.is_crisis:
            await handle_crisis(update, context, caller, words.text, risk)
            return
        flag_if_concern(app, caller, message, words, risk)
    if chat_of(update).type == ChatType.PRIVATE:
        await reply(update, context, [Reply(say(language_of(update, caller), N_(
            "I noticed you edited a message. I read each message once, so if you meant something different, "
            "please send it again.")))])


@guarded(ANYONE)
async def on_not_text(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """A sticker, or a photo, voice note, ... without words (those with words go to the handlers above)."""
    if chat_of(update).type != ChatType.PRIVATE:
        return
    language = language_of(update, caller)
    await reply(update, context, [Reply(say(language, N_(
        "I can only read text at the moment, so I couldn't take that in. You can type to me, or ask for a person "
        "at any time.")), talk_button(language))])


@guarded(ANYONE)
async def on_unknown_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Button data no handler knows (an old keyboard, or forged): a clear refusal, never silence."""
    await tell(update, STALE_BUTTON)


@guarded(ANYONE)
async def on_unknown_command(update: Update, context: PeerbotContext, caller: Caller) -> None:
    if chat_of(update).type == ChatType.PRIVATE:
        await tell(update, "I don't know that command. /help shows what I can do.")
