"""Joining: /start, the consent question, a name, the region for crisis contacts, and
staff invites (which are carried through consent)."""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.app.callbacks import CALLBACK_DATA_LIMIT, CONSENT, NAME_FROM_TELEGRAM, REGION
from bot.app.onboarding import ROLE_LABELS, ROLE_PREFIX
from bot.app.replies import Reply
from bot.services.groups import JOIN_PREFIX
from bot.services.people import clean_display_name
from bot.services.roles import STAFF as STAFF_ROLES
from bot.storage.models import Person
from bot.telegram.access import (
    ANYONE,
    COORDINATORS,
    PARTICIPANTS,
    STALE_BUTTON,
    Caller,
    CommandSpec,
    chat_of,
    guarded,
    pressed,
    reply,
    set_menu,
    tell,
    user_of,
)
from bot.telegram.context import PeerbotContext
from bot.telegram.handlers.common import group_start_link, start_link
from bot.telegram.usecases import onboarding_for


def consent_with(argument: str) -> str:
    """The "Yes" button's data, carrying a group or role invite from the start link through
    consent: cut to fit (an invite that long was never one of ours, and is refused as such),
    and left out when it has no code at all."""
    if argument.startswith((JOIN_PREFIX, ROLE_PREFIX)):
        try:
            return CONSENT.data("y", argument[:CALLBACK_DATA_LIMIT - len(CONSENT.prefix + "y:")])
        except ValueError:
            pass
    return CONSENT.data("y")


@guarded(ANYONE)
async def on_start(update: Update, context: PeerbotContext, caller: Caller) -> None:
    chat = chat_of(update)
    if chat.type != ChatType.PRIVATE:
        group = context.app.groups.ensure(chat.id, chat.title or "")
        await tell(update, f"Let's talk privately: {group_start_link(context, group)}")
        return
    argument = context.args[0] if context.args else ""
    if caller.person is not None and caller.person.consented_at is not None:
        await welcome(update, context, caller.person, argument)
        return
    buttons = ((("Yes, I agree", consent_with(argument)),), (("No thanks", CONSENT.data("n")),))
    await reply(update, context, [Reply(onboarding_for(context.app).consent_notice(), buttons)])


@guarded(ANYONE)
async def on_consent(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    answer, argument = CONSENT.fields(data)
    if answer != "y":
        await reply(update, context, [Reply(
            "That's okay, I haven't stored anything about you. If you change your mind, press /start. "
            "If you need help now, the contacts above are there for you.")])
        return
    person = onboarding_for(context.app).consent(user_of(update).id)
    await welcome(update, context, person, argument)


async def welcome(update: Update, context: PeerbotContext, person: Person, invite: str) -> None:
    """Staff get their command menu here, as soon as they hold the role (a bootstrap
    coordinator holds it from consent on), not at the next restart."""
    welcomed = onboarding_for(context.app).welcome(person, invite, user_of(update).first_name or "")
    if welcomed.staff:
        await set_menu(context, person)
    await reply(update, context, welcomed.replies)


@guarded(PARTICIPANTS)
async def on_name_from_telegram(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, _ = pressed(update)
    if caller.member.display_name is not None:  # a name was typed meanwhile: the step is over
        await query.answer(STALE_BUTTON, show_alert=True)
        await query.edit_message_reply_markup(None)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    name = clean_display_name(user_of(update).first_name or "") or "Friend"
    await save_name(update, context, caller.member, name)


async def save_name(update: Update, context: PeerbotContext, person: Person, name: str) -> None:
    await reply(update, context, onboarding_for(context.app).name(person, name))


@guarded(PARTICIPANTS)
async def on_region(update: Update, context: PeerbotContext, caller: Caller) -> None:
    choices = context.app.conversation.crisis.choices()
    buttons = tuple(((name, REGION.data(key)),) for key, name in choices)
    await reply(update, context, [Reply("Where are you? I'll show crisis contacts for that place.", buttons)])


@guarded(PARTICIPANTS)
async def on_region_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    query, data = pressed(update)
    [region] = REGION.fields(data)
    if region not in dict(app.conversation.crisis.choices()):
        await query.answer("Sorry, that button is out of date.", show_alert=True)
        return
    app.people.set_region(caller.member.id, region)
    await query.answer("Saved")
    await query.edit_message_reply_markup(None)
    await reply(update, context, [Reply(app.conversation.crisis.message_for(region))])


@guarded(COORDINATORS)
async def on_invite(update: Update, context: PeerbotContext, caller: Caller) -> None:
    role = (context.args[0].lower() if context.args else "")
    if role not in STAFF_ROLES:
        await tell(update, "Usage: /invite psw or /invite coordinator")
        return
    if chat_of(update).type != ChatType.PRIVATE:
        await tell(update, "Role invites are only given in a private chat with me.")
        return
    app = context.app
    invite = app.people.create_role_invite(role, caller.member.id)
    hours = app.settings.roles.invite_expiry_hours
    await tell(update, f"Here is a single-use link that makes someone {ROLE_LABELS[role]}. It works once, for "
                       f"{hours} hours. Send it to them privately:\n{start_link(context, ROLE_PREFIX + invite.code)}")


COMMANDS = (
    CommandSpec("start", "start here, or join a group with an invite link", on_start),
    CommandSpec("region", "choose where you are, for the right crisis contacts", on_region),
    CommandSpec("invite", "a single-use link for a new PSW or coordinator", on_invite),
)
CALLBACKS = (
    (CONSENT.pattern, on_consent),
    (NAME_FROM_TELEGRAM.pattern, on_name_from_telegram),
    (REGION.pattern, on_region_button),
)
