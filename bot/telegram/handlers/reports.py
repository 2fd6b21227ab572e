"""/report: the coordinators' report in Telegram, as text and PNG charts.

Private chat only (the same rule as session admin): even aggregate figures
about a group are not for the group chat. The figures come from the same
``ReportService`` as ``peerbot report``, with small cells already suppressed.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Optional

from telegram import Update

from bot.app.replies import Reply
from bot.i18n import N_
from bot.services.report_charts import report_charts
from bot.services.report_text import report_text
from bot.services.reports import ReportService
from bot.storage.types import utcnow
from bot.telegram.access import COORDINATORS, Caller, CommandSpec, guarded, reply, tell
from bot.telegram.context import PeerbotContext
from bot.telegram.flows import private_only

DEFAULT_DAYS = 30
MAX_DAYS = 366
CAPTIONS = {
    "attendance": "People present per session (sessions with fewer than {k} are left out).",
    "mood": "Mean mood per group and week (weeks with fewer than {k} people are left out).",
    "escalations": "Minutes to claim and to close escalations (figures over fewer than {k} cases left out).",
}
USAGE = f"Usage: /report [days], e.g. /report 7 (default {DEFAULT_DAYS}, at most {MAX_DAYS})."


def days_asked(args: list[str]) -> Optional[int]:
    """The number of days in ``/report [days]``, or None if it is not a sensible number."""
    if not args:
        return DEFAULT_DAYS
    return int(args[0]) if args[0].isdigit() and 1 <= int(args[0]) <= MAX_DAYS else None


def report_replies(reports: ReportService, days: int, timezone: str, actor_id: int) -> list[Reply]:
    """Build, audit and render the report for the last ``days`` days (blocking work)."""
    end = utcnow()
    built = reports.build(end - timedelta(days=days), end, timezone=timezone)
    reports.record(built, actor_id)
    charts = report_charts(built)
    return [Reply(report_text(built)), *(Reply(CAPTIONS[name].format(k=built.small_cell), photo=png)
                                          for name, png in charts.items())]


@guarded(COORDINATORS)
@private_only
async def on_report(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Queries and drawing run in a worker thread, so messages (a crisis among them) keep flowing."""
    days = days_asked(context.args or [])
    if days is None:
        await tell(update, USAGE)
        return
    app = context.app
    replies = await asyncio.to_thread(report_replies, app.reports, days, app.settings.service.default_timezone,
                                      caller.member.id)
    await reply(update, context, replies)


COMMANDS = (
    CommandSpec("report", N_("attendance, check-ins, escalation times and caseload (coordinators)"), on_report),
)
CALLBACKS: tuple[tuple[str, object], ...] = ()
