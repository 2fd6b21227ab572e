"""APScheduler jobs of the running bot. Every job reads its work from the
database, so nothing is lost when the process restarts, and only the process
holding the scheduler lease does the work, so several processes can share one
database (each message is still claimed row by row, so a hand-over cannot
send anything twice).
"""
from __future__ import annotations

import asyncio
import functools
from datetime import timedelta
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.ext import Application

from bot.config import clock_time
from bot.services.leader import LeaderLease
from bot.storage.types import utcnow
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.handlers.facilitation import run_due_rounds
from bot.telegram.handlers.outcomes import ask_due_questionnaires
from bot.telegram.monitoring import alert_unclaimed_crises
from bot.telegram.notices import send_pending_notices
from bot.telegram.reminders import check_in_after_breaks, send_due_reminders
from bot.telegram.sending import DRAINING_KEY
from bot.telegram.usecases import repage_due

Job = Callable[[Application], Awaitable[object]]
EXTEND_EVERY = timedelta(hours=6)
HOURLY = timedelta(hours=1)
ALERT_EVERY = timedelta(minutes=1)
# How long stopping waits for a running job to finish the message in hand.
STOP_PATIENCE_SECONDS = 10


async def follow_up_offers(application: Application) -> None:
    application.bot_data[APP_KEY].escalations.follow_up_unanswered_offers()


async def forget_old_words(application: Application) -> None:
    """The retention policy: at start-up (a bot restarted every day would otherwise never
    reach a job due 24 hours after its start) and then daily at privacy.retention_time."""
    application.bot_data[APP_KEY].privacy.apply_retention()


async def extend_series(application: Application) -> None:
    """Keep every series' occurrences materialised up to the horizon as the days go by."""
    application.bot_data[APP_KEY].series.extend_all()


def job_task() -> asyncio.Task:
    """The task running the current job: APScheduler's asyncio executor starts every job as one."""
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("a scheduled job must run as an asyncio task")
    return task


class Scheduler:
    """The scheduler and its lease, started and stopped together."""

    def __init__(self, application: Application) -> None:
        app: AppContext = application.bot_data[APP_KEY]
        settings = app.settings
        self.application = application
        self.lease = LeaderLease(app.people.db, timedelta(seconds=settings.scheduler.lease_seconds))
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.in_flight: set[asyncio.Task] = set()
        every = {
            repage_due: settings.escalation.check_interval_seconds,
            follow_up_offers: settings.escalation.check_interval_seconds,
            alert_unclaimed_crises: ALERT_EVERY.total_seconds(),
            send_due_reminders: settings.sessions.reminder_check_seconds,
            check_in_after_breaks: settings.sessions.reminder_check_seconds,
            send_pending_notices: settings.sessions.reminder_check_seconds,
            run_due_rounds: settings.sessions.reminder_check_seconds,
            extend_series: EXTEND_EVERY.total_seconds(),
            ask_due_questionnaires: HOURLY.total_seconds(),
        }
        for job, seconds in every.items():
            self.scheduler.add_job(self.led(job), "interval", args=[application], seconds=seconds,
                                   id=job.__name__, max_instances=1, coalesce=True)
        # Retention: now, then daily at a fixed local time. No misfire grace limit: start-up
        # keeps the loop busy for more than APScheduler's default second, and the first run
        # was then skipped as missed.
        hour, minute = clock_time(settings.privacy.retention_time)
        self.scheduler.add_job(self.led(forget_old_words), "cron", args=[application], hour=hour, minute=minute,
                               timezone=settings.service.default_timezone, id=forget_old_words.__name__,
                               max_instances=1, coalesce=True, next_run_time=utcnow(), misfire_grace_time=None)
        # Renewed on its own beat too, so a long job (a big fan-out) never lets it lapse.
        self.scheduler.add_job(self.lease.acquire, "interval", seconds=settings.scheduler.lease_seconds / 3,
                               id="renew_lease", max_instances=1, coalesce=True, next_run_time=utcnow())

    def led(self, job: Job) -> Job:
        """Run ``job`` only while this process holds (and has just renewed) the lease, and
        keep track of it while it runs, so stopping can let it finish."""

        @functools.wraps(job)
        async def run(application: Application) -> None:
            if not self.lease.acquire():
                return
            task = job_task()
            self.in_flight.add(task)
            try:
                await job(application)
            finally:
                self.in_flight.discard(task)

        return run

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self, patience: float = STOP_PATIENCE_SECONDS) -> None:
        """Start no more jobs, let running ones finish the message in hand (up to
        ``patience`` seconds), then shut down. APScheduler's shutdown cancels running jobs:
        a reminder cancelled mid-send stayed "sending" for good (never retried, as it
        may have gone out)."""
        self.application.bot_data[DRAINING_KEY] = True
        self.scheduler.pause()
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=patience)
        self.scheduler.shutdown(wait=False)
        if self.lease.leading:
            self.lease.release()
