"""The use cases wired to Telegram: each is built on the application's services,
with the Bot API as its outbox (cheap to build, so built where needed)."""
from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.ext import Application

from bot.app.handoff import Handoff
from bot.app.onboarding import Onboarding
from bot.app.paging import Paging
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import TelegramOutbox


def paging_for(bot: Bot, app: AppContext) -> Paging:
    return Paging(app.escalations, app.people, TelegramOutbox(bot), app.settings.escalation.staff_chat_id,
                  timedelta(seconds=app.settings.telegram.handling_lease_seconds))


def onboarding_for(app: AppContext) -> Onboarding:
    return Onboarding(app.people, app.conversation.crisis, app.outcomes, app.settings.service)


def handoff_for(bot: Bot, app: AppContext) -> Handoff:
    return Handoff(app.escalations, app.people, app.conversation, TelegramOutbox(bot), app.plans)


async def repage_due(application: Application) -> None:
    """The scheduler's job: every unclaimed urgent case past its time moves up the chain."""
    await paging_for(application.bot, application.bot_data[APP_KEY]).repage_due()
