"""Paging PSWs about escalations, and walking the chain for unclaimed urgent cases.

The rule that matters most lives here: an urgent case that nobody at its step of
the chain could receive moves on at once rather than waiting for its timer, and
when nobody on the whole chain can be reached the person is told so honestly."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Optional

from bot.app.callbacks import CLAIM
from bot.app.outbox import Outbox
from bot.app.replies import Reply
from bot.i18n import N_, say
from bot.services.escalations import CHAIN_STEPS, CaseCard, EscalationService
from bot.services.people import PeopleService
from bot.storage.models import Escalation

log = logging.getLogger(__name__)
HEADINGS = {"urgent": "🚨 URGENT: possible crisis", "normal": "A person would like to talk", "low": "Follow-up"}
NOBODY_REACHED = N_("I'm sorry: I couldn't reach any of the peer support team just now. I'll keep trying, "
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
    """The card with its Claim button, and the same as a command for those who type."""
    return Reply(f"{card_text(card)}\nClaim it with the button, or type /claim {card.escalation_id}.",
                 ((("Claim", CLAIM.data(card.escalation_id)),),))


class Paging:
    """Who gets a case's card: the PSWs at the case's step of the chain, and the staff
    chat if there is one. ``lease`` is how long a page being sent counts as in hand
    before a crash is assumed and it is sent again."""

    def __init__(self, escalations: EscalationService, people: PeopleService, outbox: Outbox,
                 staff_chat_id: Optional[int], lease: timedelta) -> None:
        self.escalations = escalations
        self.people = people
        self.outbox = outbox
        self.staff_chat_id = staff_chat_id
        self.lease = lease

    async def page(self, escalation_id: int) -> int:
        """Page the case's step of the chain, moving on while nobody there could receive it;
        returns how many have the card at the step it stopped on."""
        reached = await self.page_step(escalation_id)
        while reached == 0:
            escalation = self.escalations.get(escalation_id)
            if escalation is None or escalation.priority != "urgent" or escalation.status != "open":
                break  # a request waits in the queue for whoever comes on duty
            if escalation.chain_level >= len(CHAIN_STEPS) - 1:
                await self.nobody_reached(escalation)
                break
            self.escalations.advance_chain(escalation_id)
            reached = await self.page_step(escalation_id)
        return reached

    async def page_all(self, escalation_ids: list[int]) -> None:
        for escalation_id in escalation_ids:
            await self.page(escalation_id)

    async def nobody_reached(self, escalation: Escalation) -> None:
        """The whole chain failed: an alert for the operators, and the truth for the person
        (the re-page timer keeps trying)."""
        log.critical("ALERT case %s: nobody on the escalation chain could be paged", escalation.id)
        person = self.people.get(escalation.person_id)
        if person.telegram_user_id is not None:
            await self.outbox.send(person.telegram_user_id, [Reply(say(person.language, NOBODY_REACHED))])

    async def page_step(self, escalation_id: int) -> int:
        """Send the case card to everyone at the case's current step; returns how many have it.

        Each page is claimed in the database before it is sent, so paging the same case
        again (an update handled again after a crash) reaches only those not yet paged,
        and those whose page a crash interrupted (at least once, never silently none).
        Each recipient's failure (blocked, chat not found, timeout, server error) is
        recorded and the loop goes on: one bad chat id never keeps the case from the others."""
        escalation = self.escalations.get(escalation_id)
        if escalation is None or escalation.status != "open" or escalation.priority == "low":
            return 0
        level = escalation.chain_level
        card = claim_reply(self.escalations.card(escalation_id))
        chats = [person.telegram_user_id for person in self.escalations.targets(level)]
        attempted, failed = 0, []
        for chat_id in chats + ([self.staff_chat_id] if self.staff_chat_id is not None else []):
            page_id = self.escalations.claim_page(escalation_id, level, chat_id, self.lease)
            if page_id is None:
                continue
            attempted += 1
            sent, why = await self.outbox.try_send(chat_id, card)
            self.escalations.mark_page(page_id, sent, why)
            if not sent:
                failed.append({"chat": chat_id, "why": why})
        reached = self.escalations.pages_out(escalation_id, level)
        if attempted:
            self.escalations.record(escalation_id, "paged", recipients=reached, chain_level=level,
                                    failed=failed or None)
        if reached == 0:
            log.error("case %s: nobody could be paged at chain level %s", escalation_id, level)
        return reached

    async def repage_due(self) -> None:
        """A scheduler job: pages a crash interrupted are sent again, and every unclaimed
        urgent case past its time moves up the chain."""
        for escalation_id in self.escalations.interrupted_pages(self.lease):
            await self.page_step(escalation_id)
        for due in self.escalations.due_for_repage():
            if self.escalations.advance_chain(due.id) is not None:
                await self.page(due.id)
