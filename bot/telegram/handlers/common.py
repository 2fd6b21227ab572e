"""What several subjects share: the chat a message came from, links that start a private
chat, running text through the conversation and delivering its turn, the crisis path
(persisted first, then the private reply, then the page), and answering privately a
command used in a group."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from telegram import MaybeInaccessibleMessage, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.app.conversation import ChatContext, TurnResult, offers_a_person
from bot.app.replies import Reply
from bot.dialogue.engine import ParseResult
from bot.i18n import N_, language_from, say
from bot.safety.assessment import RiskAssessment
from bot.services.groups import JOIN_PREFIX
from bot.storage.models import Group, Person
from bot.telegram.access import (
    Caller,
    chat_of,
    keyboard_keeper,
    message_of,
    origin_of,
    retire_keyboard,
    user_of,
)
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.sending import send_replies, try_send
from bot.telegram.typed_press import remember
from bot.telegram.usecases import paging_for

log = logging.getLogger(__name__)
# chat_data: the message carrying the last dialogue turn's buttons in a private chat.
DIALOGUE_KEYBOARD_KEY = "dialogue_keyboard"


def language_of(update: Update, caller: Caller) -> str:
    """The language to answer in: the person's own choice, else their Telegram app's."""
    if caller.person is not None and caller.person.language:
        return str(caller.person.language)
    return language_from(update.effective_user.language_code if update.effective_user is not None else None)


def chat_context(app: AppContext, message: MaybeInaccessibleMessage) -> ChatContext:
    """Where a message was written, from what Telegram gives even for a message too old to read."""
    private = message.chat.type == ChatType.PRIVATE
    group = None if private else app.groups.for_chat(message.chat.id)
    return ChatContext(message.chat.id, private, group.id if group else None, source_of(message))


def source_of(message: MaybeInaccessibleMessage) -> str:
    """The message, named so that handling it again finds what it already raised."""
    return f"{message.chat.id}:{message.message_id}"


def start_link(context: PeerbotContext, argument: str = "hello") -> str:
    return f"https://t.me/{context.bot.username}?start={argument}"


def group_start_link(context: PeerbotContext, group: Group) -> str:
    """The private-chat link that carries the group: whoever starts the bot from it (and
    consents) becomes a member of that group, with its session reminders."""
    return start_link(context, JOIN_PREFIX + group.invite_code)


async def deliver(context: PeerbotContext, chat_id: int, result: TurnResult, person: Person) -> bool:
    """Send the turn's replies, then page about any escalation it created (already persisted).
    The last keyboard of a private turn is remembered, to be retired when the next turn comes."""

    private = chat_id == person.telegram_user_id
    sent = await send_replies(context.bot, chat_id, result.replies,
                              keyboard_keeper(context, DIALOGUE_KEYBOARD_KEY) if private else None)
    if private:  # its buttons can be pressed by typing
        remember(context.app, chat_id, result.replies)
    if sent and chat_id == person.telegram_user_id and offers_a_person(result.replies):
        context.app.escalations.offer_made(person.id)
    await paging_for(context.bot, context.app).page_all(result.escalations)
    return sent


async def converse(update: Update, context: PeerbotContext, person: Person, text: str,
                   risk: Optional[RiskAssessment] = None, parse: Optional[ParseResult] = None) -> None:
    """Run text through the dialogue (with the screen's parse of it, if any) and send the
    replies where the person wrote."""
    app = context.app
    chat = chat_context(app, origin_of(update))
    # A typed note makes the check-in's "No thanks" meaningless: its buttons go, while the
    # dialogue thinks (not before it, on the way to the answer), and before the new ones come.
    # (What typing can press is replaced by ``deliver``, after the turn.)
    retiring = asyncio.create_task(retire_keyboard(update, context, DIALOGUE_KEYBOARD_KEY)) if chat.private else None
    try:
        result = await app.conversation.respond(person, chat, text, risk, parse)
    finally:
        if retiring is not None:
            await retiring
    await deliver(context, chat_of(update).id, result, person)


def known_person(app: AppContext, update: Update, caller: Caller) -> Person:
    """The caller's record, made minimal when they never pressed Start (risk must still reach a person)."""
    if caller.person is not None:
        return caller.person
    user = user_of(update)
    service = app.settings.service
    return app.people.ensure_known(user.id, user.first_name or "", service.default_region, service.default_timezone,
                                   language_from(user.language_code))


async def handle_crisis(update: Update, context: PeerbotContext, caller: Caller, text: str,
                        risk: RiskAssessment) -> None:
    """Crisis: the escalation is persisted first; the person gets the crisis reply in
    private (in a group, only a short kind line there) and the PSWs are paged: at once
    for a private chat; after the reply for a group, so the page can say whether the
    person could be reached privately."""
    app = context.app
    user = user_of(update)
    person = known_person(app, update, caller)
    chat = chat_of(update)
    in_group = chat.type != ChatType.PRIVATE
    group = app.groups.ensure(chat.id, chat.title or "") if in_group else None
    private = ChatContext(user.id, private=True, group_id=group.id if group else None,
                          source=source_of(message_of(update)))
    result = await app.conversation.respond(person, private, text, risk)
    paging = paging_for(context.bot, app)
    if not in_group:  # they wrote in private, so they can be reached there: page while replying
        await asyncio.gather(send_replies(context.bot, user.id, result.replies), paging.page_all(result.escalations))
        return
    reached = await send_replies(context.bot, user.id, result.replies)
    line = say(person.language, N_("{name}, I've sent you a private message.") if reached
               else N_("{name}, a peer supporter will be in touch with you."), name=user.first_name)
    await message_of(update).reply_text(line)
    if not reached:
        for escalation_id in result.escalations:
            app.escalations.add_reason(escalation_id, "the bot cannot message them privately "
                                                      "(they have never started a chat with it)")
    await paging.page_all(result.escalations)


async def answer_privately(update: Update, context: PeerbotContext, person: Person, text: str,
                           discreet: bool = False) -> None:
    """Answer whoever used the command in private, and take the command out of the group
    (best effort: without admin rights it stays). If they can't be reached privately, answer
    in the group, unless the answer is ``discreet`` (a flag, a round's answer): then it is
    logged, never shown there."""
    message = message_of(update)
    sent, _ = await try_send(context.bot, person.telegram_user_id, Reply(text))
    try:
        await message.delete()
    except TelegramError as exc:
        log.info("command left in the group: %s", type(exc).__name__)
    if not sent and discreet:
        log.warning("a discreet answer could not reach person %s privately; not shown in the group", person.id)
    elif not sent:
        await context.bot.send_message(chat_of(update).id, text[:500])
