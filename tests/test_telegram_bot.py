"""The bot end to end: the real python-telegram-bot application over HTTP against
the sandbox, with the real Rasa model and a real database."""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.storage.models import CheckIn, CopingOffer, Group, InboxUpdate, Membership, Person, PersonRole
from bot.storage.types import utcnow
from bot.telegram.access import STALE_BUTTON
from conftest import session_soon, titles


def count(world, model, *where) -> int:
    with world.db.session() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


async def onboard(world, name: str = "Sam") -> dict:
    user = world.sandbox.add_user(name)
    notice = await world.say(user, "/start")
    await world.press(user, notice, "Yes, I agree")
    await world.say(user, name)
    await world.sandbox.wait_for_bot_message(user["id"], lambda m: "wellbeing" in m.get("text", ""))
    return user


def welcome_of(world, user: dict) -> dict:
    return next(m for m in world.sandbox.bot_messages(user["id"]) if m.get("text", "").startswith("Thanks,"))


async def test_start_explains_what_is_stored_and_stores_nothing_before_consent(world):
    user = world.sandbox.add_user("Robin")
    notice = await world.say(user, "/start")
    assert "I'm a bot, not a person" in notice["text"]
    assert "not an emergency service" in notice["text"]
    assert "Samaritans" in notice["text"] and "116 123" in notice["text"]
    assert titles(notice) == ["Yes, I agree", "No thanks"]
    assert count(world, Person) == 0


async def test_declining_consent_stores_nothing_and_says_how_to_come_back(world):
    user = world.sandbox.add_user("Robin")
    notice = await world.say(user, "/start")
    answer = await world.press(user, notice, "No thanks")
    assert "haven't stored anything" in answer["text"]
    assert count(world, Person) == 0


async def test_consent_then_a_chosen_name_completes_onboarding(world):
    user = world.sandbox.add_user("Robin")
    notice = await world.say(user, "/start")
    question = await world.press(user, notice, "Yes, I agree")
    assert "What would you like us to call you?" in question["text"]
    welcome = await world.say(user, "Birdie")
    assert "Thanks, Birdie" in welcome["text"]
    assert {"Check in", "A coping idea", "Talk to a person"} <= set(titles(welcome))
    with world.db.session() as session:
        person = session.execute(select(Person)).scalar_one()
    assert person.display_name == "Birdie" and person.consented_at is not None


async def test_joining_and_checking_in_work_by_typing_alone(world):
    """Consent, the check-in scale and its "No thanks" each say what can be typed instead."""
    user = world.sandbox.add_user("Robin")
    notice = await world.say(user, "/start")
    assert "Or type 1 (Yes, I agree), 2 (No thanks)." in notice["text"]
    question = await world.say(user, "Yes")
    assert "What would you like us to call you?" in question["text"]
    pressed_later = next(m for m in world.sandbox.messages(user["id"]) if m["message_id"] == notice["message_id"])
    assert titles(pressed_later) == [], "the consent buttons go once it is answered by typing"
    await world.say(user, "Robin")
    await world.sandbox.wait_for_bot_message(user["id"], lambda m: "wellbeing" in m.get("text", ""))
    scale = await world.say(user, "check in")
    assert scale["text"].endswith("Or type 1 to 5.")
    note_question = await world.say(user, "2")
    assert note_question["text"].endswith("Or type 1 (No thanks).")
    await world.say(user, "1")
    with world.db.session() as session:
        checkin = session.execute(select(CheckIn)).scalar_one()
    assert (checkin.mood, checkin.note) == (2, None)


async def test_declining_by_typing_stores_nothing(world):
    user = world.sandbox.add_user("Robin")
    await world.say(user, "/start")
    answer = await world.say(user, "no thanks")
    assert "haven't stored anything" in answer["text"]
    assert count(world, Person) == 0


async def test_the_region_can_be_typed(world):
    sam = world.person("Sam")
    question = await world.say(sam, "/region")
    assert "(Or type /region and the place, for example /region United Kingdom.)" in question["text"]
    contacts = await world.say(sam, "/region ireland")
    assert "Help you can reach now (Ireland)" in contacts["text"]
    assert world.context.people.find(sam["id"]).region == "ie"
    unknown = await world.say(sam, "/region Atlantis")
    assert "I don't know that place" in unknown["text"] and "Anywhere else" in unknown["text"]


@pytest.mark.parametrize("name", ["Marguerite", "Riley08"])
async def test_a_name_the_dialogue_model_reads_as_a_mood_is_still_taken_as_the_name(world, name):
    user = world.sandbox.add_user("Robin")
    notice = await world.say(user, "/start")
    await world.press(user, notice, "Yes, I agree")
    welcome = await world.say(user, name)
    assert f"Thanks, {name}" in welcome["text"]
    with world.db.session() as session:
        assert session.execute(select(Person.display_name)).scalar_one() == name


async def test_a_group_invite_link_joins_the_group_after_consent(world):
    with world.db.session() as session, session.begin():
        session.add(Group(title="Riverside Walkers", invite_code="walk123"))
    user = world.sandbox.add_user("Robin")
    notice = await world.say(user, "/start join_walk123")
    joined = await world.press(user, notice, "Yes, I agree")
    assert "You've joined Riverside Walkers" in joined["text"]


def members_of(world, chat_id: int) -> set[str]:
    """Names of the people the bot counts as current members of that chat's group."""
    with world.db.session() as session:
        return set(session.execute(
            select(Person.display_name).join(Membership, Membership.person_id == Person.id)
            .join(Group, Group.id == Membership.group_id)
            .where(Group.telegram_chat_id == chat_id, Membership.left_at.is_(None))).scalars())


async def test_joining_a_group_chat_and_starting_from_its_welcome_link_makes_a_member_who_gets_reminders(world):
    chat = world.sandbox.add_group("Riverside Walkers")
    lee = world.sandbox.add_user("Lee")
    world.sandbox.add_member(chat["id"], lee["id"])
    welcome = await world.sandbox.wait_for_bot_message(chat["id"], lambda m: "Welcome, Lee" in m["text"])
    [payload] = re.findall(r"\?start=(join_[\w-]+)", welcome["text"])
    notice = await world.say(lee, f"/start {payload}")
    joined = await world.press(lee, notice, "Yes, I agree")
    assert "You've joined Riverside Walkers" in joined["text"]
    await world.say(lee, "Lee")
    assert members_of(world, chat["id"]) == {"Lee"}
    code = world.context.groups.for_chat(chat["id"]).invite_code
    session_soon(world.db, "riverside", code, 55, reminder_offsets_minutes=[60])  # its reminder is due now
    reminder = await world.sandbox.wait_for_bot_message(lee["id"], lambda m: m["text"].startswith("Reminder"))
    assert "Are you coming?" in reminder["text"]


async def test_someone_already_with_us_joining_a_group_chat_is_a_member_at_once_and_leaving_ends_it(world):
    kim = await onboard(world, "Kim")
    chat = world.sandbox.add_group("Crafters")
    world.sandbox.add_member(chat["id"], kim["id"])
    await world.eventually(lambda: members_of(world, chat["id"]) == {"Kim"})
    world.sandbox.remove_member(chat["id"], kim["id"])
    await world.eventually(lambda: members_of(world, chat["id"]) == set())


async def test_a_check_in_with_the_mood_buttons_is_stored(world):
    user = await onboard(world)
    welcome = welcome_of(world, user)
    scale = await world.press(user, welcome, "Check in")
    assert titles(scale) == ["1 😞", "2 🙁", "3 😐", "4 🙂", "5 😄"]
    note_question = await world.press(user, scale, "3 😐")
    done = await world.press(user, note_question, "No thanks")
    assert done["text"]
    with world.db.session() as session:
        checkin = session.execute(select(CheckIn)).scalar_one()
    assert (checkin.mood, checkin.note) == (3, None)
    pressed = next(m for m in world.sandbox.messages(user["id"]) if m["message_id"] == welcome["message_id"])
    assert pressed.get("reply_markup") in (None, {}, {"inline_keyboard": []}), \
        "a pressed keyboard is retired so it cannot be pressed twice"


async def test_a_check_in_typed_in_words_keeps_the_mood_and_the_note(world):
    user = await onboard(world)
    await world.say(user, "feeling pretty rubbish today")
    reply = await world.say(user, "didn't sleep much")
    assert {"A coping idea", "Talk to a person"} <= set(titles(reply)), "a low mood is offered help"
    with world.db.session() as session:
        checkin = session.execute(select(CheckIn)).scalar_one()
    assert (checkin.mood, checkin.note) == (2, "didn't sleep much")


async def test_a_coping_idea_comes_from_the_library_and_asks_if_it_helped(world):
    user = await onboard(world)
    welcome = welcome_of(world, user)
    await world.press(user, welcome, "A coping idea")
    idea = await world.sandbox.wait_for_bot_message(user["id"], lambda m: "Did that help?" in (m.get("text") or ""))
    assert titles(idea) == ["That helped", "Didn't help"]
    await world.press(user, idea, "That helped")
    with world.db.session() as session:
        offer = session.execute(select(CopingOffer)).scalar_one()
    assert offer.helpful is True


async def test_in_a_group_the_bot_stays_quiet_until_addressed(world):
    user = await onboard(world, "Kim")
    group = world.sandbox.add_group("Crafts Circle")
    world.sandbox.add_member(group["id"], user["id"])
    await world.sandbox.wait_for_bot_message(group["id"], lambda m: "Welcome, Kim" in m["text"])
    after = world.last_id(group["id"])
    world.sandbox.send(group["id"], user["id"], "anyone bringing biscuits on tuesday?")
    assert await world.bot_says_nothing(group["id"], after)
    mention = await world.say(user, f"@{world.sandbox.bot_user['username']} are you a bot?", chat_id=group["id"])
    assert "bot" in mention["text"].lower()
    replied = await world.say(user, "hello", chat_id=group["id"], reply_to_message_id=mention["message_id"])
    assert replied["text"]


async def test_new_group_members_are_welcomed_with_the_ground_rules(world):
    group = world.sandbox.add_group("Walkers")
    user = world.sandbox.add_user("Lee")
    world.sandbox.add_member(group["id"], user["id"])
    welcome = await world.sandbox.wait_for_bot_message(group["id"], lambda m: "Welcome, Lee" in m["text"])
    assert "ground rules" in welcome["text"] and "not a person" in welcome["text"]


async def test_the_bot_records_being_removed_from_and_added_to_a_group(world):
    group = world.sandbox.add_group("Gardening")
    world.sandbox.set_bot_status(group["id"], "kicked")
    await world.eventually(lambda: count(world, Group, Group.bot_status == "kicked") == 1)
    world.sandbox.set_bot_status(group["id"], "administrator")
    hello = await world.sandbox.wait_for_bot_message(group["id"], lambda m: "I'm the group's bot" in m["text"])
    code = world.context.groups.for_chat(group["id"]).invite_code
    assert f"?start=join_{code}" in hello["text"], "the group's own link, so starting from it joins the group"


async def test_a_coordinators_groups_command_lists_members_next_session_and_join_link(world):
    members = [await onboard(world, "Ana"), await onboard(world, "Ben")]
    chat = await world.group("Riverside Walkers", "walk42", members)
    session_soon(world.db, "riverside", "walk42", 90, name="Thursday walk")
    priya = world.person("Priya", roles=("coordinator",))
    answer = await world.say(priya, "/groups")
    assert "Riverside Walkers" in answer["text"] and "members: 2" in answer["text"]
    assert "next session: Thursday walk, " in answer["text"]
    assert f"https://t.me/{world.sandbox.bot_user['username']}?start=join_walk42" in answer["text"]
    assert chat["id"]


async def test_someone_who_never_pressed_start_is_pointed_to_a_private_chat(world):
    stranger = world.sandbox.add_user("Nic")
    group = world.sandbox.add_group("Walkers")
    world.sandbox.add_member(group["id"], stranger["id"])
    await world.sandbox.wait_for_bot_message(group["id"], lambda m: "Welcome, Nic" in m["text"])
    answer = await world.say(stranger, f"@{world.sandbox.bot_user['username']} hi", chat_id=group["id"])
    assert "open a private chat first" in answer["text"] and "?start=" in answer["text"]
    private = await world.say(stranger, "hello?")
    assert "press /start" in private["text"]


async def test_edits_stickers_and_oversized_messages_get_a_clear_answer(world):
    user = await onboard(world)
    sent = world.sandbox.send(user["id"], user["id"], "hello")
    await world.sandbox.wait_for_bot_message(user["id"], after_message_id=sent["message_id"])
    after = world.last_id(user["id"])
    world.sandbox.edit(user["id"], sent["message_id"], "hello again")
    edited = await world.sandbox.wait_for_bot_message(user["id"], after_message_id=after)
    assert "edited a message" in edited["text"]
    sticker = await world.say(user, None, kind="sticker")
    assert "only read text" in sticker["text"] and titles(sticker) == ["Talk to a person"]
    long = await world.say(user, "I need to talk. " * 400)
    assert "long message" in long["text"]


async def test_an_unknown_command_is_answered(world):
    user = await onboard(world)
    answer = await world.say(user, "/frobnicate")
    assert "don't know that command" in answer["text"]


async def test_a_429_from_telegram_is_waited_out_and_the_message_still_arrives(world):
    user = await onboard(world)
    world.sandbox.add_fault("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, count=1)
    answer = await world.say(user, "/help")
    assert "not an emergency service" in answer["text"]
    assert world.sandbox.stats["injected_faults"] == 1


async def test_a_failed_update_is_handled_again_and_the_person_still_gets_the_answer(world):
    user = await onboard(world)
    world.sandbox.add_fault("sendMessage", 400, "Bad Request: something unexpected", count=1)
    answer = await world.say(user, "/help")
    assert "not an emergency service" in answer["text"]

    def latest():
        with world.db.session() as session:
            row = session.execute(select(InboxUpdate).order_by(InboxUpdate.id.desc())).scalars().first()
            return row.status, row.attempts, row.payload

    await world.eventually(lambda: latest()[0] == "done")
    assert latest() == ("done", 2, None), "done at the second attempt, and the words no longer kept"


async def test_an_update_that_keeps_failing_is_quarantined_and_the_person_told(world):
    user = await onboard(world)
    world.sandbox.add_fault("sendMessage", 400, "Bad Request: something unexpected", count=3)
    apology = await world.say(user, "/help")
    assert "something went wrong on my side" in apology["text"]
    with world.db.session() as session:
        row = session.execute(select(InboxUpdate).where(InboxUpdate.status == "poison")).scalar_one()
    assert row.attempts == 3 and "something unexpected" in row.error.lower() and row.payload is not None


async def test_an_update_telegram_delivers_twice_is_handled_once(world):
    from bot.services.inbox import Arrival

    user = await onboard(world)
    sent = world.sandbox.send(user["id"], user["id"], "/help")
    reply = await world.sandbox.wait_for_bot_message(user["id"], after_message_id=sent["message_id"])
    with world.db.session() as session:
        row = session.execute(select(InboxUpdate).order_by(InboxUpdate.id.desc())).scalars().first()
    again = {"update_id": row.update_id, "message": {**sent, "chat": {"id": user["id"], "type": "private"}}}
    world.context.inbox.store([Arrival(row.update_id, again, user["id"])])
    assert await world.bot_says_nothing(user["id"], reply["message_id"], seconds=2)


async def test_a_role_invite_is_single_use(world):
    coordinator = world.person("Priya", roles=("coordinator",))
    link = await world.say(coordinator, "/invite psw")
    code = link["text"].split("start=")[1].split()[0]
    newcomer = world.sandbox.add_user("Jo")
    notice = await world.say(newcomer, f"/start {code}")
    granted = await world.press(newcomer, notice, "Yes, I agree")
    assert "peer support worker" in granted["text"]
    assert count(world, PersonRole, PersonRole.role == "psw") == 1
    assert "invite" not in [c["command"] for c in world.sandbox.commands[f"chat:{newcomer['id']}"]]
    again = world.sandbox.add_user("Max")
    notice = await world.say(again, f"/start {code}")
    refused = await world.press(again, notice, "Yes, I agree")
    assert "already been used" in refused["text"]
    assert count(world, PersonRole, PersonRole.role == "psw") == 1


async def test_command_menus_are_set_per_role(world):
    from bot.telegram.application import post_init

    coordinator = world.person("Priya", roles=("coordinator",))
    await post_init(world.application)
    default = [c["command"] for c in world.sandbox.commands["default"]]
    assert "invite" not in default and {"start", "help", "mood"} <= set(default)
    assert "invite" in [c["command"] for c in world.sandbox.commands[f"chat:{coordinator['id']}"]]


async def test_privacy_mode_on_is_warned_about_loudly_at_start_up(world, caplog):
    from bot.telegram.application import check_privacy_mode

    world.sandbox.bot_user["can_read_all_group_messages"] = False
    with caplog.at_level(logging.WARNING):
        await check_privacy_mode(world.application)
    assert "PRIVACY MODE IS ON" in caplog.text and "/setprivacy" in caplog.text


async def test_in_webhook_mode_updates_need_telegrams_secret_token(world):
    import httpx
    from aiohttp import web

    from bot.telegram.application import webhook_app
    from bot.telegram.intake import INTAKE_KEY
    from conftest import free_port

    port = free_port()
    runner = web.AppRunner(webhook_app(world.application.bot_data[INTAKE_KEY], "s3cret"))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            forged = await client.post(url, json={"update_id": 999, "message": {}})
            assert forged.status_code == 403
        await world.application.bot.set_webhook(url, secret_token="s3cret")
        user = await onboard(world)
        answer = await world.say(user, "/help")
        assert "not an emergency service" in answer["text"]
    finally:
        await world.application.bot.delete_webhook()
        await runner.cleanup()


async def test_the_demo_data_gives_two_groups_with_upcoming_sessions_and_a_psw_on_duty(world):
    from bot.sandbox.demo import seed_demo

    seed_demo(world.sandbox, world.context)
    sam = next(u for u in world.sandbox.users.values() if u["first_name"] == "Sam")
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Welcome back, Sam" in m["text"])
    sessions = await world.say(sam, "/next")
    assert sessions["text"] == "Coming up:"
    first = await world.sandbox.wait_for_bot_message(sam["id"], after_message_id=sessions["message_id"])
    assert titles(first) == ["Going", "Can't make it", "Maybe"]
    assert [p.display_name for p in world.context.escalations.on_duty()] == ["Jo"]


async def test_the_demo_history_is_big_enough_for_every_report_figure_and_chart(world):
    """Below the small-cell limit a report rightly shows nothing, so the demo must clear it."""
    from bot.sandbox.demo import seed_demo
    from bot.services.report_charts import report_charts

    seed_demo(world.sandbox, world.context)
    reports = world.context.reports
    report = reports.build(utcnow() - timedelta(days=30), utcnow(), timezone="Europe/London")
    assert set(report_charts(report)) == {"attendance", "mood", "escalations"}
    assert report.series and all(s.total_present is not None for s in report.series)
    assert any(week.mean_mood is not None for trend in report.trends for week in trend.weeks)
    jo = next(row for row in report.caseload if row.name == "Jo")
    assert jo.closed == 6 and 100 < jo.duty_hours < 30 * 24  # weekday shifts, and the one Jo is on now


async def test_a_due_reminder_arrives_once_with_rsvp_buttons_that_work(world):
    from bot.storage.models import Rsvp

    with world.db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    sam = world.person("Sam")
    await world.say(sam, "/help")
    person = world.context.people.find(sam["id"])
    world.context.people.join_group(person.id, "walk")
    session_soon(world.db, "walk", "walk", 60, location="Park gates", reminder_offsets_minutes=[60])
    reminder = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: m["text"].startswith("Reminder"))
    assert "Walk (Walkers)" in reminder["text"] and "Park gates" in reminder["text"]
    confirmed = await world.press(sam, reminder, "Going")
    assert "you're going" in confirmed["text"]
    assert count(world, Rsvp, Rsvp.status == "yes") == 1
    await asyncio.sleep(1.5)
    assert len([m for m in world.sandbox.bot_messages(sam["id"]) if m["text"].startswith("Reminder")]) == 1


async def test_a_session_can_be_replied_to_by_typing_its_number(world):
    from bot.storage.models import Rsvp

    with world.db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    sam = world.person("Sam")
    world.context.people.join_group(world.context.people.find(sam["id"]).id, "walk")
    walk = session_soon(world.db, "walk", "walk", 120, location="Park gates")
    after = world.last_id(sam["id"])
    world.sandbox.send(sam["id"], sam["id"], "/next")
    listed = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Park gates" in m["text"],
                                                      after_message_id=after)
    assert f"(Or type /rsvp {walk.id} going, maybe or no.)" in listed["text"]
    assert "you're going" in (await world.say(sam, f"/rsvp {walk.id} going"))["text"]
    assert "maybe" in (await world.say(sam, f"/rsvp {walk.id} Maybe"))["text"]
    assert "Send /rsvp, the session's number" in (await world.say(sam, "/rsvp soon"))["text"]
    assert count(world, Rsvp, Rsvp.status == "maybe") == 1


async def test_a_reminder_for_an_online_session_gives_its_link_the_way_next_does(world):
    """An online-only session once got "place to be confirmed" in its reminder while /next
    showed the link: both now word the same SessionView."""
    with world.db.session() as session, session.begin():
        session.add(Group(title="Makers", invite_code="make"))
    sam = world.person("Sam")
    await world.say(sam, "/help")
    world.context.people.join_group(world.context.people.find(sam["id"]).id, "make")
    session_soon(world.db, "make", "make", 55, online_link="https://meet.example/makers",
                 reminder_offsets_minutes=[60])
    reminder = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: m["text"].startswith("Reminder"))
    assert "online: https://meet.example/makers" in reminder["text"] and "to be confirmed" not in reminder["text"]
    await world.say(sam, "/next")
    listed = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: m["text"].startswith("Make (Makers)"))
    assert listed["text"].split("\n(Or type")[0] in reminder["text"]


async def test_a_bootstrap_coordinator_gets_the_coordinator_menu_and_welcome_without_a_restart(world):
    user = world.sandbox.add_user("Priya")
    world.context.people.bootstrap_coordinators.add(user["id"])  # as roles.bootstrap_coordinators would
    notice = await world.say(user, "/start")
    await world.press(user, notice, "Yes, I agree")
    await world.say(user, "Priya")
    thanks = await world.sandbox.wait_for_bot_message(user["id"], lambda m: "Thanks, Priya" in m["text"])
    assert "As a coordinator" in thanks["text"] and not titles(thanks), "no participant buttons"
    menu = [c["command"] for c in world.sandbox.commands[f"chat:{user['id']}"]]
    assert {"report", "groups", "newsession"} <= set(menu)
    await world.say(user, "/start")
    again = await world.sandbox.wait_for_bot_message(user["id"], lambda m: "Welcome back, Priya" in m["text"])
    assert "As a coordinator" in again["text"] and "Check in" not in titles(again)


async def test_a_psws_start_shows_what_a_peer_supporter_can_do_not_the_participant_buttons(world):
    jo = world.person("Jo", roles=("psw",))
    welcome = await world.say(jo, "/start")
    assert "As a peer supporter: /onduty" in welcome["text"] and titles(welcome) == []


async def test_use_my_telegram_name_after_typing_a_name_is_refused_and_keeps_the_typed_one(world):
    user = world.sandbox.add_user("Morgan")
    notice = await world.say(user, "/start")
    name_question = await world.press(user, notice, "Yes, I agree")
    await world.say(user, "Robin")
    popup = await world.tap(user, name_question, "Use Morgan")
    assert popup == STALE_BUTTON
    with world.db.session() as session:
        assert session.execute(select(Person.display_name)).scalar_one() == "Robin"


async def test_a_check_in_note_typed_instead_of_pressing_no_thanks_retires_that_button(world):
    user = await onboard(world)
    scale = await world.press(user, welcome_of(world, user), "Check in")
    note_question = await world.press(user, scale, "3 😐")
    assert "No thanks" in titles(note_question)
    await world.say(user, "slept badly but the walk helped")
    await world.eventually(lambda: not titles(next(m for m in world.sandbox.messages(user["id"])
                                                   if m["message_id"] == note_question["message_id"])))


async def test_a_break_holds_reminders_and_ends_with_a_gentle_check_in(world):
    from sqlalchemy import update

    from bot.storage.models import ReminderDelivery

    with world.db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    sam = world.person("Sam")
    person = world.context.people.find(sam["id"])
    world.context.people.join_group(person.id, "walk")
    taken = await world.say(sam, "/break 3")
    assert "no session reminders or wellbeing questions until" in taken["text"] and "/break off" in taken["text"]
    session_soon(world.db, "walk", "walk", 60, reminder_offsets_minutes=[60])
    await world.eventually(lambda: count(world, ReminderDelivery, ReminderDelivery.error == "on a break") == 1)
    assert not [m for m in world.sandbox.bot_messages(sam["id"]) if m["text"].startswith("Reminder")]

    with world.db.session() as session, session.begin():  # three days later
        session.execute(update(Person).where(Person.id == person.id).values(break_until=utcnow()))
    back = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Your break has ended" in m["text"])
    assert "Or type 1 (Check in)" in back["text"]
    scale = await world.say(sam, "1")
    assert scale["text"].endswith("Or type 1 to 5."), "the check-in scale"
    assert world.context.people.find(sam["id"]).break_until is None


async def test_a_break_can_end_early_and_its_length_is_checked(world):
    sam = world.person("Sam")
    assert "from 1 to 90" in (await world.say(sam, "/break 365"))["text"]
    await world.say(sam, "/break")
    assert world.context.people.find(sam["id"]).break_until is not None
    assert "Your break is over" in (await world.say(sam, "/break off"))["text"]
    assert world.context.people.find(sam["id"]).break_until is None
