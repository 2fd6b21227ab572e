"""Paging PSWs about escalations, and walking the chain for unclaimed urgent cases."""
from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.ext import Application

from bot.conversation import Reply
from bot.services.escalations import CHAIN_STEPS, CaseCard
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.sending import send_replies, try_send

log = logging.getLogger(__name__)
CLAIM_PREFIX = "claim:"
HEADINGS = {"urgent": "🚨 URGENT: possible crisis", "normal": "A person would like to talk", "low": "Follow-up"}
NOBODY_REACHED = ("I'm sorry: I couldn't reach any of the peer support team just now. I'll keep trying, "
                  "but please don't wait for us. If you need help now, use the contacts in /help: "
                  "they are there day and night.")

# Follow-ups are never paged (page_step skips them): their card must not say otherwise.
NOT_PAGED = "a follow-up, not paged: it waits here for whoever picks it up."


def card_text(card: CaseCard) -> str:
    lines = [f"{HEADINGS[card.priority]} (case #{card.escalation_id})",
             f"Who: {card.name}" + (f", in {card.group}" if card.group else ", in a private chat"),
             "Why: " + "; ".join(card.reasons)]
    if card.trigger_text:
        lines.append(f"They wrote: “{card.trigger_text[:500]}”")
    if card.recent_moods:
        lines.append("Recent check-ins: " + ", ".join(f"{m}/5" for m in card.recent_moods))
    lines.append(f"Waiting {card.waiting_minutes} min; " + (NOT_PAGED if card.priority == "low"
                                                              else f"paging {card.chain_step}."))
    return "\n".join(lines)


def claim_reply(card: CaseCard) -> Reply:
    return Reply(card_text(card), ((("Claim", f"{CLAIM_PREFIX}{card.escalation_id}"),),))


async def page(bot: Bot, app: AppContext, escalation_id: int) -> int:
    """Page the case's step of the chain; an urgent case nobody could receive moves
    straight on to the next step rather than waiting for its timer. When nobody on the
    whole chain could be reached, the person is told so honestly and an alert is logged
    (the re-page timer keeps trying)."""
    reached = await page_step(bot, app, escalation_id)
    while reached == 0:
        escalation = app.escalations.get(escalation_id)
        if escalation is None or escalation.priority != "urgent" or escalation.status != "open":
            break  # a request waits in the queue for whoever comes on duty
        if escalation.chain_level >= len(CHAIN_STEPS) - 1:
            await nobody_reached(bot, app, escalation_id)
            break
        app.escalations.advance_chain(escalation_id)
        reached = await page_step(bot, app, escalation_id)
    return reached


async def nobody_reached(bot: Bot, app: AppContext, escalation_id: int) -> None:
    log.critical("ALERT case %s: nobody on the escalation chain could be paged", escalation_id)
    person = app.people.get(app.escalations.get(escalation_id).person_id)
    if person is not None and person.telegram_user_id is not None:
        await send_replies(bot, person.telegram_user_id, [Reply(NOBODY_REACHED)])


async def page_step(bot: Bot, app: AppContext, escalation_id: int) -> int:
    """Send the case card to everyone at the case's current step; returns how many have it.

    Each page is claimed in the database before it is sent, so paging the same case
    again (an update handled again after a crash) reaches only those not yet paged,
    and those whose page a crash interrupted (at least once, never silently none).
    Each recipient's failure (blocked, chat not found, timeout, server error) is
    recorded and the loop goes on: one bad chat id never keeps the case from the others."""
    escalation = app.escalations.get(escalation_id)
    if escalation is None or escalation.status != "open" or escalation.priority == "low":
        return 0
    level = escalation.chain_level
    reply = claim_reply(app.escalations.card(escalation_id))
    chats = [person.telegram_user_id for person in app.escalations.targets(level)]
    staff_chat = app.settings.escalation.staff_chat_id
    stale_after = timedelta(seconds=app.settings.telegram.handling_lease_seconds)
    attempted, failed = 0, []
    for chat_id in chats + ([staff_chat] if staff_chat is not None else []):
        page_id = app.escalations.claim_page(escalation_id, level, chat_id, stale_after)
        if page_id is None:
            continue
        attempted += 1
        sent, why = await try_send(bot, chat_id, reply)
        app.escalations.mark_page(page_id, sent, why)
        if not sent:
            failed.append({"chat": chat_id, "why": why})
    reached = app.escalations.pages_out(escalation_id, level)
    if attempted:
        app.escalations.record(escalation_id, "paged", recipients=reached, chain_level=level,
                               **({"failed": failed} if failed else {}))
    if reached == 0:
        log.error("case %s: nobody could be paged at chain level %s", escalation_id, level)
    return reached


async def repage_due(application: Application) -> None:
    """The scheduler's job: every unclaimed urgent case past its time moves up the chain."""
    app: AppContext = application.bot_data[APP_KEY]
    for due in app.escalations.due_for_repage():
        if app.escalations.advance_chain(due.id) is not None:
            await page(application.bot, app, due.id)
