"""What every handler needs, built once at start-up and kept in ``bot_data``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.app.conversation import ConversationService
from bot.config import Settings
from bot.services.checkins import CheckInService
from bot.services.coping import CopingService
from bot.services.drafts import DraftService
from bot.services.escalations import EscalationService
from bot.services.facilitation import FacilitationService
from bot.services.groups import GroupService
from bot.services.inbox import Inbox
from bot.services.moderation import ModerationService
from bot.services.notices import NoticeService
from bot.services.outcomes import OutcomeService
from bot.services.pending_choices import PendingChoices
from bot.services.people import PeopleService
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.safety_plans import SafetyPlanService
from bot.services.series import SeriesService

APP_KEY = "peerbot"


@dataclass(frozen=True, kw_only=True)
class AppContext:
    """The service container: built once by ``runtime.build_context``, by keyword."""

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
    plans: SafetyPlanService
    choices: PendingChoices
    moderation: ModerationService
    reports: ReportService
    privacy: PrivacyService
    outcomes: OutcomeService


class PeerbotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """What every handler receives: PTB's context, with the services as ``context.app``."""

    @property
    def app(self) -> AppContext:
        app: AppContext = self.application.bot_data[APP_KEY]
        return app


# Given to the ApplicationBuilder, so handlers get a PeerbotContext.
CONTEXT_TYPES = ContextTypes(context=PeerbotContext)
