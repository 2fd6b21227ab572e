"""Paging PSWs about escalations, and walking the chain for unclaimed urgent cases."""
from __future__ import annotations

import logging

from telegram import Bot
from telegram.ext import Application

from bot.conversation import Reply
from bot.services.escalations import CHAIN_STEPS, CaseCard
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import send_reply

log = logging.getLogger(__name__)
CLAIM_PREFIX = "claim:"
HEADINGS = {"urgent": "🚨 URGENT: possible crisis", "normal": "A person would like to talk", "low": "Follow-up"}


def card_text(card: CaseCard) -> str:
    lines = [f"{HEADINGS[card.priority]} (case #{card.escalation_id})",
             f"Who: {card.name}" + (f", in {card.group}" if card.group else ", in a private chat"),
             "Why: " + "; ".join(card.reasons)]
    if card.trigger_text:
        lines.append(f"They wrote: “{card.trigger_text[:500]}”")
    if card.recent_moods:
        lines.append("Recent check-ins: " + ", ".join(f"{m}/5" for m in card.recent_moods))
    lines.append(f"Waiting {card.waiting_minutes} min; paging {card.chain_step}.")
    return "\n".join(lines)


def claim_reply(card: CaseCard) -> Reply:
    return Reply(card_text(card), ((("Claim", f"{CLAIM_PREFIX}{card.escalation_id}"),),))


async def page(bot: Bot, app: AppContext, escalation_id: int) -> int:
    """Page the case's step of the chain; an urgent case nobody could receive moves
    straight on to the next step rather than waiting for its timer."""
    reached = await page_step(bot, app, escalation_id)
    while reached == 0:
        escalation = app.escalations.get(escalation_id)
        if escalation.priority != "urgent" or escalation.chain_level >= len(CHAIN_STEPS) - 1:
            break
        app.escalations.advance_chain(escalation_id)
        reached = await page_step(bot, app, escalation_id)
    return reached


async def page_step(bot: Bot, app: AppContext, escalation_id: int) -> int:
    """Send the case card to everyone at the case's current step; returns how many got it."""
    escalation = app.escalations.get(escalation_id)
    if escalation is None or escalation.status != "open" or escalation.priority == "low":
        return 0
    reply = claim_reply(app.escalations.card(escalation_id))
    reached = 0
    for person in app.escalations.targets(escalation.chain_level):
        if await send_reply(bot, person.telegram_user_id, reply) is not None:
            reached += 1
    staff_chat = app.settings.escalation.staff_chat_id
    if staff_chat is not None and await send_reply(bot, staff_chat, reply) is not None:
        reached += 1
    app.escalations.record(escalation_id, "paged", recipients=reached, chain_level=escalation.chain_level)
    if reached == 0:
        log.error("case %s: nobody could be paged at chain level %s", escalation_id, escalation.chain_level)
    return reached


async def repage_due(application: Application) -> None:
    """The scheduler's job: every unclaimed urgent case past its time moves up the chain."""
    app: AppContext = application.bot_data[APP_KEY]
    for due in app.escalations.due_for_repage():
        if app.escalations.advance_chain(due.id) is not None:
            await page(application.bot, app, due.id)
