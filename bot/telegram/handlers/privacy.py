"""/mydata and /forgetme: people's rights over their data, in a private chat."""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.app.callbacks import FORGET
from bot.app.replies import Reply
from bot.app.typed_choices import with_hint
from bot.i18n import N_, say
from bot.telegram.access import PARTICIPANTS, Caller, CommandSpec, chat_of, guarded, pressed, reply, tell
from bot.telegram.context import PeerbotContext
from bot.telegram.sending import send_replies

PRIVATE_ONLY = "That's private, so let's do it in a private chat with me."
FORGET_WARNING = N_(
    "If you go ahead, I will delete your name, your Telegram id, everything you've written to me (including our "
    "conversation, your check-in notes and your safety plan) and your session replies' link to you. What's left can't be traced "
    "back to you: anonymous counts, like the number of people at a session, and a de-identified record of any "
    "time you were put in touch with a peer supporter, which the service must keep for safety.\n\n"
    "This can't be undone, and I won't recognise you afterwards (you can always start again with /start). "
    "If you'd like a copy of your data first, use /mydata.\n\nDelete everything?")


async def in_private(update: Update) -> bool:
    if chat_of(update).type == ChatType.PRIVATE:
        return True
    await tell(update, PRIVATE_ONLY)
    return False


@guarded(PARTICIPANTS)
async def on_mydata(update: Update, context: PeerbotContext, caller: Caller) -> None:
    if not await in_private(update):
        return
    data = context.app.privacy.export_json(caller.member.id)
    await reply(update, context, [Reply(say(caller.member.language, N_(
        "Here is everything I hold about you, as a file (JSON, which opens in any text editor).")),
        document=("my-data.json", data))])


@guarded(PARTICIPANTS)
async def on_forgetme(update: Update, context: PeerbotContext, caller: Caller) -> None:
    if not await in_private(update):
        return
    language = caller.member.language
    buttons = (((say(language, N_("Yes, delete everything")), FORGET.data("yes")),),
               ((say(language, N_("No, keep it")), FORGET.data("no")),))
    await reply(update, context, [with_hint(Reply(say(language, FORGET_WARNING), buttons), language)])


@guarded(PARTICIPANTS)
async def on_forget_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await forget_choice(update, context, caller, data)


async def forget_choice(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    """The answer to "Delete everything?", pressed or typed."""
    person = caller.member
    language = person.language
    if FORGET.fields(data) != ("yes",):
        await reply(update, context, [Reply(say(language, N_("Okay, nothing has been deleted.")))])
        return
    app = context.app
    held = app.escalations.held_for(person.id)
    holder = app.people.get(held.claimed_by_id) if held is not None else None
    app.privacy.forget(person.id)
    await reply(update, context, [Reply(say(language, N_(
        "Done: I've deleted everything that could identify you. Thank you for being part of the group. "
        "If you ever want to come back, just send /start.")) + "\n\n"
        + app.conversation.crisis.message_for(person.region, language))])
    if holder is not None:
        await send_replies(context.bot, holder.telegram_user_id, [Reply(
            "The person whose case you were holding asked the bot to delete their data, so the case is closed "
            "and I can no longer pass messages to them.")])


COMMANDS = (
    CommandSpec("mydata", N_("a copy of everything I hold about you"), on_mydata),
    CommandSpec("forgetme", N_("delete your data"), on_forgetme),
)
TYPED = ((FORGET, forget_choice),)
CALLBACKS = (
    (FORGET.pattern, on_forget_button),
)
