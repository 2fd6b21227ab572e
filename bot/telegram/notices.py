"""Sending queued session notices: cancellations, changes, and places freed from the waiting list."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app.replies import Reply
from bot.app.conversation import format_session, rsvp_row
from bot.services.notices import PendingNotice
from bot.services.sessions import UpcomingSession
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import send_queue


def notice_reply(notice: PendingNotice) -> Reply:
    session = UpcomingSession(notice.occurrence_id, notice.series_name, notice.group_title, notice.starts_at,
                              notice.timezone, notice.location, notice.online_link, None)
    when = format_session(session)
    if notice.kind == "cancelled":
        why = f" ({notice.change_note})" if notice.change_note else ""
        local = notice.starts_at.astimezone(ZoneInfo(notice.timezone))
        return Reply(f"Sorry, {notice.series_name} ({notice.group_title}) on {local:%a %d %b at %H:%M} is "
                     f"cancelled{why}. /next shows what's coming up.")
    if notice.kind == "promoted":
        return Reply(f"Good news: a place has come up, so you're now down as going. {when}.\n"
                     "If you can't make it after all, please say so, so someone else can have the place.",
                     (rsvp_row(notice.occurrence_id),))
    return Reply(f"A session you're planning to come to has changed. Now: {when}.")


async def send_pending_notices(application: Application) -> int:
    """The scheduler's job (also started right after a change made in Telegram)."""
    app: AppContext = application.bot_data[APP_KEY]
    return await send_queue(application, app.notices.take_next,
                            lambda notice: (notice.telegram_user_id, notice_reply(notice)),
                            lambda notice, ok, error: app.notices.mark(notice.notice_id, ok, error))
