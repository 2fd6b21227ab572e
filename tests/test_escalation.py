"""Human escalation end to end through the sandbox: crisis replies and pages,
the chain, claiming, the handoff relay, closing, restarts."""
from __future__ import annotations

import asyncio
import threading

from sqlalchemy import select

from bot.app.paging import card_text
from bot.services.escalations import CaseCard
from bot.storage.models import CasePage, Escalation, EscalationEvent
from conftest import escalations, events, fresh_sandbox, running_bot, titles

CRISIS = "I want to end it all"


async def staff(world, name: str, role: str = "psw", on_duty: bool = True) -> dict:
    """A staff member who has started the bot, on duty (a PSW) once the bot has said so:
    a crisis is handled before anything else waiting, so it must not overtake the /onduty."""
    user = world.person(name, roles=(role,))
    await world.say(user, "/onduty" if on_duty and role == "psw" else "/help")
    return user


async def page_for(world, user: dict, heading: str = "URGENT") -> dict:
    return await world.sandbox.wait_for_bot_message(user["id"], lambda m: heading in (m.get("text") or ""))


async def test_a_crisis_in_a_private_chat_gets_contacts_and_pages_the_on_duty_psw(world):
    psw = await staff(world, "Jo")
    await world.sandbox.wait_for_bot_message(psw["id"], lambda m: "on duty" in m["text"])
    sam = world.person("Sam")
    first = await world.say(sam, CRISIS)
    assert "bot" in first["text"].lower() or "automated" in first["text"].lower(), "honest that it is a bot"
    contacts = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Samaritans" in m["text"])
    assert "116 123" in contacts["text"] and "999" in contacts["text"]
    [case] = escalations(world)
    assert (case.priority, case.kind, case.trigger_text) == ("urgent", "crisis", CRISIS)
    card = await page_for(world, psw)
    assert "Sam" in card["text"] and CRISIS in card["text"] and titles(card) == ["Claim"]
    await world.eventually(lambda: events(world, case.id)[:2] == ["created", "paged"])


async def test_a_crisis_in_a_group_is_followed_up_in_private_not_discussed_in_the_group(world):
    psw = await staff(world, "Jo")
    sam = world.person("Sam")
    world.sandbox.send(sam["id"], sam["id"], "/help")  # Sam has a private chat with the bot
    group = world.sandbox.add_group("Walkers")
    world.sandbox.add_member(group["id"], sam["id"])
    await world.sandbox.wait_for_bot_message(group["id"], lambda m: "Welcome, Sam" in m["text"])
    line = await world.say(sam, "honestly everyone would be better off without me", chat_id=group["id"])
    assert line["text"] == "Sam, I've sent you a private message."
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Samaritans" in m["text"])
    card = await page_for(world, psw)
    assert "in Walkers" in card["text"]
    assert not any("Samaritans" in (m.get("text") or "") for m in world.sandbox.bot_messages(group["id"]))


async def test_a_crisis_from_someone_who_never_started_the_bot_tells_the_psw_so(world):
    psw = await staff(world, "Jo")
    stranger = world.sandbox.add_user("Nic")
    group = world.sandbox.add_group("Walkers")
    world.sandbox.add_member(group["id"], stranger["id"])
    await world.sandbox.wait_for_bot_message(group["id"], lambda m: "Welcome, Nic" in m["text"])
    line = await world.say(stranger, "i'm going to kill myself tonight", chat_id=group["id"])
    assert "a peer supporter will be in touch" in line["text"]
    card = await page_for(world, psw)
    assert "cannot message them privately" in card["text"]


async def test_with_nobody_on_duty_the_person_is_told_honestly_and_coordinators_are_paged(world):
    coordinator = await staff(world, "Priya", role="coordinator")
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    honest = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "on duty" in m["text"])
    assert "Nobody from the peer support team is on duty right now" in honest["text"]
    assert "day and night" in honest["text"]
    await page_for(world, coordinator)


async def test_an_unclaimed_case_is_paged_again_and_moves_along_the_chain(world):
    psw = await staff(world, "Jo")
    coordinator = await staff(world, "Priya", role="coordinator")
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    await page_for(world, psw)
    card = await world.sandbox.wait_for_bot_message(coordinator["id"], lambda m: "paging coordinators" in m["text"],
                                                    timeout=30)
    assert "URGENT" in card["text"]
    [case] = escalations(world)
    assert events(world, case.id).count("re-escalated") >= 2
    pages_to_jo = [m for m in world.sandbox.bot_messages(psw["id"]) if "URGENT" in (m.get("text") or "")]
    assert len(pages_to_jo) >= 2, "the on-duty PSW is paged again too"


async def test_claiming_relays_messages_both_ways_and_closing_hands_back_to_the_bot(world):
    psw = await staff(world, "Jo")
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    card = await page_for(world, psw)
    notice = await world.press(psw, card, "Claim")
    assert "You're now talking with Sam" in notice["text"]
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Jo, a peer supporter, is here now" in m["text"])

    [case] = escalations(world)
    engine = world.context.conversation.engine
    assert await engine.is_paused(str(sam["id"]))

    after = world.last_id(psw["id"])
    world.sandbox.send(sam["id"], sam["id"], "thanks, I'm feeling a bit calmer now")
    to_psw = await world.sandbox.wait_for_bot_message(psw["id"], after_message_id=after)
    assert to_psw["text"] == f"Sam (case #{case.id}): thanks, I'm feeling a bit calmer now"
    after = world.last_id(sam["id"])
    world.sandbox.send(psw["id"], psw["id"], "I'm glad. Shall we talk for a bit?")
    to_sam = await world.sandbox.wait_for_bot_message(sam["id"], after_message_id=after)
    assert to_sam["text"] == "Jo (peer supporter): I'm glad. Shall we talk for a bit?"
    assert "jo" not in str(to_sam.get("from", {})).lower(), "Sam sees Jo's chosen name, never Jo's account"

    closed = await world.say(psw, "/close supported talked it through, safe at home")
    assert f"Case #{case.id} closed (supported): claimed after 0 min, closed after 0 min." in closed["text"]
    assert titles(closed) == ["Log a debrief for supervision"]
    world.sandbox.press(psw["id"], closed["message_id"], psw["id"], closed["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "has ended the conversation" in m["text"])
    assert not await engine.is_paused(str(sam["id"]))
    back = await world.say(sam, "hello")
    assert "peer supporter)" not in back["text"]
    await world.eventually(lambda: "debrief_requested" in events(world, case.id))
    assert events(world, case.id)[:2] == ["created", "paged"]
    assert {"claimed", "relayed", "closed"} <= set(events(world, case.id))
    assert events(world, case.id).count("relayed") == 2
    with world.db.session() as session:
        relayed = session.execute(select(EscalationEvent.detail).where(EscalationEvent.event == "relayed")).scalars()
        assert all("text" not in detail and "I'm glad" not in str(detail) for detail in relayed), "counts, not text"
        closed_case = session.get(Escalation, case.id)
    assert closed_case.claimed_at >= closed_case.created_at and closed_case.closed_at >= closed_case.claimed_at


async def test_the_person_can_end_the_conversation_too(world):
    psw = await staff(world, "Jo")
    sam = world.person("Sam")
    await world.say(sam, "can I talk to a real person please")
    card = await page_for(world, psw, heading="would like to talk")
    await world.press(psw, card, "Claim")
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "is here now" in m["text"])
    ended = await world.say(sam, "/end")
    assert "has ended the conversation" in ended["text"]
    [case] = escalations(world)
    assert case.outcome == "ended_by_person"


async def test_a_second_claim_is_told_who_holds_the_case(world):
    jo, kim = await staff(world, "Jo"), await staff(world, "Kim")
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    jo_card, kim_card = await page_for(world, jo), await page_for(world, kim)
    await world.press(jo, jo_card, "Claim")
    query_id = world.sandbox.press(kim["id"], kim_card["message_id"], kim["id"],
                                   kim_card["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    await world.eventually(lambda: query_id in world.sandbox.callback_answers)
    assert world.sandbox.callback_answers[query_id]["text"] == "Already claimed by Jo."


async def test_a_psw_can_claim_by_typing_the_number_on_the_card(world):
    jo, kim = await staff(world, "Jo"), await staff(world, "Kim")
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    card = await page_for(world, jo)
    [case] = escalations(world)
    assert f"or type /claim {case.id}." in card["text"]
    after = world.last_id(jo["id"])
    world.sandbox.send(jo["id"], jo["id"], f"/claim {case.id}")
    await world.sandbox.wait_for_bot_message(jo["id"], lambda m: "Claimed by you." in m["text"], after_message_id=after)
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Jo, a peer supporter, is here now" in m["text"])
    assert (await world.say(kim, f"/claim {case.id}"))["text"] == "Already claimed by Jo."
    assert "Usage: /claim <case number>" in (await world.say(kim, "/claim soon"))["text"]


async def test_a_debrief_can_be_logged_by_typing_the_case_number(world):
    jo, kim = await staff(world, "Jo"), await staff(world, "Kim")
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    card = await page_for(world, jo)
    await world.press(jo, card, "Claim")
    [case] = escalations(world)
    closed = await world.say(jo, "/close supported talked it through")
    assert f"(Or type /debrief {case.id}.)" in closed["text"]
    assert "I can only log a debrief for a case you held" in (await world.say(kim, f"/debrief {case.id}"))["text"]
    assert "Logged for your next supervision" in (await world.say(jo, f"/debrief {case.id}"))["text"]
    assert "debrief_requested" in events(world, case.id)


def test_two_psws_claiming_at_the_same_instant_leaves_exactly_one_holder(db):
    from datetime import timedelta

    from bot.config import EscalationSettings
    from bot.services.escalations import EscalationService
    from bot.services.people import PeopleService

    people = PeopleService(db, [], timedelta(hours=1))
    sam, jo, kim = (people.consent(n, "uk", "Europe/London") for n in (1, 2, 3))
    service = EscalationService(db, EscalationSettings(), "Europe/London")
    case = service.create(sam.id, "urgent", "crisis")
    barrier = threading.Barrier(2)
    results = {}

    def claim(psw):
        barrier.wait()
        results[psw.id] = service.claim(case.id, psw.id)

    threads = [threading.Thread(target=claim, args=(p,)) for p in (jo, kim)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.claimed for r in results.values()) == [False, True]
    loser = next(r for r in results.values() if not r.claimed)
    assert loser.message.startswith("Already claimed by")
    assert service.get(case.id).claimed_by_id in (jo.id, kim.id)


async def test_an_escalation_its_timer_and_the_relay_survive_a_restart(inprocess_engine, tmp_path):
    sandbox = fresh_sandbox()
    await sandbox.start()
    url = f"sqlite:///{tmp_path / 'peerbot.db'}"
    try:
        async with running_bot(inprocess_engine, url, sandbox) as before:
            psw = await staff(before, "Jo")
            sam = before.person("Sam")
            await before.say(sam, CRISIS)
            first_page = await page_for(before, psw)
        async with running_bot(inprocess_engine, url, sandbox) as after:
            repaged = await sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in m["text"] and
                                                         m["message_id"] > first_page["message_id"], timeout=30)
            notice = await after.press(psw, repaged, "Claim")
            assert "You're now talking with Sam" in notice["text"]
            mark = after.last_id(psw["id"])
            sandbox.send(sam["id"], sam["id"], "still here")
            relayed = await sandbox.wait_for_bot_message(psw["id"], after_message_id=mark)
            assert relayed["text"].endswith("still here")
    finally:
        await sandbox.stop()


async def test_asking_for_a_person_pages_with_normal_priority_and_says_when(world):
    psw = await staff(world, "Jo")
    sam = world.person("Sam")
    await world.say(sam, "i'd like to speak to a human please")
    told = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "on duty" in m["text"])
    assert "A peer supporter on duty has been told" in told["text"]
    card = await page_for(world, psw, heading="would like to talk")
    [case] = escalations(world)
    assert (case.priority, case.kind) == ("normal", "request")
    assert card


async def test_a_low_check_in_becomes_a_follow_up_in_the_queue_without_paging(world):
    psw = await staff(world, "Jo")
    sam = world.person("Sam")
    scale = await world.say(sam, "I'd like to check in")
    note_question = await world.press(sam, scale, "1 😞")
    await world.press(sam, note_question, "No thanks")
    [case] = escalations(world)
    assert (case.priority, case.kind, case.reasons) == ("low", "followup", ["low_mood"])
    queue = await world.say(psw, "/queue")
    assert "Follow-up" in queue["text"] and "Sam" in queue["text"]
    assert not [m for m in world.sandbox.bot_messages(psw["id"]) if "URGENT" in (m.get("text") or "")]


async def test_the_queue_lists_urgent_cases_before_older_normal_ones(world):
    psw = await staff(world, "Jo", on_duty=False)
    sam, alex = world.person("Sam"), world.person("Alex")
    await world.say(sam, "can I talk to someone real")
    await world.say(alex, CRISIS)
    await world.eventually(lambda: len(escalations(world)) == 2)
    after = world.last_id(psw["id"])
    world.sandbox.send(psw["id"], psw["id"], "/queue")
    first = await world.sandbox.wait_for_bot_message(psw["id"], after_message_id=after)
    assert "URGENT" in first["text"] and "Alex" in first["text"]


async def test_going_on_and_off_duty_is_recorded(world):
    from bot.storage.models import DutyPeriod

    psw = world.person("Jo", roles=("psw",))
    assert "on duty" in (await world.say(psw, "/onduty"))["text"]
    assert "already on duty" in (await world.say(psw, "/onduty"))["text"]
    assert "off duty" in (await world.say(psw, "/offduty"))["text"]
    with world.db.session() as session:
        period = session.execute(select(DutyPeriod)).scalar_one()
    assert period.ended_at is not None


async def test_the_role_guide_is_shown_to_staff(world):
    psw = world.person("Jo", roles=("psw",))
    guide = await world.say(psw, "/guide")
    assert "lived experience" in guide["text"] and "escalate" in guide["text"]


def make_service(db, **settings):
    from bot.config import EscalationSettings
    from bot.services.escalations import EscalationService

    return EscalationService(db, EscalationSettings(**settings), "Europe/London")


def test_the_rota_puts_psws_on_duty_at_local_times(db):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    service = make_service(db, rota=[{"days": ["thu"], "start": "09:00", "end": "17:00", "psws": [42]}])
    london = ZoneInfo("Europe/London")
    assert service.on_rota(datetime(2026, 10, 29, 9, 30, tzinfo=london)) == {42}  # a Thursday, after the clock change
    assert service.on_rota(datetime(2026, 10, 29, 17, 0, tzinfo=london)) == set()
    assert service.on_rota(datetime(2026, 10, 30, 10, 0, tzinfo=london)) == set()


def test_a_psw_at_their_caseload_cap_cannot_claim_more(db):
    from datetime import timedelta

    from bot.services.people import PeopleService

    people = PeopleService(db, [], timedelta(hours=1))
    jo = people.consent(1, "uk", "Europe/London")
    sam, alex = people.consent(2, "uk", "Europe/London"), people.consent(3, "uk", "Europe/London")
    service = make_service(db, caseload_cap=1)
    first, second = service.create(sam.id, "normal", "request"), service.create(alex.id, "normal", "request")
    assert service.claim(first.id, jo.id).claimed
    refused = service.claim(second.id, jo.id)
    assert not refused.claimed and "caseload cap" in refused.message
    assert service.get(second.id).status == "open"


async def test_an_offer_of_a_person_met_with_silence_becomes_a_follow_up(world):
    sam = world.person("Sam")
    offer = await world.say(sam, "are you a bot?")
    assert "Talk to a person" in titles(offer)
    await world.eventually(lambda: [e.reasons for e in escalations(world)] == [["unanswered_offer"]])
    [case] = escalations(world)
    assert (case.priority, case.kind) == ("low", "followup")


async def test_an_answered_offer_needs_no_follow_up(world):
    sam = world.person("Sam")
    await world.say(sam, "are you a bot?")
    await world.say(sam, "no worries, just checking")
    await asyncio.sleep(4)  # past the (test) window of 3 s
    assert [e.reasons for e in escalations(world)] == []


async def test_a_person_chooses_their_region_and_gets_that_regions_crisis_contacts(world):
    sam = world.person("Sam")
    choices = await world.say(sam, "/region")
    assert {"United Kingdom", "Ireland", "United States", "Australia", "Canada", "Anywhere else"} <= set(titles(choices))
    irish = await world.press(sam, choices, "Ireland")
    assert "50808" in irish["text"]
    await world.say(sam, CRISIS)
    contacts = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Help you can reach now" in m["text"])
    assert "Ireland" in contacts["text"] and "Samaritans Ireland" in contacts["text"]


async def test_a_staff_chat_the_bot_cannot_reach_does_not_stop_the_psws_being_paged(world):
    psw = await staff(world, "Jo")
    world.context.settings.escalation.staff_chat_id = -100999  # no such chat: "chat not found"
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    card = await page_for(world, psw)
    assert "Sam" in card["text"]
    [case] = escalations(world)

    def pages() -> dict:
        with world.db.session() as session:
            return dict(session.execute(select(CasePage.chat_id, CasePage.status)
                                        .where(CasePage.escalation_id == case.id)).all())

    await world.eventually(lambda: pages() == {psw["id"]: "sent", -100999: "failed"})


async def test_cases_waiting_show_in_the_metrics_and_a_crisis_unclaimed_too_long_logs_an_alert(world, caplog):
    from datetime import timedelta

    from bot.storage.types import utcnow
    from bot.telegram.monitoring import alert_unclaimed_crises, metrics_text

    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    [case] = escalations(world)
    text = metrics_text(world.context)
    assert 'peerbot_cases_waiting{priority="urgent"} 1' in text and "peerbot_inbox_backlog" in text
    with world.db.session() as session, session.begin():
        session.get(Escalation, case.id).created_at = utcnow() - timedelta(minutes=20)
    with caplog.at_level("CRITICAL"):
        await alert_unclaimed_crises(world.application)
    assert f"ALERT: crisis case #{case.id} has waited 20 min unclaimed" in caplog.text


def test_a_follow_up_card_says_it_waits_in_the_queue_and_never_that_it_is_paging():
    def card(priority: str) -> str:
        return card_text(CaseCard(7, priority, "follow_up", "Robin", None, ("two low check-ins",), None, (2, 1),
                                  "on-duty PSWs", 12))

    assert "paging" not in card("low") and "not paged" in card("low")
    assert "paging on-duty PSWs" in card("urgent")
