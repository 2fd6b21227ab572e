"""Joining: /start, the consent question, a name, the region for crisis contacts, and
staff invites (which are carried through consent)."""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.app.callbacks import CALLBACK_DATA_LIMIT, CONSENT, LANGUAGE, NAME_FROM_TELEGRAM, REGION
from bot.app.onboarding import ROLE_LABELS, ROLE_PREFIX
from bot.app.replies import Reply
from bot.app.typed_choices import typed_word, with_hint
from bot.i18n import ENGLISH, LANGUAGES, N_, say
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
    retire_keyboard,
    set_menu,
    tell,
    user_of,
)
from bot.telegram.context import PeerbotContext
from bot.telegram.handlers.common import group_start_link, language_of, start_link
from bot.telegram.usecases import onboarding_for

# Said to someone whose Telegram is set to another language the bot knows (and on /language).
IN_ENGLISH_FOR_NOW = N_("I'll write to you in your language where it matters most: crisis help, the contacts for "
                        "where you are, and how to reach a person. Everything else, including chatting with me, is "
                        "in English for now; a peer supporter can help, though they may not speak your language. "
                        "/language changes this.")
# chat_data: the message carrying the consent buttons, retired once answered by typing.
CONSENT_KEYBOARD_KEY = "consent_keyboard"


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
    language = language_of(update, caller)
    buttons = (((say(language, N_("Yes, I agree")), consent_with(argument)),),
               ((say(language, N_("No thanks")), CONSENT.data("n")),))
    first = [Reply(say(language, IN_ENGLISH_FOR_NOW))] if language != ENGLISH else []
    notice = Reply(onboarding_for(context.app).consent_notice(language), buttons)
    await reply(update, context, first + [with_hint(notice, language)], keyboard_key=CONSENT_KEYBOARD_KEY)


@guarded(ANYONE)
async def on_consent(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await consent_choice(update, context, caller, data)


async def consent_choice(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    """The answer to the consent question, pressed or typed: either way its buttons go."""
    answer, argument = CONSENT.fields(data)
    await retire_keyboard(update, context, CONSENT_KEYBOARD_KEY)
    user = user_of(update)
    language = language_of(update, caller)
    if answer != "y":
        await reply(update, context, [Reply(say(language, N_(
            "That's okay, I haven't stored anything about you. If you change your mind, press /start. "
            "If you need help now, the contacts above are there for you.")))])
        return
    person = onboarding_for(context.app).consent(user.id, language)
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
    """The places as buttons; ``/region <place>`` (its name or short name) is the typed equivalent."""
    crisis = context.app.conversation.crisis
    language = caller.member.language
    choices = crisis.choices(language)
    typed = typed_word(" ".join(context.args or []))
    if typed:
        region = next((key for key, _ in choices
                       if typed == typed_word(key) or typed in {typed_word(name) for name in crisis.names(key)}), None)
        if region is None:
            await tell(update, say(language, N_("I don't know that place. Type /region and one of: {places}."),
                                   places=", ".join(name for _, name in choices)))
            return
        await set_region(update, context, caller.member, region)
        return
    buttons = tuple(((name, REGION.data(key)),) for key, name in choices)
    await reply(update, context, [Reply(say(language, N_(
        "Where are you? I'll show crisis contacts for that place. (Or type /region and the place, for example "
        "/region {example}.)"), example=choices[0][1]), buttons)])


@guarded(PARTICIPANTS)
async def on_region_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    query, data = pressed(update)
    [region] = REGION.fields(data)
    if region not in dict(app.conversation.crisis.choices()):
        await query.answer("Sorry, that button is out of date.", show_alert=True)
        return
    await query.answer("Saved")
    await query.edit_message_reply_markup(None)
    await set_region(update, context, caller.member, region)


async def set_region(update: Update, context: PeerbotContext, person: Person, region: str) -> None:
    """Keep the place, and show its crisis contacts at once."""
    app = context.app
    app.people.set_region(person.id, region)
    await reply(update, context, [Reply(app.conversation.crisis.message_for(region, person.language))])


@guarded(PARTICIPANTS)
async def on_language(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """The language the bot writes in (Telegram's when they joined); ``/language es`` types it."""
    typed = typed_word(" ".join(context.args or []))
    chosen = next((code for code, name in LANGUAGES.items() if typed in (code, typed_word(name))), None)
    if chosen is not None:
        await set_language(update, context, caller, LANGUAGE.data(chosen))
        return
    language = caller.member.language
    buttons = tuple(((name, LANGUAGE.data(code)),) for code, name in LANGUAGES.items())
    await reply(update, context, [Reply(say(language, N_("Which language shall I write in? (Or type /language "
                                                         "and its name, for example /language español.)")),
                                        buttons)])


async def set_language(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    """Keep the language (pressed or typed), and say honestly what it covers."""
    [language] = LANGUAGE.fields(data)
    if language not in LANGUAGES:
        await tell(update, STALE_BUTTON)
        return
    context.app.people.set_language(caller.member.id, language)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await tell(update, say(language, N_("Okay: I'll write to you in English.")) if language == ENGLISH else
               say(language, IN_ENGLISH_FOR_NOW))


@guarded(PARTICIPANTS)
async def on_language_button(update: Update, context: PeerbotContext, caller: Caller) -> None:
    await set_language(update, context, caller, pressed(update)[1])


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
    CommandSpec("start", N_("start here, or join a group with an invite link"), on_start),
    CommandSpec("region", N_("choose where you are, for the right crisis contacts: /region <place>"), on_region),
    CommandSpec("language", N_("the language I write in: /language english or /language español"), on_language),
    CommandSpec("invite", N_("a single-use link for a new PSW or coordinator"), on_invite),
)
TYPED = ((CONSENT, consent_choice), (LANGUAGE, set_language))
CALLBACKS = (
    (CONSENT.pattern, on_consent),
    (LANGUAGE.pattern, on_language_button),
    (NAME_FROM_TELEGRAM.pattern, on_name_from_telegram),
    (REGION.pattern, on_region_button),
)
