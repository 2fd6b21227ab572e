"""Paging PSWs along the escalation chain, as a use case, with the dialogue engine
stopped (paging must never need it) and Telegram replaced by an outbox that records
what would be sent. The same journeys run end to end in test_escalation.py."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app.callbacks import CLAIM
from bot.app.paging import NOBODY_REACHED, Paging
from conftest import crisis_for, someone, trail


@pytest.fixture
def services(services_without_rasa):
    return services_without_rasa


@pytest.fixture
def paging(services, outbox) -> Paging:
    return Paging(services.escalations, services.people, outbox, staff_chat_id=None, lease=timedelta(minutes=1))


async def test_a_crisis_is_paged_to_the_psw_on_duty_with_a_claim_button(services, paging, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    someone(services, "Off-duty Ann", "psw")
    sam = someone(services, "Sam")
    case_id = crisis_for(services, sam)
    assert await paging.page(case_id) == 1
    [(chat, card)] = outbox.sent
    assert chat == jo.telegram_user_id and "URGENT" in card.text and "Who: Sam" in card.text
    assert card.buttons == ((("Claim", CLAIM.data(case_id)),),)
    assert trail(services, case_id)[-1] == "paged"


async def test_an_urgent_case_nobody_on_duty_can_receive_moves_straight_to_the_coordinators(services, paging, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    priya = someone(services, "Priya", "coordinator")
    outbox.closed.add(jo.telegram_user_id)  # Jo blocked the bot
    case_id = crisis_for(services, someone(services, "Sam"))
    assert await paging.page(case_id) == 1
    assert [chat for chat, _ in outbox.sent] == [priya.telegram_user_id]
    assert services.escalations.get(case_id).chain_level == 2
    assert "re-escalated" in trail(services, case_id)


async def test_when_nobody_on_the_chain_can_be_reached_the_person_is_told_honestly(services, paging, outbox):
    sam = someone(services, "Sam")
    case_id = crisis_for(services, sam)
    assert await paging.page(case_id) == 0
    assert outbox.texts(sam.telegram_user_id) == [NOBODY_REACHED]
    assert services.escalations.get(case_id).status == "open"  # the re-page timer keeps trying


async def test_paging_a_case_again_after_a_crash_reaches_nobody_twice(services, paging, outbox):
    jo = someone(services, "Jo", "psw", on_duty=True)
    case_id = crisis_for(services, someone(services, "Sam"))
    await paging.page(case_id)
    assert await paging.page(case_id) == 1
    assert len(outbox.texts(jo.telegram_user_id)) == 1


async def test_a_page_a_crash_left_half_sent_is_sent_by_the_next_repage_check(services, outbox):
    """The process died between claiming a page and sending it, and the update's retry came
    while the claim was still fresh, so it passed the page by: the re-page check sends it."""
    jo = someone(services, "Jo", "psw", on_duty=True)
    case_id = crisis_for(services, someone(services, "Sam"))
    services.escalations.claim_page(case_id, 0, jo.telegram_user_id, timedelta(seconds=1))  # then: SIGKILL
    fresh = Paging(services.escalations, services.people, outbox, staff_chat_id=None, lease=timedelta(minutes=1))
    await fresh.page(case_id)
    await fresh.repage_due()
    assert outbox.sent == [], "a claim younger than the lease may still be in hand"
    stale = Paging(services.escalations, services.people, outbox, staff_chat_id=None, lease=timedelta(0))
    await stale.repage_due()
    assert [chat for chat, _ in outbox.sent] == [jo.telegram_user_id]
    await stale.repage_due()
    assert len(outbox.sent) == 1, "sent once"


async def test_a_follow_up_waits_in_the_queue_and_is_never_paged(services, paging, outbox):
    someone(services, "Jo", "psw", on_duty=True)
    follow_up = services.escalations.create(someone(services, "Sam").id, "low", "concern").id
    assert await paging.page(follow_up) == 0
    assert outbox.sent == []