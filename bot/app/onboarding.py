"""Joining the service: consent, an invite carried through it (to a group, or to a
staff role), a name, and the wellbeing questionnaire's invitation.

Nothing is stored before consent. An invite from the link the person started
from is used once they have agreed; staff are welcomed with what their roles let
them do rather than the participants' buttons, and the adapter refreshes their
command menu as soon as they hold the role."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.app.callbacks import DIALOGUE, NAME_FROM_TELEGRAM, QUESTIONNAIRE_CONSENT
from bot.app.conversation import REQUEST_PAYLOAD, speaks_english, talk_button
from bot.app.replies import Reply
from bot.app.typed_choices import with_hint
from bot.config.sections import ServiceSettings
from bot.i18n import N_, say
from bot.services.crisis import CrisisDirectory
from bot.services.groups import JOIN_PREFIX
from bot.services.outcomes import OutcomeService
from bot.services.people import InviteError, PeopleService
from bot.services.roles import STAFF
from bot.storage.models import Person

ROLE_PREFIX = "role_"  # a start link that makes someone staff: ?start=role_<code>
ROLE_LABELS = {"psw": "a peer support worker", "coordinator": "a coordinator"}
MAIN_MENU = (
    (("Check in", DIALOGUE.data("/checkin")),),
    (("A coping idea", DIALOGUE.data("/ask_coping")),),
    (("Talk to a person", DIALOGUE.data(REQUEST_PAYLOAD)),),
)
STAFF_WELCOMES = {
    "coordinator": "As a coordinator: /groups, /sessions and /newsession run groups and sessions, "
                   "/report gives the figures, /invite adds staff.",
    "psw": "As a peer supporter: /onduty to be paged, /queue for open cases, /guide for the role guide.",
}
NAME_QUESTION = N_("What would you like us to call you? A first name or a made-up name is fine. Just type it.")
CONSENT_NOTICE = N_(
    "Hello! I'm the {service} bot.\n\n"
    "Before we start, here is what you should know:\n"
    "• I'm a bot, not a person. Peer support workers are real people, and you can ask for one at any "
    "time.\n"
    "• What I keep: your Telegram id, the name you choose, your check-ins (your mood and any words you "
    "add), your replies about sessions, and our conversation, so that peer supporters can help you.\n"
    "• Who can see it: the service's peer support workers and coordinators. Reports only ever use totals.\n"
    "• You can get a copy of your data (/mydata) or have it deleted (/forgetme) at any time.\n"
    "• I'm not an emergency service, and nobody watches this chat around the clock.\n\n"
    "{contacts}\n\n"
    "Are you happy to go ahead?")
CONTACTS_FOR = N_("The crisis contacts I show are for {place}; /region changes that.")
# For someone who does not chat in English: what the bot can do for them is reach a person.
THANKS_OTHER_LANGUAGE = N_("Thanks, {name}. For now I can only chat in English, but a peer supporter is one message "
                           "away: press the button or type \"person\".")
WELCOME_BACK = N_("Welcome back, {name}.")


def staff_welcome(roles: list[str]) -> str:
    """What a staff member's roles let them do, instead of the participants' buttons."""
    return " ".join(STAFF_WELCOMES[role] for role in roles) + " /help lists everything."


def questionnaire_question(outcomes: OutcomeService) -> Reply:
    """Whether the person will answer the wellbeing questions: entirely up to them."""
    measure = outcomes.in_use()
    every = outcomes.every.days // 7
    return with_hint(Reply(
        f"One more thing, and it's entirely up to you. To show whether the groups help, the service asks "
        f"{len(measure.items)} short questions about wellbeing now and every {every} weeks ({measure.title}). "
        "Answers are only ever reported as totals, you can skip or stop any time, and saying no changes "
        "nothing else. Would you be willing?",
        ((("Yes, ask me", QUESTIONNAIRE_CONSENT.data("y")),), (("Not for me", QUESTIONNAIRE_CONSENT.data("n")),))))


@dataclass(frozen=True)
class Welcome:
    replies: list[Reply]
    staff: bool  # the person holds a staff role: their command menu must follow


class Onboarding:
    def __init__(self, people: PeopleService, crisis: CrisisDirectory, outcomes: OutcomeService,
                 service: ServiceSettings) -> None:
        self.people = people
        self.crisis = crisis
        self.outcomes = outcomes
        self.service = service

    def consent_notice(self, language: Optional[str] = None) -> str:
        """What the bot is and keeps, asked before anything is stored, with crisis contacts:
        in the person's own language, since consent must be understood to count."""
        return say(language, CONSENT_NOTICE, service=self.service.name,
                   contacts=self.crisis.message_for(self.service.default_region, language))

    def consent(self, telegram_user_id: int, language: str) -> Person:
        return self.people.consent(telegram_user_id, self.service.default_region, self.service.default_timezone,
                                   language)

    def welcome(self, person: Person, invite: str, telegram_first_name: str) -> Welcome:
        """Use an invite carried through consent, then ask for a name or welcome them back."""
        used = self._use_invite(person, invite)
        lines = [used] if used else []
        person = self.people.get(person.id)
        staff = sorted(self.people.roles_of(person).intersection(STAFF))
        language = person.language
        if person.display_name is None:
            lines.append(say(language, NAME_QUESTION))
            use = say(language, N_("Use {name}"), name=telegram_first_name or say(language, N_("my Telegram name")))
            return Welcome([Reply("\n\n".join(lines), (((use[:40], NAME_FROM_TELEGRAM.data("telegram")),),))],
                           bool(staff))
        if staff:
            lines.append(f"Welcome back, {person.display_name}. {staff_welcome(staff)}")
            return Welcome([Reply("\n\n".join(lines))], True)
        if not speaks_english(person):
            lines.append(say(language, WELCOME_BACK, name=person.display_name))
            return Welcome([Reply("\n\n".join(lines), talk_button(language))], False)
        lines.append(f"Welcome back, {person.display_name}. What would help right now?")
        return Welcome([Reply("\n\n".join(lines), MAIN_MENU)], False)

    def name(self, person: Person, name: str) -> list[Reply]:
        """Keep the chosen name; say where the crisis contacts are for, and (once) invite
        them to the wellbeing questions."""
        self.people.set_display_name(person.id, name)
        person = self.people.get(person.id)
        language = person.language
        region, _ = self.crisis.contacts_for(person.region, language)
        staff = sorted(self.people.roles_of(person).intersection(STAFF))
        contacts = say(language, CONTACTS_FOR, place=region)
        if staff:
            thanks = Reply(f"Thanks, {name}. {staff_welcome(staff)}\n\n{contacts}")
        elif not speaks_english(person):
            thanks = Reply(f"{say(language, THANKS_OTHER_LANGUAGE, name=name)}\n\n{contacts}", talk_button(language))
        else:
            thanks = Reply(f"Thanks, {name}. I can take a mood check-in, share a coping idea, tell you about sessions, "
                           f"or get a peer supporter for you.\n\n{contacts}", MAIN_MENU)
        questionnaire = self.questionnaire_invitation(person)
        return [thanks] + ([questionnaire] if questionnaire else [])

    def questionnaire_invitation(self, person: Person) -> Optional[Reply]:
        """The questionnaire's consent question, if the service uses one and the person
        has not been asked yet."""
        if not self.outcomes.enabled or person.outcome_consent is not None or not speaks_english(person):
            return None  # the measure's questions are in English: not asked of someone who reads another
        return questionnaire_question(self.outcomes)

    def _use_invite(self, person: Person, invite: str) -> Optional[str]:
        try:
            if invite.startswith(JOIN_PREFIX):
                return f"You've joined {self.people.join_group(person.id, invite[len(JOIN_PREFIX):]).title}."
            if invite.startswith(ROLE_PREFIX):
                role = self.people.redeem_role_invite(person.id, invite[len(ROLE_PREFIX):])
                return f"You're now set up as {ROLE_LABELS[role]}. /help shows your commands."
        except InviteError as problem:
            return str(problem)
        return None
