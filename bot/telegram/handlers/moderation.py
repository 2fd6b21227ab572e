"""PSW tools in a group chat: reply /hide, /pause [hours] or /unpause to a post; members
reply /flag to report one. The workflow is in ``bot.app.moderation``.

The Bot API cannot turn an @username into a member, so each command works on the post
it replies to. The command itself is deleted from the group where the bot can (so a
/flag is never seen there), and whoever used it is answered privately.
"""
from __future__ import annotations

import functools
from typing import Awaitable, Callable

from telegram import Message, Update
from telegram.constants import ChatType

from bot.app.moderation import Moderation, Where
from bot.i18n import N_, say
from bot.services.moderation import Post
from bot.telegram.access import PARTICIPANTS, STAFF, Caller, CommandSpec, GuardedHandler, guarded, message_of, tell
from bot.telegram.context import PeerbotContext
from bot.telegram.group_actions import TelegramGroupActions
from bot.telegram.handlers.common import answer_privately, language_of
from bot.telegram.sending import TelegramOutbox


def moderation_for(context: PeerbotContext) -> Moderation:
    app = context.app
    service = app.settings.service
    return Moderation(app.moderation, app.escalations, app.people, TelegramOutbox(context.bot),
                      TelegramGroupActions(context.bot), service.default_region, service.default_timezone)


def post_link(message: Message) -> str:
    """A link a member of the group can open: supergroups have them (t.me/c/...), basic groups don't."""
    chat_id = str(message.chat.id)
    if not chat_id.startswith("-100"):
        return ""
    return f"https://t.me/c/{chat_id[4:]}/{message.message_id}"


def replied_post(update: Update) -> Message | None:
    """The post a moderation command replies to, in a group; None when it is used otherwise."""
    message = message_of(update)
    if message.chat.type == ChatType.PRIVATE:
        return None
    return message.reply_to_message


def post_of(context: PeerbotContext, target: Message) -> Post:
    group = context.app.groups.for_chat(target.chat.id)
    author = target.from_user.id if target.from_user is not None and not target.from_user.is_bot else None
    return Post(group.id if group else None, target.chat.id, target.message_id, author)


def where_of(context: PeerbotContext, target: Message) -> Where:
    app = context.app
    group = app.groups.for_chat(target.chat.id)
    return Where(target.chat.title or (group.title if group else "the group"), app.groups.rules(group),
                 post_link(target))


async def is_staff_post(context: PeerbotContext, post: Post) -> bool:
    """Peer supporters and coordinators are not paused by the bot: that's a conversation to have."""
    author = context.app.people.find(post.author_telegram_id) if post.author_telegram_id else None
    return author is not None and bool(context.app.people.roles_of(author) & STAFF)


# A moderation command's own work, given the post it replies to: what to tell its user.
PostAction = Callable[[Update, PeerbotContext, Caller, Message], Awaitable[str]]


def on_post(command: str, roles: frozenset[str], discreet: bool = False) -> Callable[[PostAction], GuardedHandler]:
    """A command replied to a post in a group: without one it explains itself; with one, its
    action's answer goes to whoever used it, privately."""

    def decorate(action: PostAction) -> GuardedHandler:
        @functools.wraps(action)
        async def handler(update: Update, context: PeerbotContext, caller: Caller) -> None:
            target = replied_post(update)
            if target is None:
                await tell(update, say(language_of(update, caller), N_(
                    "In a group chat, reply /{command} to the post you mean (Telegram doesn't let me find someone by "
                    "their @name)."), command=command))
                return
            answer = await action(update, context, caller, target)
            await answer_privately(update, context, caller.member, answer, discreet)

        return guarded(roles)(handler)

    return decorate


@on_post("hide", STAFF)
async def on_hide(update: Update, context: PeerbotContext, caller: Caller, target: Message) -> str:
    """/hide [rule number]: delete the post; its author is told privately why, with the rule."""
    rule = (context.args or [""])[0]
    return await moderation_for(context).hide(post_of(context, target), caller.member, where_of(context, target),
                                              rule if rule.isdigit() else "")


@on_post("pause", STAFF)
async def on_pause(update: Update, context: PeerbotContext, caller: Caller, target: Message) -> str:
    """/pause [hours]: the post's author may not post for a while; they are told privately."""
    post = post_of(context, target)
    try:
        hours = context.app.moderation.pause_hours((context.args or [""])[0])
    except ValueError as problem:
        return str(problem)
    if await is_staff_post(context, post):
        return "That's a peer supporter or coordinator: I don't pause staff. Please talk with them directly."
    return await moderation_for(context).pause(post, caller.member, where_of(context, target), hours)


@on_post("unpause", STAFF)
async def on_unpause(update: Update, context: PeerbotContext, caller: Caller, target: Message) -> str:
    """/unpause, replied to a post of a paused member: they may post again."""
    return await moderation_for(context).unpause(post_of(context, target), caller.member, where_of(context, target))


@on_post("flag", PARTICIPANTS, discreet=True)  # who flagged a post is never shown in the group
async def on_flag(update: Update, context: PeerbotContext, caller: Caller, target: Message) -> str:
    """/flag, replied to a post: PSWs on duty are told (never the group)."""
    author = target.from_user.first_name if target.from_user is not None else "someone"
    return await moderation_for(context).flag(post_of(context, target), caller.member, where_of(context, target),
                                              author)


COMMANDS = (
    CommandSpec("flag", N_("in a group, reply /flag to a post that worries you: a peer supporter looks"), on_flag),
    CommandSpec("hide", N_("in a group, reply /hide [rule number] to a post to remove it"), on_hide),
    CommandSpec("pause", N_("in a group, reply /pause [hours] to a post: its author can't post for a while"), on_pause),
    CommandSpec("unpause", N_("in a group, reply /unpause to a post: its author can post again"), on_unpause),
)
CALLBACKS = ()
