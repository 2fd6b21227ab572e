"""Joining: /start, the consent question, a name, the region for crisis contacts, and
staff invites (which are carried through consent)."""
from __future__ import annotations

from typing import Optional

from telegram import Update
from telegram.constants import ChatType

from bot.app.callbacks import CALLBACK_DATA_LIMIT, CONSENT, NAME_FROM_TELEGRAM, REGION
from bot.app.replies import Reply
from bot.services.groups import JOIN_PREFIX
from bot.services.people import InviteError, clean_display_name
from bot.services.roles import STAFF as STAFF_ROLES
from bot.storage.models import Person
from bot.telegram.access import (
    ANYONE,
    COORDINATORS,
    PARTICIPANTS,
    STAFF,
    STALE_BUTTON,
    Caller,
    CommandSpec,
    guarded,
    reply,
    set_menu,
    tell,
)
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.handlers import outcomes
from bot.telegram.handlers.common import (
    MAIN_MENU,
    ROLE_LABELS,
    ROLE_PREFIX,
    group_start_link,
    start_link,
)


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
    if update.effective_chat.type != ChatType.PRIVATE:
        group = context.app.groups.ensure(update.effective_chat.id, update.effective_chat.title or "")
        await tell(update, f"Let's talk privately: {group_start_link(context, group)}")
        return
    app = context.app
    argument = context.args[0] if context.args else ""
    if caller.person is not None and caller.person.consented_at is not None:
        await after_consent(update, context, caller.person, argument)
        return
    buttons = ((("Yes, I agree", consent_with(argument)),), (("No thanks", CONSENT.data("n")),))
    await reply(update, context, [Reply(consent_notice(app, None), buttons)])


@guarded(ANYONE)
async def on_consent(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_reply_markup(None)
    answer, argument = CONSENT.fields(query.data)
    if answer != "y":
        await reply(update, context, [Reply(
            "That's okay, I haven't stored anything about you. If you change your mind, press /start. "
            "If you need help now, the contacts above are there for you.")])
        return
    app = context.app
    settings = app.settings.service
    person = app.people.consent(update.effective_user.id, settings.default_region, settings.default_timezone)
    await after_consent(update, context, person, argument)


async def after_consent(update: Update, context: PeerbotContext, person: Person, argument: str) -> None:
    """Use an invite carried through consent, then ask for a name or welcome them back.
    Staff get their command menu here, as soon as they hold the role (a bootstrap
    coordinator holds it from consent on), not at the next restart."""
    app = context.app
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
        await set_menu(context, person)
    if person.display_name is None:
        first = update.effective_user.first_name or "my Telegram name"
        lines.append("What would you like us to call you? A first name or a made-up name is fine. Just type it.")
        buttons = (((f"Use {first}"[:40], NAME_FROM_TELEGRAM.data("telegram")),),)
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
async def on_name_from_telegram(update: Update, context: PeerbotContext, caller: Caller) -> None:
    if caller.person.display_name is not None:  # a name was typed meanwhile: the step is over
        await update.callback_query.answer(STALE_BUTTON, show_alert=True)
        await update.callback_query.edit_message_reply_markup(None)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    name = clean_display_name(update.effective_user.first_name or "") or "Friend"
    await save_name(update, context, caller.person, name)


async def save_name(update: Update, context: PeerbotContext, person: Person, name: str) -> None:
    app = context.app
    app.people.set_display_name(person.id, name)
    region, _ = app.conversation.crisis.contacts_for(person.region)
    staff = sorted(app.people.roles_of(app.people.get(person.id)) & STAFF)
    contacts = f"The crisis contacts I show are for {region}; /region changes that."
    replies = [Reply(f"Thanks, {name}. {staff_welcome(staff)}\n\n{contacts}") if staff else
               Reply(f"Thanks, {name}. I can take a mood check-in, share a coping idea, tell you about sessions, "
                     f"or get a peer supporter for you.\n\n{contacts}", MAIN_MENU)]
    questionnaire = outcomes.invitation(app, app.people.get(person.id))
    await reply(update, context, replies + ([questionnaire] if questionnaire else []))


@guarded(PARTICIPANTS)
async def on_region(update: Update, context: PeerbotContext, caller: Caller) -> None:
    choices = context.app.conversation.crisis.choices()
    buttons = tuple(((name, REGION.data(key)),) for key, name in choices)
    await reply(update, context, [Reply("Where are you? I'll show crisis contacts for that place.", buttons)])


@guarded(PARTICIPANTS)
async def on_region_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    query = update.callback_query
    [region] = REGION.fields(query.data)
    if region not in dict(app.conversation.crisis.choices()):
        await query.answer("Sorry, that button is out of date.", show_alert=True)
        return
    app.people.set_region(caller.person.id, region)
    await query.answer("Saved")
    await query.edit_message_reply_markup(None)
    await reply(update, context, [Reply(app.conversation.crisis.message_for(region))])


@guarded(COORDINATORS)
async def on_invite(update: Update, context: PeerbotContext, caller: Caller) -> None:
    role = (context.args[0].lower() if context.args else "")
    if role not in STAFF_ROLES:
        await tell(update, "Usage: /invite psw or /invite coordinator")
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await tell(update, "Role invites are only given in a private chat with me.")
        return
    app = context.app
    invite = app.people.create_role_invite(role, caller.person.id)
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
