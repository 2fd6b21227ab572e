"""Handing a case to a person and back, as a use case: the real services, database
and dialogue engine (claiming pauses the dialogue, closing resumes it), with Telegram
replaced by an outbox that records what would be sent. The same journeys run end to
end in test_escalation.py."""
from __future__ import annotations

import pytest

from bot.app.callbacks import DEBRIEF
from bot.app.handoff import Handoff
from bot.storage.models import Escalation
from conftest import crisis_for, someone, trail


@pytest.fixture
def handoff(services, outbox) -> Handoff:
    return Handoff(services.escalations, services.people, services.conversation, outbox, services.plans)


def case(services, escalation_id: int) -> Escalation:
    return services.escalations.get(escalation_id)


async def test_claiming_pauses_the_dialogue_and_tells_both_sides_who_is_talking(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    sam = someone(services, "Sam")
    case_id = crisis_for(services, sam)
    claim = await handoff.claim(case_id, jo)
    assert claim.claimed and claim.card.endswith("Claimed by you.")
    assert await services.conversation.engine.is_paused(str(sam.telegram_user_id))
    assert "You're now talking with Sam" in outbox.texts(jo.telegram_user_id)[0]
    assert outbox.texts(sam.telegram_user_id)[0].startswith("Jo, a peer supporter, is here now.")
    assert case(services, case_id).claimed_by_id == jo.id


async def test_a_second_psw_cannot_claim_a_held_case_and_is_told_who_holds_it(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    kim = someone(services, "Kim", "psw", on_duty=True)
    case_id = crisis_for(services, someone(services, "Sam"))
    await handoff.claim(case_id, jo)
    late = await handoff.claim(case_id, kim)
    assert not late.claimed and late.message == "Already claimed by Jo." and late.card is None
    assert outbox.texts(kim.telegram_user_id) == []


async def test_a_psw_is_told_when_the_person_they_claimed_cannot_be_messaged(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    sam = someone(services, "Sam")
    outbox.closed.add(sam.telegram_user_id)
    await handoff.claim(crisis_for(services, sam), jo)
    assert "I can't message Sam privately" in outbox.texts(jo.telegram_user_id)[-1]


async def test_while_a_case_is_held_each_side_s_words_reach_the_other_and_are_recorded(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    sam = someone(services, "Sam")
    case_id = crisis_for(services, sam)
    await handoff.claim(case_id, jo)
    assert await handoff.relay_from_person(sam, "it's bad tonight", risky=True)
    assert await handoff.relay_from_psw(jo, "I'm here. What's happening?")
    assert outbox.texts(jo.telegram_user_id)[-1] == f"⚠️ risk language: Sam (case #{case_id}): it's bad tonight"
    assert outbox.texts(sam.telegram_user_id)[-1] == "Jo (peer supporter): I'm here. What's happening?"
    assert trail(services, case_id)[-2:] == ["relayed", "relayed"]


async def test_without_a_held_case_nothing_is_relayed_and_the_bot_answers(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    sam = someone(services, "Sam")
    assert not await handoff.relay_from_person(sam, "hello", risky=False)
    assert not await handoff.relay_from_psw(jo, "hello")
    assert outbox.sent == []


async def test_a_relay_that_cannot_be_delivered_tells_the_writer(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    sam = someone(services, "Sam")
    await handoff.claim(crisis_for(services, sam), jo)
    outbox.closed.add(jo.telegram_user_id)
    assert await handoff.relay_from_person(sam, "are you there?", risky=False)
    assert outbox.texts(sam.telegram_user_id)[-1].startswith("I couldn't pass that to Jo just now.")


async def test_closing_a_crisis_case_resumes_the_bot_and_offers_the_psw_a_debrief(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    sam = someone(services, "Sam")
    case_id = crisis_for(services, sam)
    await handoff.claim(case_id, jo)
    await handoff.close(case_id, jo, "supported", "talked it through")
    assert not await services.conversation.engine.is_paused(str(sam.telegram_user_id))
    assert outbox.texts(sam.telegram_user_id)[-1].startswith("Jo has ended the conversation. I'm here again (a bot)")
    closing = [reply for chat, reply in outbox.sent if chat == jo.telegram_user_id][-1]
    assert closing.text.startswith(f"Case #{case_id} closed (supported)") and "crisis case" in closing.text
    assert closing.buttons == ((("Log a debrief for supervision", DEBRIEF.data(case_id)),),)
    assert case(services, case_id).status == "closed"


async def test_closing_a_request_offers_no_debrief(services, handoff, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    request = services.escalations.create(someone(services, "Sam").id, "normal", "request").id
    await handoff.claim(request, jo)
    await handoff.close(request, jo, "signposted", None)
    closing = [reply for chat, reply in outbox.sent if chat == jo.telegram_user_id][-1]
    assert closing.buttons == () and "crisis" not in closing.text
