"""Sending session reminders that the reminder service has claimed (exactly once each),
and the gentle check-in when someone's break (/break) ends."""
from __future__ import annotations

import asyncio

from telegram.ext import Application

from bot.app.conversation import rsvp_reply, talk_button
from bot.app.onboarding import MAIN_MENU
from bot.app.replies import Reply
from bot.app.typed_choices import with_hint
from bot.i18n import ENGLISH, N_, say
from bot.services.reminders import DueReminder
from bot.services.wording import describe_session
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import send_queue, try_send
from bot.telegram.typed_press import remember


def reminder_reply(reminder: DueReminder) -> Reply:
    language = reminder.language
    text = say(language, N_("Reminder (sorry this is late): {session}. Are you coming?\n/stop turns reminders off.")
               if reminder.late else N_("Reminder: {session}. Are you coming?\n/stop turns reminders off."),
               session=describe_session(reminder.session, language=language))
    return rsvp_reply(text, reminder.session.occurrence_id, language)


async def send_due_reminders(application: Application) -> int:
    """The scheduler's job: queue what is due, then send the queue; returns how many were sent."""
    app: AppContext = application.bot_data[APP_KEY]
    await asyncio.to_thread(app.reminders.queue_due)
    return await send_queue(application, app.reminders.take_next,
                            lambda reminder: (reminder.telegram_user_id, reminder_reply(reminder)),
                            lambda reminder, ok, error: app.reminders.mark(reminder.delivery_id, ok, error))


async def check_in_after_breaks(application: Application) -> int:
    """The scheduler's job: a gentle word to each person whose break has just ended (each
    claimed once, so never twice; a message that cannot be sent is not retried: the
    reminders are back on either way). Returns how many were sent."""
    app: AppContext = application.bot_data[APP_KEY]
    sent = 0
    for person in await asyncio.to_thread(app.people.breaks_over):
        if person.telegram_user_id is None:
            continue
        language = person.language
        english = language in (None, ENGLISH)
        welcome = with_hint(Reply(say(language, N_(
            "Hello, {name}. Your break has ended, so session reminders are back on. No pressure at all: how are you "
            "doing? I'm here, and so is a peer supporter if you'd like to talk."), name=person.display_name or "👋"),
            MAIN_MENU if english else talk_button(language)), language)
        delivered, _ = await try_send(application.bot, person.telegram_user_id, welcome)
        if delivered:
            remember(app, person.telegram_user_id, [welcome])
            sent += 1
    return sent
