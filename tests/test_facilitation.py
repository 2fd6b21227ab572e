"""Sessions run in the group chat, end to end through the sandbox: the check-in and
check-out rounds, the facilitators' private summary, attendance; and RSVPs with a
waiting list and cancellation notices."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.escalations import EscalationService
from bot.services.facilitation import FacilitationService
from bot.storage.models import Attendance, CheckIn, Escalation, Group, Occurrence, Round
from conftest import session_soon, titles


def group_texts(world, chat: dict) -> list[str]:
    return [m["text"] for m in world.sandbox.bot_messages(chat["id"])]


async def test_a_check_in_round_ends_with_the_right_summary_in_the_facilitators_private_chat(world):
    fay = world.person("Fay", roles=("psw",))
    ann, ben, cat = (world.person(name) for name in ("Ann", "Ben", "Cat"))
    for person in (fay, ann, ben, cat):
        world.sandbox.open_private_chat(person["id"])
    chat = await world.group("Walkers", "walk", [fay, ann, ben, cat])
    session_soon(world.db, "walk", "walk", 10, name="Thursday walk", agenda="a slow loop of the park",
                 facilitators=[fay["id"]])

    opening = await world.say(fay, "/startsession", chat_id=chat["id"])
    assert "Welcome to Thursday walk" in opening["text"] and "a slow loop of the park" in opening["text"]
    assert "ground rules" in opening["text"].lower()
    check_in = await world.sandbox.wait_for_bot_message(chat["id"], lambda m: m["text"].startswith("Check-in round"))
    assert titles(check_in) == ["1", "2", "3", "4", "5", "Pass", "Share mine"]
    assert "Noted: 4/5" in await world.tap(ann, check_in, "4", chat["id"])
    assert "Noted: 2/5" in await world.tap(ben, check_in, "2", chat["id"])
    assert "Noted: a pass" in await world.tap(cat, check_in, "Pass", chat["id"])
    shared = await world.press(ann, check_in, "Share mine", chat["id"])
    assert shared["text"] == "Ann shared their check-in: 4/5"

    check_out = await world.say(fay, "/endsession", chat_id=chat["id"])
    assert check_out["text"].startswith("Check-out round")
    await world.tap(ann, check_out, "5", chat["id"])
    await world.tap(cat, check_out, "Pass", chat["id"])
    refused = await world.tap(ann, check_out, "Finish (facilitators)", chat["id"])
    assert "only for" in refused
    assert "private chat" in await world.tap(fay, check_out, "Finish (facilitators)", chat["id"])

    summary = await world.sandbox.wait_for_bot_message(fay["id"], lambda m: m["text"].startswith("Summary"))
    text = summary["text"]
    assert "Thursday walk (Walkers)" in text
    assert "Came (3): Ann, Ben, Cat" in text
    assert "Check-in: 2 answered, 1 passed; average mood 3.0/5" in text
    assert "Check-out: 1 answered, 1 passed; average mood 5.0/5" in text
    assert "Shared with the group: 1" in text
    assert "• Ben: scored 2/5 in a session round" in text and "• Cat: passed both rounds of a session" in text
    assert titles(summary) == ["✅ Ann", "✅ Ben", "✅ Cat"]
    with world.db.session() as session:
        follow_ups = session.execute(select(Escalation.person_id, Escalation.priority)).all()
    assert sorted(follow_ups) == sorted([(world.context.people.find(u["id"]).id, "low") for u in (ben, cat)])
    in_the_group = " ".join(group_texts(world, chat))
    assert "2/5" not in in_the_group and "Ben" not in in_the_group.replace("Welcome, Ben", "")


async def test_a_round_can_be_answered_by_typing_to_the_bot_in_private(world):
    fay = world.person("Fay", roles=("psw",))
    ann, ben = world.person("Ann"), world.person("Ben")
    for person in (fay, ann, ben):
        world.sandbox.open_private_chat(person["id"])
    chat = await world.group("Walkers", "walk", [fay, ann, ben])
    session_soon(world.db, "walk", "walk", 10, name="Thursday walk", facilitators=[fay["id"]])
    assert "no round open" in (await world.say(ann, "/round 3"))["text"]
    await world.say(fay, "/startsession", chat_id=chat["id"])
    check_in = await world.sandbox.wait_for_bot_message(chat["id"], lambda m: m["text"].startswith("Check-in round"))
    assert "/round 1 to 5, /round pass or /round share in a private chat" in check_in["text"]
    assert "Noted: 3/5" in (await world.say(ann, "/round 3"))["text"]
    assert "Noted: a pass" in (await world.say(ben, "/round pass"))["text"]
    assert "Shared with the group" in (await world.say(ann, "/round share"))["text"]
    await world.sandbox.wait_for_bot_message(chat["id"], lambda m: m["text"] == "Ann shared their check-in: 3/5")
    assert "Send /round and a number" in (await world.say(ben, "/round 9"))["text"]
    after = world.last_id(ben["id"])
    typed_in_group = world.sandbox.send(chat["id"], ben["id"], "/round 2")
    await world.sandbox.wait_for_bot_message(ben["id"], lambda m: "Noted: 2/5" in m["text"], after_message_id=after)
    await world.eventually(lambda: next(m for m in world.sandbox.messages(chat["id"])
                                        if m["message_id"] == typed_in_group["message_id"])["deleted"])
    with world.db.session() as session:
        moods = sorted(session.execute(select(CheckIn.mood).where(CheckIn.source == "round_in")).scalars(),
                       key=str)
    assert moods == [2, 3]


async def test_facilitators_correct_attendance_with_the_buttons_after_the_session(world):
    fay = world.person("Fay", roles=("psw",))
    ann = world.person("Ann")
    world.sandbox.open_private_chat(fay["id"])
    chat = await world.group("Walkers", "walk", [fay, ann])
    walk = session_soon(world.db, "walk", "walk", 10, facilitators=[fay["id"]])
    await world.say(fay, "/startsession", chat_id=chat["id"])
    check_in = await world.sandbox.wait_for_bot_message(chat["id"], lambda m: m["text"].startswith("Check-in round"))
    await world.tap(ann, check_in, "3", chat["id"])
    check_out = await world.say(fay, "/endsession", chat_id=chat["id"])
    await world.tap(fay, check_out, "Finish (facilitators)", chat["id"])
    summary = await world.sandbox.wait_for_bot_message(fay["id"], lambda m: m["text"].startswith("Summary"))

    assert await world.tap(fay, summary, "✅ Ann") == "Marked as not there"
    ann_id = world.context.people.find(ann["id"]).id
    with world.db.session() as session:
        assert session.get(Attendance, (walk.id, ann_id)).present is False
    await world.eventually(lambda: titles(world.sandbox.messages(fay["id"])[-1]) == ["Ann"])


async def test_a_facilitator_wraps_up_and_marks_who_came_by_typing_alone(world):
    fay = world.person("Fay", roles=("psw",))
    ann, ben = world.person("Ann"), world.person("Ben")
    world.sandbox.open_private_chat(fay["id"])
    chat = await world.group("Walkers", "walk", [fay, ann, ben])
    walk = session_soon(world.db, "walk", "walk", 10, facilitators=[fay["id"]])
    await world.say(fay, "/startsession", chat_id=chat["id"])
    check_in = await world.sandbox.wait_for_bot_message(chat["id"], lambda m: m["text"].startswith("Check-in round"))
    await world.tap(ann, check_in, "3", chat["id"])
    await world.tap(ben, check_in, "4", chat["id"])
    check_out = await world.say(fay, "/endsession", chat_id=chat["id"])
    assert "send /endsession finish" in check_out["text"]
    assert "/endsession finish" in (await world.say(fay, "/endsession", chat_id=chat["id"]))["text"]
    assert "only" in (await world.say(ann, "/endsession finish", chat_id=chat["id"]))["text"].lower()

    done = await world.say(fay, "/endsession finish", chat_id=chat["id"])
    assert done["text"].startswith("That's the end of the session")
    summary = await world.sandbox.wait_for_bot_message(fay["id"], lambda m: m["text"].startswith("Summary"))
    assert "Or type 1 (✅ Ann), 2 (✅ Ben)." in summary["text"]
    marked = await world.say(fay, "2")
    assert marked["text"].startswith("Marked as not there: Ben.") and titles(marked) == ["✅ Ann", "Ben"]
    assert "Or type 1 (✅ Ann), 2 (Ben)." in marked["text"]
    assert (await world.say(fay, "2"))["text"].startswith("Marked as there: Ben.")
    assert "no session of this group on now" in (await world.say(fay, "/endsession finish", chat_id=chat["id"]))["text"]
    with world.db.session() as session:
        present = session.execute(select(Attendance.present).where(Attendance.occurrence_id == walk.id)).scalars()
        assert sorted(present) == [True, True]


async def test_only_the_sessions_facilitators_can_start_it_and_only_when_it_is_on(world):
    fay, pat = world.person("Fay", roles=("psw",)), world.person("Pat", roles=("psw",))
    ann = world.person("Ann")
    chat = await world.group("Walkers", "walk", [fay, pat, ann])
    early = await world.say(fay, "/startsession", chat_id=chat["id"])
    assert "no session of this group on now" in early["text"]
    session_soon(world.db, "walk", "walk", 10, facilitators=[fay["id"]])
    other_psw = await world.say(pat, "/startsession", chat_id=chat["id"])
    assert "Only this session's facilitators" in other_psw["text"]
    participant = await world.say(ann, "/startsession", chat_id=chat["id"])
    assert "only for" in participant["text"]
    with world.db.session() as session:
        assert session.execute(select(Round)).first() is None


async def test_a_waiting_list_place_and_a_cancellation_reach_people_through_telegram(world):
    ann, ben = world.person("Ann"), world.person("Ben")
    await world.say(ann, "/help")
    await world.say(ben, "/help")
    await world.group("Walkers", "walk", [ann, ben])
    walk = session_soon(world.db, "walk", "walk", 180, name="Canal walk", capacity=1)

    await world.say(ann, "/next")
    ann_offer = await world.sandbox.wait_for_bot_message(ann["id"], lambda m: "Canal walk" in m["text"])
    assert "you're going" in (await world.press(ann, ann_offer, "Going"))["text"]
    await world.say(ben, "/next")
    ben_offer = await world.sandbox.wait_for_bot_message(ben["id"], lambda m: "Canal walk" in m["text"])
    waiting = await world.press(ben, ben_offer, "Going")
    assert "full, so you're on the waiting list (number 1)" in waiting["text"]

    await world.press(ann, ann_offer, "Can't make it")
    promoted = await world.sandbox.wait_for_bot_message(ben["id"], lambda m: m["text"].startswith("Good news"))
    assert "Canal walk" in promoted["text"] and "Can't make it" in titles(promoted)

    world.context.series.cancel_occurrence(walk.id, "the towpath is flooded")
    cancelled = await world.sandbox.wait_for_bot_message(ben["id"], lambda m: "cancelled" in m["text"])
    assert "Canal walk (Walkers)" in cancelled["text"] and "the towpath is flooded" in cancelled["text"]
    assert await world.bot_says_nothing(ann["id"], world.last_id(ann["id"]), seconds=1.5), \
        "Ann said she can't come, so she isn't told"


def test_self_running_sessions_open_their_rounds_at_start_and_end_then_wrap_up(db):
    from bot.config import EscalationSettings

    with db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk", telegram_chat_id=-100, bot_status="member"))
    walk = session_soon(db, "walk", "walk", 10, auto_facilitate=True, duration_minutes=60)
    service = FacilitationService(db, EscalationService(db, EscalationSettings(), "Europe/London"),
                                  timedelta(minutes=15))
    assert service.due_rounds(walk.starts_at - timedelta(minutes=1)) == []
    assert service.due_rounds(walk.starts_at + timedelta(seconds=5)) == [(walk.id, -100, "in")]
    service.open_round(walk.id, "in", -100, None)
    assert service.due_rounds(walk.starts_at + timedelta(minutes=5)) == []
    assert service.due_rounds(walk.ends_at) == [(walk.id, -100, "out")]
    service.open_round(walk.id, "out", -100, None)
    assert service.due_wrap_ups(walk.ends_at + timedelta(minutes=14)) == []
    assert service.due_wrap_ups(walk.ends_at + timedelta(minutes=15)) == [walk.id]
    assert service.wrap_up(walk.id) is not None and service.wrap_up(walk.id) is None
    with db.session() as session:
        assert session.get(Occurrence, walk.id).status == "completed"


async def test_a_forged_round_button_from_another_group_changes_nothing(world):
    fay = world.person("Fay", roles=("psw",))
    ann, zed = world.person("Ann"), world.person("Zed")
    walkers = await world.group("Walkers", "walk", [fay, ann])
    crafters = await world.group("Crafters", "craft", [zed])
    session_soon(world.db, "walk", "walk", 10, name="Thursday walk", facilitators=[fay["id"]])
    await world.say(fay, "/startsession", chat_id=walkers["id"])
    check_in = await world.sandbox.wait_for_bot_message(walkers["id"], lambda m: m["text"].startswith("Check-in"))
    data = next(b["callback_data"] for row in check_in["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == "3")
    elsewhere = world.sandbox.bot_messages(crafters["id"])[-1]
    query = world.sandbox.press(crafters["id"], elsewhere["message_id"], zed["id"], data, forged=True)
    await world.eventually(lambda: query in world.sandbox.callback_answers)
    assert "another group" in world.sandbox.callback_answers[query]["text"]
    with world.db.session() as session:
        assert session.execute(select(Round)).scalars().first() is not None
        assert session.execute(select(CheckIn)).scalars().all() == []


async def test_damaged_or_forged_button_data_gets_a_clear_refusal_not_an_error(world):
    jo = world.person("Jo", roles=("psw",))
    help_message = await world.say(jo, "/help")
    for data in ("claim:not-a-number", "claim:99999999999999999999999", "rd:1", "rsvp:x:y:z", "debrief:4242"):
        query = world.sandbox.press(jo["id"], help_message["message_id"], jo["id"], data, forged=True)
        await world.eventually(lambda: query in world.sandbox.callback_answers)
        assert "isn't valid any more" in world.sandbox.callback_answers[query]["text"], data
