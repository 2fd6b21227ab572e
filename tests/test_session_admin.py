"""Coordinators manage session series in Telegram (/sessions, /newsession, /cancel), end to end:
the real bot over HTTP against the sandbox, with the real database."""
from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.services.series import SeriesSpec
from bot.storage.models import Draft, Group, Occurrence, Person, SeriesFacilitator, SessionSeries
from bot.storage.types import utcnow
from conftest import button_data, titles

LONDON = ZoneInfo("Europe/London")


def count(world, model, *where) -> int:
    with world.db.session() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def row(world, model, *where):
    with world.db.session() as session:
        return session.execute(select(model).where(*where)).scalar_one()


def london_today() -> date:
    return utcnow().astimezone(LONDON).date()


def next_thursday() -> date:
    """The first Thursday after today (never today, so 10:00 is always still to come)."""
    today = london_today()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)


async def known_group(world, title: str = "Walkers") -> Group:
    """A group chat the bot has been added to (and so knows about)."""
    chat = world.sandbox.add_group(title)
    world.sandbox.set_bot_status(chat["id"], "member")
    await world.eventually(lambda: count(world, Group, Group.telegram_chat_id == chat["id"]) == 1)
    return row(world, Group, Group.telegram_chat_id == chat["id"])


async def coordinator(world, name: str = "Cora") -> dict:
    user = world.person(name, roles=("coordinator",))
    await world.say(user, "/help")  # opens the private chat with the bot
    return user


async def choose(world, user: dict, message: dict, title: str) -> None:
    """Tap a toggle button; the bot ticks it in place rather than sending a new message."""
    world.sandbox.press(user["id"], message["message_id"], user["id"], button_data(message, title))

    def ticked() -> bool:
        current = next(m for m in world.sandbox.messages(user["id"]) if m["message_id"] == message["message_id"])
        return f"✓ {title}" in titles(current)

    await world.eventually(ticked)


async def answer_up_to_the_date(world, user: dict, name: str, kind: str, group: str) -> dict:
    question = await world.say(user, "/newsession")
    assert "What is the session called?" in question["text"]
    question = await world.say(user, name)
    assert "What kind of session" in question["text"]
    question = await world.press(user, question, kind)
    assert "Which group" in question["text"]
    question = await world.press(user, question, group)
    assert "What date is the first session?" in question["text"]
    return question


async def answer_everything(world, user: dict, first: date, facilitator: str) -> dict:
    """A weekly 10:00 walk for Walkers, 90 minutes at Park gates, 12 places; returns the summary."""
    await answer_up_to_the_date(world, user, "Thursday walk", "Walking", "Walkers")
    question = await world.say(user, f"{first:%d/%m/%Y}")
    assert "What time does it start?" in question["text"]
    question = await world.say(user, "10:00")
    assert titles(question) == ["One-off", "Weekly", "Every two weeks", "Monthly", "Cancel"]
    question = await world.press(user, question, "Weekly")
    question = await world.press(user, question, "90 minutes")
    assert "Where does it happen?" in question["text"]
    question = await world.say(user, "Park gates")
    assert titles(question)[:2] == ["No limit", "6"]
    question = await world.press(user, question, "12")
    await choose(world, user, question, facilitator)
    return await world.press(user, question, "Done")


def test_a_draft_is_kept_in_the_database_so_another_process_can_carry_it_on(db):
    from bot.services.drafts import DraftService
    from bot.services.people import PeopleService

    cora = PeopleService(db, [], timedelta(hours=1)).consent(1, "uk", "Europe/London")
    DraftService(db).start(cora.id, "newsession", "name")
    DraftService(db).update(cora.id, "kind", {"name": "Walk"})
    elsewhere = DraftService(db).get(cora.id)
    assert (elsewhere.flow, elsewhere.step, elsewhere.data) == ("newsession", "kind", {"name": "Walk"})
    assert DraftService(db).start(cora.id, "newsession", "name").data == {}
    assert DraftService(db).clear(cora.id) and DraftService(db).get(cora.id) is None
    assert DraftService(db).update(cora.id, "kind", {}) is None and not DraftService(db).clear(cora.id)


async def test_a_coordinator_sets_up_a_weekly_walk_step_by_step_and_sees_it_in_sessions(world):
    walkers = await known_group(world, "Walkers")
    jo = world.person("Jo", roles=("psw",))
    cora = await coordinator(world)
    first = next_thursday()
    summary = await answer_everything(world, cora, first, "Jo")
    assert "When: every Thursday 10:00 Europe/London" in summary["text"]
    assert "Places: up to 12 people" in summary["text"] and "Facilitators: Jo" in summary["text"]
    created = await world.press(cora, summary, "Create")
    weeks = [first + timedelta(weeks=n) for n in range(3)]
    assert "Created Thursday walk for Walkers" in created["text"]
    assert all(f"{day:%a %d %b} 10:00" in created["text"] for day in weeks)

    series = row(world, SessionSeries)
    assert (series.rrule, series.kind, series.group_id, series.capacity, series.location, series.duration_minutes) \
        == ("FREQ=WEEKLY", "walking", walkers.id, 12, "Park gates", 90)
    assert series.key.startswith("thursday-walk-") and series.timezone == "Europe/London"
    jo_id = row(world, Person, Person.telegram_user_id == jo["id"]).id
    assert count(world, SeriesFacilitator, SeriesFacilitator.person_id == jo_id) == 1
    assert count(world, Draft) == 0

    listing = await world.say(cora, "/sessions")
    assert "Thursday walk (walking), Walkers" in listing["text"]
    assert "every Thursday 10:00 Europe/London" in listing["text"]
    assert "Next: " + ", ".join(f"{day:%a %d %b} 10:00" for day in weeks) in listing["text"]


async def test_a_coordinator_sets_up_a_series_by_typing_alone(world):
    """Every button of /newsession has a typed equivalent: numbers, titles, facilitators by number."""
    await known_group(world, "Walkers")
    world.person("Jo", roles=("psw",))
    world.person("Kim", roles=("psw",))
    cora = await coordinator(world)
    first = next_thursday()
    await world.say(cora, "/newsession")
    question = await world.say(cora, "Thursday walk")
    assert "Or type 1 (Walking)" in question["text"]
    await world.say(cora, "walking")
    await world.say(cora, "1")  # Walkers, the only group
    await world.say(cora, f"{first:%d/%m/%Y}")
    await world.say(cora, "10:00")
    await world.say(cora, "weekly")
    await world.say(cora, "90 minutes")
    question = await world.say(cora, "Park gates")
    assert "Or type one of: No limit, 6, 8, 10, 12, 15, 20; or cancel." in question["text"]
    question = await world.say(cora, "12")
    assert "1. Jo" in question["text"] and "2. Kim" in question["text"]
    again = await world.say(cora, "3")
    assert "Please type numbers from the list (1 to 2), or done." in again["text"]
    summary = await world.say(cora, "2, 1")
    assert "Facilitators: Kim, Jo" in summary["text"] and "Places: up to 12 people" in summary["text"]
    created = await world.say(cora, "create")
    assert "Created Thursday walk for Walkers" in created["text"]
    assert row(world, SessionSeries).rrule == "FREQ=WEEKLY" and count(world, SeriesFacilitator) == 2


async def test_no_question_of_a_finished_newsession_keeps_a_live_button(world):
    """Typed answers and the final Create retire every earlier Cancel, so none can act later."""
    await known_group(world, "Walkers")
    world.person("Jo", roles=("psw",))
    cora = await coordinator(world)
    name_question = await world.say(cora, "/newsession")
    await world.say(cora, "Thursday walk")
    asked = next(m for m in world.sandbox.messages(cora["id"]) if m["message_id"] == name_question["message_id"])
    assert titles(asked) == []
    await world.say(cora, "/newsession")  # starting again: the first attempt's question is answered too
    summary = await answer_everything(world, cora, next_thursday(), "Jo")
    await world.press(cora, summary, "Create")
    assert [m["text"][:40] for m in world.sandbox.messages(cora["id"]) if titles(m)] == []


async def test_a_date_that_cannot_be_read_or_is_past_is_asked_again_and_earlier_answers_are_kept(world):
    await known_group(world, "Makers")
    cora = await coordinator(world)
    await answer_up_to_the_date(world, cora, "Crafts circle", "Crafts", "Makers")
    again = await world.say(cora, "31/02/2027")
    assert "couldn't read" in again["text"] and "What date is the first session?" in again["text"]
    again = await world.say(cora, "2020-01-01")
    assert "in the past" in again["text"] and "What date is the first session?" in again["text"]
    draft = row(world, Draft)
    assert draft.step == "date" and draft.data["name"] == "Crafts circle" and draft.data["kind"] == "crafts"
    onwards = await world.say(cora, (london_today() + timedelta(days=1)).isoformat())
    assert "What time does it start?" in onwards["text"]
    assert row(world, Draft).step == "time"


async def test_newsession_again_starts_over_and_cancel_drops_the_draft(world):
    await known_group(world)
    cora = await coordinator(world)
    await answer_up_to_the_date(world, cora, "Walk", "Walking", "Walkers")
    restarted = await world.say(cora, "/newsession")
    assert "Starting again" in restarted["text"] and "What is the session called?" in restarted["text"]
    assert row(world, Draft).step == "name" and "name" not in row(world, Draft).data
    dropped = await world.press(cora, restarted, "Cancel")
    assert "Nothing was saved" in dropped["text"]
    assert count(world, Draft) == 0 and count(world, SessionSeries) == 0


async def test_a_series_the_service_refuses_shows_why_and_keeps_every_answer(world):
    await known_group(world, "Walkers")
    world.person("Jo", roles=("psw",))
    cora = await coordinator(world)
    summary = await answer_everything(world, cora, next_thursday(), "Jo")
    world.context.series.kinds = ["crafts"]  # e.g. the settings changed while the draft was open
    refused = await world.press(cora, summary, "Create")
    assert "I couldn't create it: kind: 'walking' is not one of crafts" in refused["text"]
    assert "Your answers are kept" in refused["text"] and titles(refused) == ["Create", "Cancel"]
    draft = row(world, Draft)
    assert draft.step == "confirm" and draft.data["name"] == "Thursday walk" and draft.data["capacity"] == 12
    assert count(world, SessionSeries) == 0


async def test_a_participant_cannot_start_a_new_session_and_nothing_is_stored(world):
    await known_group(world)
    sam = world.person("Sam")
    refused = await world.say(sam, "/newsession")
    assert "only for coordinators" in refused["text"] and "Nothing has been changed" in refused["text"]
    assert count(world, Draft) == 0 and count(world, SessionSeries) == 0


async def test_session_admin_in_a_group_chat_is_sent_to_a_private_chat(world):
    walkers = await known_group(world)
    cora = await coordinator(world)
    world.sandbox.add_member(walkers.telegram_chat_id, cora["id"])
    await world.sandbox.wait_for_bot_message(walkers.telegram_chat_id, lambda m: "Welcome, Cora" in m["text"])
    for command in ("/newsession", "/sessions", "/cancel"):
        answer = await world.say(cora, command, chat_id=walkers.telegram_chat_id)
        assert answer["text"] == "Let's do that in a private chat with me."
    assert count(world, Draft) == 0


async def test_without_a_group_chat_newsession_explains_the_bot_must_be_added_first(world):
    cora = await coordinator(world)
    answer = await world.say(cora, "/newsession")
    assert "add me to the group's Telegram chat first" in answer["text"]
    assert count(world, Draft) == 0


async def test_cancelling_a_session_from_cancel_marks_it_cancelled_and_tells_who_said_yes(world):
    walkers = await known_group(world)
    sam = world.person("Sam")
    await world.say(sam, "/help")
    person = world.context.people.find(sam["id"])
    world.context.people.join_group(person.id, walkers.invite_code)
    world.context.series.save(SeriesSpec(
        key="walk", name="Walk", kind="walking", timezone="Europe/London", start_date=next_thursday(),
        start_time=time(10, 0), duration_minutes=60, rrule="FREQ=WEEKLY", group=walkers.invite_code,
        location="Park gates"))
    first = world.context.series.upcoming("walk", limit=1)[0]
    assert world.context.conversation.sessions.rsvp(person.id, first.id, "yes") is not None
    when = f"{first.starts_at.astimezone(LONDON):%a %d %b %H:%M}"
    cora = await coordinator(world)

    listed = await world.say(cora, "/cancel")
    assert f"1. {when}: Walk (Walkers), 1 said yes" in listed["text"]
    assert titles(listed)[0] == "Cancel 1" and titles(listed)[-1] == "End series: Walk"
    confirm = await world.press(cora, listed, "Cancel 1")
    assert confirm["text"].startswith(f"Cancel Walk on {when}? 1 person said they'd come; they'll be told.")
    done = await world.press(cora, confirm, "Yes, cancel it")
    assert f"Cancelled Walk on {when}" in done["text"]
    occurrence = row(world, Occurrence, Occurrence.id == first.id)
    assert (occurrence.status, occurrence.change_note) == ("cancelled", "cancelled by the coordinators")

    notice = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "cancelled" in m["text"])
    assert "Walk (Walkers)" in notice["text"]

    query = world.sandbox.press(cora["id"], listed["message_id"], cora["id"], button_data(listed, "Cancel 1"))
    await world.eventually(lambda: query in world.sandbox.callback_answers)
    assert "already cancelled" in world.sandbox.callback_answers[query]["text"]
    assert count(world, Occurrence, Occurrence.status == "cancelled") == 1


async def test_ending_a_whole_series_from_cancel_cancels_its_future_sessions(world):
    walkers = await known_group(world)
    world.context.series.save(SeriesSpec(
        key="walk", name="Walk", kind="walking", timezone="Europe/London", start_date=next_thursday(),
        start_time=time(10, 0), duration_minutes=60, rrule="FREQ=WEEKLY", group=walkers.invite_code))
    cora = await coordinator(world)
    offer = await world.say(cora, "/cancel")
    confirm = await world.press(cora, offer, "End series: Walk")
    assert "End the whole series Walk?" in confirm["text"]
    ended = await world.press(cora, confirm, "Yes, end the series")
    assert "Ended Walk" in ended["text"]
    assert row(world, SessionSeries).cancelled_at is not None
    assert count(world, Occurrence, Occurrence.status == "scheduled") == 0
    listing = await world.say(cora, "/sessions")
    assert "no session series yet" in listing["text"]


async def test_a_coordinator_cancels_a_session_and_ends_a_series_by_typing_alone(world):
    walkers = await known_group(world)
    for key, name in (("walk", "Walk"), ("craft", "Craft")):
        world.context.series.save(SeriesSpec(
            key=key, name=name, kind="walking", timezone="Europe/London", start_date=next_thursday(),
            start_time=time(10, 0), duration_minutes=60, rrule="FREQ=WEEKLY", group=walkers.invite_code))
    cora = await coordinator(world)
    listed = await world.say(cora, "/cancel")
    assert "Or type 1 (Cancel 1), 2 (Cancel 2)" in listed["text"]
    assert "End series: Craft" in listed["text"] and "End series: Walk" in listed["text"]

    asked = await world.say(cora, "1")
    assert asked["text"].startswith("Cancel ") and "Or type 1 (Yes, cancel it), 2 (Keep it)." in asked["text"]
    assert (await world.say(cora, "keep"))["text"] == "Kept: nothing has changed."
    assert count(world, Occurrence, Occurrence.status == "cancelled") == 0

    await world.say(cora, "/cancel")
    await world.say(cora, "2")
    assert (await world.say(cora, "yes"))["text"].startswith("Cancelled ")
    assert count(world, Occurrence, Occurrence.status == "cancelled") == 1

    listed = await world.say(cora, "/cancel")
    ending = next(n for n, title in enumerate(titles(listed), start=1) if title == "End series: Walk")
    assert "End the whole series Walk?" in (await world.say(cora, str(ending)))["text"]
    assert (await world.say(cora, "yes, end the series"))["text"].startswith("Ended Walk")
    walk = row(world, SessionSeries, SessionSeries.key == "walk")
    assert walk.cancelled_at is not None
