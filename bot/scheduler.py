"""APScheduler jobs of the running bot. Every job reads its work from the
database, so nothing is lost when the process restarts."""
from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.ext import Application

from bot.telegram.context import APP_KEY
from bot.telegram.paging import repage_due
from bot.telegram.reminders import send_due_reminders

REPAGE_JOB = "repage-unclaimed-escalations"
OFFERS_JOB = "follow-up-unanswered-offers"
REMINDERS_JOB = "send-due-reminders"


async def follow_up_offers(application: Application) -> None:
    application.bot_data[APP_KEY].escalations.follow_up_unanswered_offers()


def start_scheduler(application: Application) -> AsyncIOScheduler:
    settings = application.bot_data[APP_KEY].settings.escalation
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(repage_due, "interval", args=[application], seconds=settings.check_interval_seconds,
                      id=REPAGE_JOB, max_instances=1, coalesce=True)
    scheduler.add_job(follow_up_offers, "interval", args=[application], seconds=settings.check_interval_seconds,
                      id=OFFERS_JOB, max_instances=1, coalesce=True)
    sessions = application.bot_data[APP_KEY].settings.sessions
    scheduler.add_job(send_due_reminders, "interval", args=[application], seconds=sessions.reminder_check_seconds,
                      id=REMINDERS_JOB, max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler
