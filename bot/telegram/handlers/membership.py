"""Group chats: who joins and leaves (membership follows the chat), the bot being
added or removed, and the coordinators' /groups overview."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType

from bot.app.replies import Reply
from bot.i18n import N_
from bot.services.groups import summary_lines
from bot.telegram.access import (
    ANYONE,
    COORDINATORS,
    Caller,
    CommandSpec,
    bot_membership_of,
    guarded,
    left_member_of,
    message_of,
    reply,
    tell,
)
from bot.telegram.context import PeerbotContext
from bot.telegram.handlers.common import (
    group_start_link,
    start_link,
)
from bot.telegram.sending import send_replies

log = logging.getLogger(__name__)

@guarded(ANYONE)
async def on_new_members(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Someone joined the group chat: already with us (consented), they are members at
    once; the others are welcomed with the group's own link to start a private chat."""
    app = context.app
    message = message_of(update)
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
async def on_groups(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Each group: its members, its next session and the link that joins it."""
    summaries = context.app.groups.overview()
    await tell(update, summary_lines(summaries, lambda payload: start_link(context, payload)))


@guarded(ANYONE)
async def on_left_member(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Someone left the group chat or was removed: their membership (and its reminders) ends."""
    app = context.app
    group = app.groups.for_chat(message_of(update).chat.id)
    person = app.people.find(left_member_of(update).id)
    if group is not None and person is not None and app.people.leave_group(person.id, group.id):
        log.info("person %s left group %s", person.id, group.id)


async def on_my_chat_member(update: Update, context: PeerbotContext) -> None:
    """The bot was added, promoted or removed: keep the group's record right."""
    change = bot_membership_of(update)
    if change.chat.type == ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    app = context.app
    group = app.groups.bot_status_changed(change.chat.id, change.chat.title or "", status)
    log.info("bot status in chat %s is now %s", change.chat.id, status)
    if status in ("member", "administrator") and change.old_chat_member.status in ("left", "kicked"):
        await send_replies(context.bot, change.chat.id, [Reply(
            "Hello everyone! I'm the group's bot, not a person. I help with session reminders and check-ins, "
            "and I can always get a peer supporter. /rules shows the group's ground rules.\n\n"
            f"To get this group's session reminders, start a private chat with me here: "
            f"{group_start_link(context, group)}")])


COMMANDS = (
    CommandSpec("groups", N_("each group: members, next session, join link"), on_groups),
)
CALLBACKS: tuple[tuple[str, object], ...] = ()
