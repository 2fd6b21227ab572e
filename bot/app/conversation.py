"""The conversation layer: runs a message through the dialogue engine and carries
out the directives it returns, producing replies that any chat adapter can send.

Directives that change state (check-ins, escalations, feedback, RSVPs) run
first, so nothing is lost if sending fails afterwards; then the replies are
built in the order the dialogue model gave them.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Optional

from bot.app.callbacks import DIALOGUE, PLAN_OPEN, RSVP
from bot.app.replies import Button, Reply
from bot.app.typed_choices import hint
from bot.dialogue import contract
from bot.dialogue.contract import BotMessage, BotTurn, Directive, TurnItem
from bot.dialogue.engine import DialogueEngine, ParseResult, conversation_id
from bot.dialogue.guarded import EngineUnavailable
from bot.dialogue.priority import urgent
from bot.i18n import ENGLISH, LANGUAGES, N_, say
from bot.safety.assessment import RiskAssessment
from bot.safety.screen import SafetyScreen
from bot.services.checkins import CheckInService
from bot.services.coping import CopingService
from bot.services.crisis import CrisisDirectory
from bot.services.escalations import EscalationService
from bot.services.safety_plans import SafetyPlanService
from bot.services.sessions import SessionService
from bot.services.wording import describe_session
from bot.storage.models import Escalation, Person
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

RECENT_MOOD = timedelta(hours=6)
LOW_MOOD = 2
TREND_LENGTH = 3
CRISIS_PAYLOAD = "/crisis"
REQUEST_PAYLOAD = "/request_human"
# A request for a person, recognised without the dialogue model (when it is down).
REQUEST_WORDS = re.compile(
    r"\b(talk|speak|chat|get through)\s+(to|with)\s+(a|an|some|the|real|actual)?\s*(real\s+)?"
    r"(person|human|someone|somebody|peer supporter|psw|staff|worker)\b|\breal person\b|\bhuman please\b",
    re.IGNORECASE)
REQUEST_WORDS_WITHOUT_ENGINE = ("I've asked a peer supporter to get in touch with you here. I'm having some "
                                "trouble on my side right now, so a person may take a little longer than usual.")
NOT_UNDERSTANDING = ("I'm sorry, I'm having trouble understanding messages right now. A peer supporter can "
                     "help: press the button or type \"talk to a person\". If you need help now, the contacts "
                     "in /help are there day and night.")
FAILED_TURNS_FOR_FOLLOW_UP = 2
PLAN_OFFER = N_("You made a safety plan for times like this. Would it help to look at it? (Or type /safetyplan.)")
PLAN_BUTTON = N_("Look at my plan")
# For someone who writes in another language than English: the dialogue model reads
# English only, so the bot says so, offers a person, and pages one for risk words.
ENGLISH_ONLY = N_("I'm sorry: for now I can only chat in English, so I can't answer this properly. A peer "
                  "supporter can help: press the button or type \"person\". If you need help now, the "
                  "contacts in /help are there day and night. (/language changes the language I use.)")
TALK_BUTTON = N_("Talk to a person")
REQUEST_TAKEN = N_("I've asked a peer supporter to get in touch with you here. They may not speak your "
                   "language, but they will do their best to help.")
CONCERN_TAKEN = N_("Thank you for telling me. I can only chat in English, so I've asked a peer supporter to get in "
                   "touch with you here; they may not speak your language, but they will do their best to help. "
                   "If you need help now, the contacts in /help are there day and night.")
# A request for a person in Spanish (the bot's other language), as REQUEST_WORDS in English.
OTHER_REQUEST_WORDS = re.compile(r"\b(persona|alguien|humano|humana|equipo)\b", re.IGNORECASE)
ABOUT_OTHERS = "about someone else at risk, not the writer"
# Said by the application itself when the crisis is about someone else (the
# dialogue model's crisis words speak to the writer), or when the dialogue
# engine has failed: the crisis path never depends on the model being up.
OWN_CRISIS_WORDS = N_("Thank you for telling me. I'm a bot, so I can't keep you safe on my own, but I'm letting a "
                    "peer supporter know right now. If you're in danger or might act on these thoughts, please "
                    "contact one of these services straight away.")
OTHERS_CRISIS_WORDS = N_("Thank you for telling me; it sounds like someone you care about may be in danger. I'm a bot, "
                       "so I can't reach them myself, but I'm letting a peer supporter know now. If they are in "
                       "immediate danger, please call the emergency number below. These services can also help "
                       "you support them, and you, right now.")
STATE_CHANGING = ("record_checkin", "escalate", "coping_feedback")

@dataclass(frozen=True)
class ChatContext:
    chat_id: int
    private: bool
    group_id: Optional[int] = None
    # The message being answered ("chat:message"): a case it raises is raised once,
    # however often the message is handled (Telegram re-delivers after a crash).
    source: Optional[str] = None


@dataclass
class TurnResult:
    replies: list[Reply] = field(default_factory=list)
    directives: list[str] = field(default_factory=list)
    escalations: list[int] = field(default_factory=list)  # created this turn, to be paged
    priorities: list[str] = field(default_factory=list)  # of those escalations


def offers_a_person(replies: list[Reply]) -> bool:
    """Whether these replies offer the person a human (a "Talk to a person" button)."""
    return any(data == DIALOGUE.data(REQUEST_PAYLOAD)
               for reply in replies for row in reply.buttons for _, data in row)


def dialogue_button(title: str, payload: str) -> Optional[Button]:
    """A button that sends ``payload`` back to the dialogue model; None (logged) when it
    cannot be carried (over Telegram's 64 bytes of callback data)."""
    try:
        return title, DIALOGUE.data(payload)
    except ValueError:
        log.error("dropped a dialogue button whose payload is too long for a button: %r", payload[:80])
        return None


def button_rows(buttons: list[Optional[Button]]) -> tuple[tuple[Button, ...], ...]:
    """Short choices (the mood scale) side by side, longer ones one per row."""
    usable = [button for button in buttons if button is not None]
    if usable and len(usable) <= 5 and all(len(title) <= 6 for title, _ in usable):
        return (tuple(usable),)
    return tuple((b,) for b in usable)


# Typed replies to a session (``/rsvp N going``), as the RSVP buttons' answers, in either language.
RSVP_WORDS = {"going": "yes", "yes": "yes", "maybe": "maybe", "no": "no", "not": "no", "cant": "no", "can't": "no",
              "voy": "yes", "sí": "yes", "si": "yes", "quizá": "maybe", "quizás": "maybe", "quiza": "maybe",
              "quizas": "maybe"}
RSVP_CHOICES = ((N_("Going"), "yes"), (N_("Can't make it"), "no"), (N_("Maybe"), "maybe"))


def rsvp_reply(text: str, occurrence_id: int, language: Optional[str] = None) -> Reply:
    """A session's words with its Going / Can't make it / Maybe buttons, and how to type them:
    a list of sessions has several rows of the same buttons, so the number says which."""
    typed = say(language, N_("(Or type /rsvp {number} going, maybe or no.)"), number=occurrence_id)
    return Reply(f"{text}\n{typed}", (tuple((say(language, title), RSVP.data(occurrence_id, answer))
                                            for title, answer in RSVP_CHOICES),))


def reply_from_message(message: BotMessage, language: Optional[str] = None) -> Reply:
    """The model's message with its buttons, listed for those who type (``typed_choices``)."""
    buttons = button_rows([dialogue_button(b.title, b.payload) for b in message.buttons])
    choices = dialogue_choices(buttons)
    return Reply(f"{message.text}\n\n{hint(choices, language=language)}" if choices else message.text, buttons)


def talk_button(language: Optional[str]) -> tuple[tuple[Button, ...], ...]:
    """"Talk to a person" in the person's language: it goes to the dialogue as a request
    (and, for someone the dialogue cannot talk with, straight to a PSW)."""
    return (((say(language, TALK_BUTTON), DIALOGUE.data(REQUEST_PAYLOAD)),),)


def speaks_english(person: Person) -> bool:
    """Whether the dialogue model (English only) can talk with them."""
    return person.language in (None, ENGLISH)


def dialogue_choices(buttons: tuple[tuple[Button, ...], ...]) -> list[Button]:
    """The buttons that go back to the dialogue model: what typing their number or title sends."""
    return [button for row in buttons for button in row if button[1].startswith(DIALOGUE.prefix)]


class ConversationService:
    def __init__(self, engine: DialogueEngine, checkins: CheckInService, coping: CopingService,
                 escalations: EscalationService, sessions: SessionService, crisis: CrisisDirectory,
                 screen: SafetyScreen, plans: SafetyPlanService) -> None:
        self.engine = engine
        self.safety = screen
        self.engine_failures: dict[int, int] = {}  # person id -> turns in a row the engine failed
        self.checkins = checkins
        self.coping = coping
        self.escalations = escalations
        self.sessions = sessions
        self.crisis = crisis
        self.plans = plans

    @staticmethod
    def conversation_for(person: Person, chat: ChatContext) -> str:
        return conversation_id(chat.chat_id, person.telegram_user_id, chat.private)

    async def screen(self, text: str) -> tuple[ParseResult, RiskAssessment]:
        """The safety screen, run on every incoming text before anything else; without
        a working dialogue engine the parse reads as "no intent"."""
        parse, risk = await self.safety.screen(text, self.engine.parse)
        return parse or ParseResult(text, None, 0.0, {}), risk

    async def respond(self, person: Person, chat: ChatContext, text: str,
                      risk: Optional[RiskAssessment] = None, parse: Optional[ParseResult] = None) -> TurnResult:
        """The bot's turn. On a crisis the dialogue is steered to its crisis response
        whatever intent it would have guessed, since the screen may see more than the model;
        a crisis about someone else, or one the engine fails to answer, gets the
        application's own crisis turn, so contacts and a page never wait on the model.
        When the engine fails on an ordinary turn the person is told so honestly, with a
        route to a person (a typed request for one still reaches a PSW). ``parse`` is the
        screen's parse, so the model need not parse the same text again."""
        if risk is not None and risk.is_crisis:
            with urgent():  # the crisis turn goes ahead of everyone waiting at the engine
                turn = await self._crisis_turn(person, chat, risk)
            return self.execute(person, chat, turn, text, risk)
        if not speaks_english(person):
            return self.execute(person, chat, self._turn_in_other_language(person, text, risk), text, risk)
        if risk is not None and risk.level == "concern":
            self.flag_concern(person, chat, text, risk)
        try:
            turn = await self.engine.handle(self.conversation_for(person, chat), text, parse)
        except EngineUnavailable:
            turn = self._turn_without_engine(person, text)
        else:
            self.engine_failures.pop(person.id, None)
        return self.execute(person, chat, turn, text, risk)

    async def _crisis_turn(self, person: Person, chat: ChatContext, risk: RiskAssessment) -> BotTurn:
        if not risk.about_others and speaks_english(person):
            try:
                return await self.engine.handle(self.conversation_for(person, chat), CRISIS_PAYLOAD)
            except EngineUnavailable:
                log.warning("dialogue engine unavailable for a crisis turn; using the built-in one")
        words = say(person.language, OTHERS_CRISIS_WORDS if risk.about_others else OWN_CRISIS_WORDS)
        return BotTurn((BotMessage(words), Directive("escalate", {"priority": "urgent", "reason": "crisis"}),
                        Directive("crisis_contacts")))

    def _turn_without_engine(self, person: Person, text: str) -> BotTurn:
        """What the bot can still do with no dialogue model: hand a request for a person to
        a PSW, and otherwise say honestly that it can't understand right now. A second
        failed turn in a row becomes a follow-up, so a person is never left going round."""
        if text.strip() == REQUEST_PAYLOAD or REQUEST_WORDS.search(text):
            return BotTurn((BotMessage(REQUEST_WORDS_WITHOUT_ENGINE),
                            Directive("escalate", {"priority": "normal", "reason": "request"})))
        failures = self.engine_failures.get(person.id, 0) + 1
        self.engine_failures[person.id] = failures
        items: list[TurnItem] = [BotMessage(NOT_UNDERSTANDING, (contract.Button("Talk to a person", REQUEST_PAYLOAD),))]
        if failures == FAILED_TURNS_FOR_FOLLOW_UP:
            items.append(Directive("escalate", {"priority": "low", "reason": "misunderstanding"}))
        return BotTurn(tuple(items))

    @staticmethod
    def _turn_in_other_language(person: Person, text: str, risk: Optional[RiskAssessment]) -> BotTurn:
        """For someone who does not chat in English: a request for a person, or risk words
        short of a crisis, reach a PSW (paged, with the language on the card); anything else
        gets an honest word that the bot chats only in English, with a person one tap away."""
        language = person.language
        noted = {"language": language}
        if text.strip() == REQUEST_PAYLOAD or REQUEST_WORDS.search(text) or OTHER_REQUEST_WORDS.search(text):
            return BotTurn((BotMessage(say(language, REQUEST_TAKEN)),
                            Directive("escalate", {"priority": "normal", "reason": "request", **noted})))
        if risk is not None and risk.level == "concern":
            return BotTurn((BotMessage(say(language, CONCERN_TAKEN)),
                            Directive("escalate", {"priority": "normal", "reason": "concern", **noted}),
                            Directive("crisis_contacts")))
        return BotTurn((BotMessage(say(language, ENGLISH_ONLY),
                                   (contract.Button(say(language, TALK_BUTTON), REQUEST_PAYLOAD),)),))

    async def hold_for_human(self, conversation: str, held: bool) -> None:
        """Pause the dialogue while a PSW holds the case, resume it after. With the engine
        down this is skipped: while a case is held, the person's words go to the PSW first."""
        try:
            await (self.engine.pause(conversation) if held else self.engine.resume(conversation))
        except EngineUnavailable:
            log.warning("dialogue engine unavailable: conversation not %s", "paused" if held else "resumed")

    def flag_concern(self, person: Person, chat: ChatContext, text: str, risk: RiskAssessment) -> int:
        """A concern becomes a non-urgent follow-up task for a PSW (one open per person)."""
        concern = self.escalations.create(person.id, "low", "concern", group_id=chat.group_id,
                                          trigger_text=text, reasons=list(risk.reasons), source=chat.source)
        concern_id: int = concern.id
        return concern_id

    def execute(self, person: Person, chat: ChatContext, turn: BotTurn, text: str,
                risk: Optional[RiskAssessment] = None) -> TurnResult:
        result = TurnResult(directives=[d.name for d in turn.directives])
        for directive in turn.directives:
            if directive.name in STATE_CHANGING:
                for escalation in self._change_state(person, chat, directive, text, risk):
                    result.escalations.append(escalation.id)
                    result.priorities.append(escalation.priority)
        for item in turn.items:
            if isinstance(item, BotMessage):
                result.replies.append(reply_from_message(item, person.language))
            elif item.name not in STATE_CHANGING:
                result.replies.extend(self._replies_for(person, item))
        if set(result.priorities) - {"low"}:
            result.replies.append(Reply(self.availability("urgent" in result.priorities, person.language)))
        return result

    def availability(self, urgent: bool, language: Optional[str] = None) -> str:
        """Honest words on when a person will see this: never promise more than the rota gives."""
        hours = self.escalations.settings.support_hours
        if self.escalations.on_duty():
            return say(language, N_("A peer supporter on duty has been told and will get in touch with you here."))
        if urgent:
            return say(language, N_("Nobody from the peer support team is on duty right now (usually {hours}), so a "
                                    "person may not see this straight away. Please use the contacts above if you "
                                    "need help now: they are there day and night."), hours=hours)
        return say(language, N_("Nobody is on duty right now. Peer supporters are usually around {hours}; someone "
                                "will see this then."), hours=hours)

    def _change_state(self, person: Person, chat: ChatContext, directive: Directive, text: str,
                      risk: Optional[RiskAssessment]) -> list[Escalation]:
        """Carry out a state-changing directive; returns the escalations it created."""
        params = directive.params
        if directive.name == "record_checkin":
            self.checkins.record(person.id, params["mood"], params.get("note"), group_id=chat.group_id)
            if self._low_or_falling(person):
                return [self.escalations.create(person.id, "low", "low_mood", group_id=chat.group_id)]
        elif directive.name == "escalate":
            reasons = list(risk.reasons) if risk is not None and risk.reasons else [params["reason"]]
            if risk is not None and risk.about_others:
                reasons.insert(0, ABOUT_OTHERS)
            if params.get("language"):
                reasons.append(f"writes in {LANGUAGES.get(params['language'], params['language'])}: the bot only "
                               "chats in English")
            private = str(person.telegram_user_id)
            return [self.escalations.create(person.id, params["priority"], params["reason"], group_id=chat.group_id,
                                            conversation_id=private, trigger_text=text, reasons=reasons,
                                            source=chat.source)]
        elif directive.name == "coping_feedback":
            self.coping.rate_latest(person.id, params["helpful"])
        return []

    def _low_or_falling(self, person: Person) -> bool:
        moods = [c.mood for c in self.checkins.history(person.id, limit=TREND_LENGTH)]
        falling = len(moods) == TREND_LENGTH and all(a > b for a, b in zip(moods, moods[1:]))
        return moods[-1] <= LOW_MOOD or falling

    def _replies_for(self, person: Person, directive: Directive) -> list[Reply]:
        handlers: dict[str, Callable[[Person, Directive], list[Reply]]] = {
            "suggest_coping": self._suggest_coping,
            "crisis_contacts": self._crisis_contacts,
            "show_sessions": lambda p, d: self.upcoming_sessions(p),
            "rsvp": self._rsvp,
        }
        return handlers[directive.name](person, directive)

    def _crisis_contacts(self, person: Person, directive: Directive) -> list[Reply]:
        """The region's crisis contacts and, for someone who has made a safety plan, an offer
        to look at it: what they wrote for a moment like this may help more than a list."""
        replies = [Reply(self.crisis.message_for(person.region, person.language))]
        if self.plans.offer(person.id):
            replies.append(Reply(say(person.language, PLAN_OFFER),
                                 (((say(person.language, PLAN_BUTTON), PLAN_OPEN.data()),),)))
        return replies

    def _recent_mood(self, person: Person) -> Optional[int]:
        latest = self.checkins.history(person.id, limit=1)
        if latest and utcnow() - latest[0].created_at < RECENT_MOOD:
            mood: Optional[int] = latest[0].mood
            return mood
        return None

    def _suggest_coping(self, person: Person, directive: Directive) -> list[Reply]:
        suggestion = self.coping.suggest(person.id, self._recent_mood(person))
        if suggestion is None:
            return [Reply("I don't have a coping idea to hand right now. A peer supporter can help: just ask for a person.")]
        buttons = (("That helped", DIALOGUE.data("/coping_helped")), ("Didn't help", DIALOGUE.data("/coping_not_helped")))
        return [Reply(f"{suggestion.title}\n\n{suggestion.steps}\n\nDid that help?", (buttons,))]

    def upcoming_sessions(self, person: Person) -> list[Reply]:
        language = person.language
        upcoming = self.sessions.upcoming_for(person.id)
        if not upcoming:
            return [Reply(say(language, N_("I can't see any upcoming sessions in your groups yet.")))]
        return [Reply(say(language, N_("Coming up:")))] + [
            rsvp_reply(describe_session(s, language=language), s.occurrence_id, language) for s in upcoming]

    def _rsvp(self, person: Person, directive: Directive) -> list[Reply]:
        upcoming = self.sessions.upcoming_for(person.id, limit=1)
        if not upcoming:
            return [Reply("I can't see an upcoming session in your groups to reply to.")]
        return [self.record_rsvp(person, upcoming[0].occurrence_id, directive.params["answer"])]

    def record_rsvp(self, person: Person, occurrence_id: int, answer: str) -> Reply:
        language = person.language
        outcome = self.sessions.rsvp(person.id, occurrence_id, answer)
        if outcome is None:
            return Reply(say(language, N_(
                "I can't take a reply for that session: it may have been cancelled, already started, or belong to a "
                "group you're not in. /next shows your upcoming sessions.")))
        where = describe_session(outcome.session, with_rsvp=False, language=language)
        if outcome.status == "waitlist":
            return Reply(say(language, N_("That session is full, so you're on the waiting list (number {position}). "
                                          "I'll message you if a place comes up. {session}"),
                             position=outcome.waitlist_position, session=where))
        label = {"yes": N_("you're going"), "no": N_("you can't make it"), "maybe": N_("maybe")}[outcome.status]
        return Reply(say(language, N_("Thanks, noted: {answer}. {session}"), answer=say(language, label),
                         session=where))
