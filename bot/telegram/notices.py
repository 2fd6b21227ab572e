"""Sending queued session notices: cancellations, changes, and places freed from the waiting list."""
from __future__ import annotations

from telegram.ext import Application

from bot.app.conversation import rsvp_reply
from bot.app.replies import Reply
from bot.i18n import N_, say
from bot.services.notices import PendingNotice
from bot.services.wording import describe_session, local_time
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import send_queue


def notice_reply(notice: PendingNotice) -> Reply:
    session, language = notice.session, notice.language
    if notice.kind == "cancelled":
        why = f" ({notice.change_note})" if notice.change_note else ""
        return Reply(say(language, N_("Sorry, {name} ({group}) on {when} is cancelled{why}. /next shows what's "
                                      "coming up."), name=session.name, group=session.group,
                         when=local_time(session.starts_at, session.timezone, language), why=why))
    if notice.kind == "promoted":
        return rsvp_reply(say(language, N_(
            "Good news: a place has come up, so you're now down as going. {session}.\nIf you can't make it after "
            "all, please say so, so someone else can have the place."),
            session=describe_session(session, language=language)), session.occurrence_id, language)
    return Reply(say(language, N_("A session you're planning to come to has changed. Now: {session}."),
                     session=describe_session(session, language=language)))


async def send_pending_notices(application: Application) -> int:
    """The scheduler's job (also started right after a change made in Telegram)."""
    app: AppContext = application.bot_data[APP_KEY]
    return await send_queue(application, app.notices.take_next,
                            lambda notice: (notice.telegram_user_id, notice_reply(notice)),
                            lambda notice, ok, error: app.notices.mark(notice.notice_id, ok, error))
