"""Handing a case to a person and back: claim, relay, close, debrief.

Claiming pauses the dialogue model for that person, so what they write goes to the
PSW who holds the case (signed with the PSW's chosen name; both accounts stay
private); closing resumes it and, after a crisis, offers the PSW a debrief. Every
relayed message is recorded in the case's trail, delivered or not."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.app.callbacks import DEBRIEF
from bot.app.conversation import ConversationService
from bot.app.outbox import Outbox
from bot.app.paging import card_text
from bot.app.replies import Reply
from bot.services.escalations import EscalationService, minutes, name_of, timings
from bot.services.people import PeopleService
from bot.services.safety_plans import SafetyPlanService
from bot.storage.models import Escalation, Person

ENDED_BY_PERSON = "ended_by_person"


def hold_notice(escalation_id: int, name: str) -> str:
    return (f"You're now talking with {name} (case #{escalation_id}). What you send me here goes to them, "
            "signed with your chosen name; your account stays private. /close <outcome> <note> ends it "
            "and hands back to the bot.")


def unreachable(name: str) -> str:
    return (f"I can't message {name} privately: they have never started a chat with the bot. "
            "Please reach them in their group or another way.")


@dataclass(frozen=True)
class Claim:
    """What the PSW who pressed Claim sees: the card marked as theirs, or why not."""

    claimed: bool
    message: str
    card: Optional[str] = None


class Handoff:
    def __init__(self, escalations: EscalationService, people: PeopleService, conversation: ConversationService,
                 outbox: Outbox, plans: SafetyPlanService) -> None:
        self.escalations = escalations
        self.people = people
        self.conversation = conversation
        self.outbox = outbox
        self.plans = plans

    async def claim(self, escalation_id: int, psw: Person) -> Claim:
        """Exactly one PSW wins; the dialogue pauses and both sides are told who is talking."""
        result = self.escalations.claim(escalation_id, psw.id)
        case = result.escalation
        if not result.claimed or case is None:
            return Claim(False, result.message)
        person = self.people.get(case.person_id)
        await self.conversation.hold_for_human(self.dialogue_of(case, person), held=True)
        claimed = Claim(True, "It's yours", card_text(self.escalations.card(escalation_id)) + "\n\nClaimed by you.")
        await self.outbox.send(psw.telegram_user_id, [Reply(hold_notice(case.id, name_of(person)))])
        plan = self.plans.for_psw(person.id)
        if plan is not None:
            await self.outbox.send(psw.telegram_user_id, [Reply(
                f"{name_of(person)} chose to share their safety plan with whoever takes their case. Please treat "
                f"it as theirs: it's there to help you support them.\n\n{self.plans.text(plan, person.region)}")])
        told = await self.outbox.send(person.telegram_user_id, [Reply(
            f"{name_of(psw)}, a peer supporter, is here now. Anything you write here goes to them. "
            "You can end the conversation with /end.")])
        if not told:
            await self.outbox.send(psw.telegram_user_id, [Reply(unreachable(name_of(person)))])
        return claimed

    async def close(self, escalation_id: int, actor: Person, outcome: str, note: Optional[str]) -> None:
        """The bot resumes, both sides are told, and a crisis case offers the PSW a debrief."""
        case = self.escalations.close(escalation_id, actor.id, outcome, note)
        person = self.people.get(case.person_id)
        holder = self.people.get(case.claimed_by_id)
        await self.conversation.hold_for_human(self.dialogue_of(case, person), held=False)
        await self.outbox.send(person.telegram_user_id, [Reply(
            f"{name_of(holder)} has ended the conversation. I'm here again (a bot), and you can ask for a person "
            "at any time.")])
        debrief = ((("Log a debrief for supervision", DEBRIEF.data(case.id)),),) if case.kind == "crisis" else ()
        to_claim, to_close = timings(case)
        text = (f"Case #{case.id} closed ({case.outcome}): claimed after {minutes(to_claim)}, "
                f"closed after {minutes(to_close)}.")
        if debrief:
            text += (" That was a crisis case: thank you for being there. It can help to talk it through; "
                     f"would you like it logged for your next supervision? (Or type /debrief {case.id}.)")
        await self.outbox.send(holder.telegram_user_id, [Reply(text, debrief)])

    async def relay_from_person(self, person: Person, text: str, risky: bool) -> bool:
        """While a PSW holds the person's case, what they write goes to that PSW (flagged
        when it carries risk language); False when no case is held, so the bot answers."""
        case = self.escalations.held_for(person.id)
        if case is None:
            return False
        holder = self.people.get(case.claimed_by_id)
        flag = "⚠️ risk language: " if risky else ""
        sent = await self.outbox.send(holder.telegram_user_id,
                                      [Reply(f"{flag}{name_of(person)} (case #{case.id}): {text}")])
        self.escalations.record(case.id, "relayed", person.id, direction="to_psw", delivered=sent)
        if not sent:
            await self.outbox.send(person.telegram_user_id, [Reply(
                f"I couldn't pass that to {name_of(holder)} just now. Please try again in a moment, "
                "or use the contacts in /help if you need help now.")])
        return True

    async def relay_from_psw(self, psw: Person, text: str) -> bool:
        """A PSW holding a case talks to the person through the bot, under their chosen
        name; False when they hold no case."""
        case = self.escalations.held_by(psw.id)
        if case is None:
            return False
        person = self.people.get(case.person_id)
        sent = await self.outbox.send(person.telegram_user_id,
                                      [Reply(f"{name_of(psw)} (peer supporter): {text}")])
        self.escalations.record(case.id, "relayed", psw.id, direction="to_person", delivered=sent)
        if not sent:
            await self.outbox.send(psw.telegram_user_id, [Reply(unreachable(name_of(person)))])
        return True

    @staticmethod
    def dialogue_of(case: Escalation, person: Person) -> str:
        """The dialogue to pause: the one the case came from, else the person's private chat."""
        return case.conversation_id or str(person.telegram_user_id)
