"""Sending queued session notices: cancellations, changes, and places freed from the waiting list."""
from __future__ import annotations

from telegram.ext import Application

from bot.app.conversation import rsvp_reply
from bot.app.replies import Reply
from bot.services.notices import PendingNotice
from bot.services.wording import describe_session, local_time
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import send_queue


def notice_reply(notice: PendingNotice) -> Reply:
    session = notice.session
    if notice.kind == "cancelled":
        why = f" ({notice.change_note})" if notice.change_note else ""
        return Reply(f"Sorry, {session.name} ({session.group}) on {local_time(session.starts_at, session.timezone)} "
                     f"is cancelled{why}. /next shows what's coming up.")
    if notice.kind == "promoted":
        return rsvp_reply(f"Good news: a place has come up, so you're now down as going. {describe_session(session)}.\n"
                          "If you can't make it after all, please say so, so someone else can have the place.",
                          session.occurrence_id)
    return Reply(f"A session you're planning to come to has changed. Now: {describe_session(session)}.")


async def send_pending_notices(application: Application) -> int:
    """The scheduler's job (also started right after a change made in Telegram)."""
    app: AppContext = application.bot_data[APP_KEY]
    return await send_queue(application, app.notices.take_next,
                            lambda notice: (notice.telegram_user_id, notice_reply(notice)),
                            lambda notice, ok, error: app.notices.mark(notice.notice_id, ok, error))
