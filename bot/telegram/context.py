"""What every handler needs, built once at start-up and kept in ``bot_data``."""
from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import ContextTypes

from bot.app.conversation import ConversationService
from bot.config import Settings
from bot.services.checkins import CheckInService
from bot.services.coping import CopingService
from bot.services.drafts import DraftService
from bot.services.escalations import EscalationService
from bot.services.facilitation import FacilitationService
from bot.services.groups import GroupService
from bot.services.inbox import Inbox
from bot.services.notices import NoticeService
from bot.services.outcomes import OutcomeService
from bot.services.people import PeopleService
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.series import SeriesService

APP_KEY = "peerbot"


@dataclass
class AppContext:
    settings: Settings
    people: PeopleService
    groups: GroupService
    checkins: CheckInService
    conversation: ConversationService
    inbox: Inbox
    escalations: EscalationService
    reminders: ReminderService
    series: SeriesService
    notices: NoticeService
    facilitation: FacilitationService
    drafts: DraftService
    coping: CopingService
    reports: ReportService
    privacy: PrivacyService
    outcomes: OutcomeService


def app_of(context: ContextTypes.DEFAULT_TYPE) -> AppContext:
    return context.application.bot_data[APP_KEY]
