"""Sending session reminders that the reminder service has claimed (exactly once each)."""
from __future__ import annotations

import asyncio

from telegram.ext import Application

from bot.app.conversation import rsvp_reply
from bot.app.replies import Reply
from bot.services.reminders import DueReminder
from bot.services.wording import describe_session
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import send_queue


def reminder_reply(reminder: DueReminder) -> Reply:
    late = " (sorry this is late)" if reminder.late else ""
    return rsvp_reply(f"Reminder{late}: {describe_session(reminder.session)}. Are you coming?\n"
                      "/stop turns reminders off.", reminder.session.occurrence_id)


async def send_due_reminders(application: Application) -> int:
    """The scheduler's job: queue what is due, then send the queue; returns how many were sent."""
    app: AppContext = application.bot_data[APP_KEY]
    await asyncio.to_thread(app.reminders.queue_due)
    return await send_queue(application, app.reminders.take_next,
                            lambda reminder: (reminder.telegram_user_id, reminder_reply(reminder)),
                            lambda reminder, ok, error: app.reminders.mark(reminder.delivery_id, ok, error))
