"""Joining as a use case: the real services and database, with no Telegram and the
dialogue engine stopped (joining must not need it). The same journeys run end to end
in test_telegram_bot.py and test_people.py."""
from __future__ import annotations

import pytest

from bot.app.callbacks import DIALOGUE, NAME_FROM_TELEGRAM, QUESTIONNAIRE_CONSENT
from bot.app.onboarding import NAME_QUESTION, Onboarding
from bot.storage.models import Group
from conftest import USE_CASE_TELEGRAM_IDS as TELEGRAM_IDS


@pytest.fixture
def services(services_without_rasa):
    return services_without_rasa


@pytest.fixture
def onboarding(services) -> Onboarding:
    return Onboarding(services.people, services.conversation.crisis, services.outcomes, services.settings.service)


def buttons(reply) -> list[tuple[str, str]]:
    return [button for row in reply.buttons for button in row]


def test_nothing_is_stored_before_consent_and_the_notice_says_it_is_a_bot_with_crisis_contacts(services,
                                                                                               onboarding):
    notice = onboarding.consent_notice()
    assert "I'm a bot, not a person" in notice and "not an emergency service" in notice
    assert services.conversation.crisis.message_for(services.settings.service.default_region) in notice
    assert services.people.find(next(TELEGRAM_IDS)) is None


def test_a_new_person_is_asked_for_a_name_with_their_telegram_name_offered(onboarding):
    person = onboarding.consent(next(TELEGRAM_IDS), "en")
    welcome = onboarding.welcome(person, "", "Sam")
    [reply] = welcome.replies
    assert NAME_QUESTION in reply.text and not welcome.staff
    assert buttons(reply) == [("Use Sam", NAME_FROM_TELEGRAM.data("telegram"))]


def test_a_group_invite_carried_through_consent_makes_them_a_member(services, onboarding):
    with services.people.db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    person = onboarding.consent(next(TELEGRAM_IDS), "en")
    welcome = onboarding.welcome(person, "join_walk", "Sam")
    assert welcome.replies[0].text.startswith("You've joined Walkers.")
    assert [group.title for group in services.groups.groups_of(person.id)] == ["Walkers"]


def test_a_role_invite_makes_them_staff_and_they_are_welcomed_as_staff(services, onboarding):
    code = services.people.create_role_invite("psw", None).code
    person = onboarding.consent(next(TELEGRAM_IDS), "en")
    services.people.set_display_name(person.id, "Jo")
    welcome = onboarding.welcome(person, f"role_{code}", "Jo")
    assert welcome.staff
    [reply] = welcome.replies
    assert "You're now set up as a peer support worker" in reply.text and "/onduty" in reply.text
    assert reply.buttons == ()  # no participant buttons for staff


def test_an_invite_that_was_already_used_is_refused_plainly_and_the_person_still_joins(services, onboarding):
    code = services.people.create_role_invite("coordinator", None).code
    services.people.redeem_role_invite(onboarding.consent(next(TELEGRAM_IDS), "en").id, code)
    person = onboarding.consent(next(TELEGRAM_IDS), "en")
    welcome = onboarding.welcome(person, f"role_{code}", "Alex")
    assert not welcome.staff and NAME_QUESTION in welcome.replies[0].text
    assert welcome.replies[0].text.split("\n\n")[0] != NAME_QUESTION  # the refusal comes first


def test_someone_coming_back_gets_the_participant_buttons(services, onboarding):
    person = onboarding.consent(next(TELEGRAM_IDS), "en")
    services.people.set_display_name(person.id, "Sam")
    [reply] = onboarding.welcome(person, "", "Sam").replies
    assert reply.text == "Welcome back, Sam. What would help right now?"
    assert ("Talk to a person", DIALOGUE.data("/request_human")) in buttons(reply)


def test_a_name_is_kept_and_the_wellbeing_questions_are_offered_once(services, onboarding):
    person = onboarding.consent(next(TELEGRAM_IDS), "en")
    replies = onboarding.name(person, "Birdie")
    assert services.people.get(person.id).display_name == "Birdie"
    assert replies[0].text.startswith("Thanks, Birdie.") and "/region changes that" in replies[0].text
    assert buttons(replies[1])[0] == ("Yes, ask me", QUESTIONNAIRE_CONSENT.data("y"))  # the default measure
    services.outcomes.set_consent(person.id, False)
    assert len(onboarding.name(services.people.get(person.id), "Birdie")) == 1
