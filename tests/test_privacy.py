"""People's rights over their data, on SQLite and PostgreSQL: /mydata gives them
everything held; after /forgetme no row anywhere (the dialogue history included)
holds their Telegram id, name or words; raw words expire after the retention period."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import MetaData, insert, select, update

from bot.dialogue.history import DialogueHistory
from bot.dialogue.inprocess import tracker_store_for
from bot.services.checkins import CheckInService
from bot.services.coping import CopingService
from bot.services.crisis import CrisisDirectory
from bot.services.escalations import EscalationService
from bot.services.people import PeopleService
from bot.services.privacy import PrivacyService
from bot.services.safety_plans import SafetyPlanService
from bot.services.sessions import SessionService
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.models import (
    AuditEntry,
    CheckIn,
    CopingStrategy,
    Draft,
    Escalation,
    Group,
    MessageFlag,
    OutcomeResponse,
    PendingChoice,
    Person,
    SafetyPlan,
)
from bot.storage.sealing import Sealer
from bot.storage.types import utcnow
from conftest import PROJECT_ROOT, fresh_sandbox, running_bot, session_soon

TELEGRAM_ID = 987_654_321
NAME = "Zephyrine"
WORDS = ("marmalade", "lighthouse", "tangerine", "periwinkle")  # one per place their words are kept
SEALER = Sealer(Fernet.generate_key())  # safety plans are sealed: their words are never in a cell as written


def traces(engine, telegram_id: int, name: str, words: tuple[str, ...]) -> list[str]:
    """Every cell in every table of this database that holds the id, the name or the words."""
    found = []
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for column, value in row._mapping.items():
                    text = str(value) if value is not None else ""
                    if value == telegram_id or str(telegram_id) in text or name.lower() in text.lower() \
                            or any(word in text.lower() for word in words):
                        found.append(f"{table.name}.{column} = {text[:80]!r}")
    return found


@pytest.fixture
def history(db) -> DialogueHistory:
    """Rasa's tracker store tables on the same database, as in production."""
    store = tracker_store_for(db.url)
    yield DialogueHistory(db.engine)
    store.engine.dispose()


@pytest.fixture
def zephyrine(db, history):
    """A participant with data in every place the service keeps some."""
    from bot.config import EscalationSettings

    with db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    people = PeopleService(db, [], timedelta(hours=1))
    person = people.consent(TELEGRAM_ID, "uk", "Europe/London")
    people.set_display_name(person.id, NAME)
    people.join_group(person.id, "walk")
    walk = session_soon(db, "walk", "walk", 120)
    SessionService(db).rsvp(person.id, walk.id, "yes")
    escalations = EscalationService(db, EscalationSettings(), "Europe/London")
    escalations.create(person.id, "urgent", "crisis", trigger_text=f"the {WORDS[1]} is too far",
                       conversation_id=str(TELEGRAM_ID))
    with db.session() as session, session.begin():
        session.add(CheckIn(person_id=person.id, mood=2, note=f"{WORDS[0]} again"))
        session.add(CopingStrategy(slug="mine", title="My idea", category="social", steps="ring a friend",
                                   status="pending", suggested_by_id=person.id))
        session.add(Draft(person_id=person.id, flow="suggest", step="steps", data={"title": "x"}))
        session.add(OutcomeResponse(person_id=person.id, measure="ons4", status="complete",
                                    answers={"happiness": 6}, scores={"happiness": 6}))
        session.add(SafetyPlan(person_id=person.id, sealed=SEALER.seal({"helpers": f"{WORDS[3]} cafe"}), shared=True))
        session.add(MessageFlag(chat_id=-100, message_id=7, author_telegram_id=TELEGRAM_ID, flagged_by_id=person.id))
        session.add(MessageFlag(chat_id=-100, message_id=8, author_telegram_id=TELEGRAM_ID, flagged_by_id=person.id))
        session.add(PendingChoice(chat_id=TELEGRAM_ID, choices=[["Yes", "forget:yes"]]))
    CopingService(db).suggest(person.id, 2)
    tracker = history.engine
    events = MetaData()
    events.reflect(bind=tracker, only=["events"])
    with tracker.begin() as connection:
        for sender, kind in ((str(TELEGRAM_ID), "user"), (f"-100:{TELEGRAM_ID}", "user"), (str(TELEGRAM_ID), "bot")):
            connection.execute(insert(events.tables["events"]).values(
                sender_id=sender, type_name=kind, timestamp=utcnow().timestamp(),
                data=json.dumps({"event": kind, "text": f"{WORDS[2]} talk"})))
    return person


def test_mydata_holds_the_persons_profile_sessions_check_ins_and_words(db, history, zephyrine):
    plans = SafetyPlanService(db, CrisisDirectory.load(PROJECT_ROOT / "config" / "crisis_resources.yaml"), SEALER)
    data = PrivacyService(db, timedelta(days=365), history, plans).export(zephyrine.id)
    assert data["profile"]["telegram_user_id"] == TELEGRAM_ID and data["profile"]["name"] == NAME
    assert [g["group"] for g in data["groups"]] == ["Walkers"]
    assert data["sessions"][0]["your_reply"] == "yes"
    assert data["check_ins"][0]["words"] == "marmalade again"
    assert data["wellbeing_questionnaires"][0]["scores"] == {"happiness": 6}
    assert data["coping_ideas"]["you_suggested"][0]["title"] == "My idea"
    assert data["safety_plan"]["parts"]["helpers"] == "periwinkle cafe"
    assert [m["where"] for m in data["conversation_with_the_bot"]] == ["private chat", "group chat", "private chat"]
    assert data["times_you_were_put_in_touch_with_a_person"][0]["your_words"] == "the lighthouse is too far"
    json.dumps(data)  # it must be serialisable as it is
    with db.session() as session:
        assert session.execute(select(AuditEntry.action).where(AuditEntry.action == "data.exported")).scalar_one()


def test_after_forgetme_no_row_anywhere_holds_their_id_name_or_words(db, history, zephyrine):
    assert traces(db.engine, TELEGRAM_ID, NAME, WORDS), "the seeded data must be found before forgetting"
    closed = PrivacyService(db, timedelta(days=365), history).forget(zephyrine.id)
    assert traces(db.engine, TELEGRAM_ID, NAME, WORDS) == []
    assert len(closed) == 1
    with db.session() as session:
        person = session.get(Person, zephyrine.id)
        assert person.forgotten_at is not None and person.pseudonym != zephyrine.pseudonym
        case = session.execute(select(Escalation)).scalar_one()
        assert (case.status, case.outcome) == ("closed", "forgotten"), "the de-identified audit trail stays"
        assert session.execute(select(CheckIn.mood)).scalar_one() == 2, "aggregate counts stay"


def test_raw_words_older_than_the_retention_period_are_deleted_and_moods_kept(db, history, zephyrine):
    privacy = PrivacyService(db, timedelta(days=30), history)
    with db.session() as session, session.begin():
        case = session.execute(select(Escalation)).scalar_one()
        case.status, case.closed_at, case.outcome_note = "closed", utcnow(), "talked it through"
    assert privacy.apply_retention(now=utcnow() + timedelta(days=29)) == \
        {"check_in_notes": 0, "case_texts": 0, "dialogue_events": 0, "updates": 0}
    assert privacy.apply_retention(now=utcnow() + timedelta(days=31)) == \
        {"check_in_notes": 1, "case_texts": 1, "dialogue_events": 3, "updates": 0}
    with db.session() as session:
        checkin = session.execute(select(CheckIn)).scalar_one()
        assert (checkin.mood, checkin.note) == (2, None)
    assert history.messages(TELEGRAM_ID) == []


async def test_forgetme_can_be_answered_by_typing_and_an_answered_warning_deletes_nothing_later(world):
    sam = world.person("Sam")
    warning = await world.say(sam, "/forgetme")
    assert "Or type 1 (Yes, delete everything), 2 (No, keep it)." in warning["text"]
    kept = await world.say(sam, "no")
    assert "nothing has been deleted" in kept["text"]
    await world.say(sam, "1")
    assert world.context.people.find(sam["id"]) is not None, "the warning was answered: typing 1 is just text"
    warning = await world.say(sam, "/forgetme")
    await world.press(sam, warning, "No, keep it")
    await world.say(sam, "yes")
    assert world.context.people.find(sam["id"]) is not None, "a pressed answer ends typing's turn too"
    await world.say(sam, "/forgetme")
    done = await world.say(sam, "yes")
    assert "deleted everything that could identify you" in done["text"]
    assert world.context.people.find(sam["id"]) is None


async def test_through_telegram_mydata_sends_a_file_and_forgetme_asks_first_then_leaves_no_trace(world):
    user = world.sandbox.add_user(NAME, user_id=TELEGRAM_ID + 7)
    await world.say(user, "/start")
    consented = await world.press(user, world.sandbox.bot_messages(user["id"])[-1], "Yes, I agree")
    await world.press(user, consented, f"Use {NAME}")
    await world.sandbox.wait_for_bot_message(user["id"], lambda m: "wellbeing" in m.get("text", ""))
    await world.say(user, f"I'm feeling low, the {WORDS[0]} ran out")

    world.sandbox.send(user["id"], user["id"], "/mydata")
    sent = await world.sandbox.wait_for_bot_message(user["id"], lambda m: "document" in m)
    data = json.loads(world.sandbox.file_bytes(sent["document"]["file_id"]))
    assert data["profile"]["name"] == NAME
    assert any(WORDS[0] in m["text"] for m in data["conversation_with_the_bot"])

    warning = await world.say(user, "/forgetme")
    assert "can't be undone" in warning["text"]
    kept = await world.press(user, warning, "No, keep it")
    assert "nothing has been deleted" in kept["text"]
    assert world.context.people.find(user["id"]) is not None

    warning = await world.say(user, "/forgetme")
    done = await world.press(user, warning, "Yes, delete everything")
    assert "deleted everything that could identify you" in done["text"]
    history = world.context.conversation.engine.history()
    assert traces(world.db.engine, user["id"], NAME, WORDS[:1]) == []
    assert traces(history.engine, user["id"], NAME, WORDS[:1]) == []
    assert world.context.people.find(user["id"]) is None


async def test_retention_runs_as_the_bot_starts_and_then_daily_at_the_set_local_time(inprocess_engine, tmp_path):
    """A bot restarted every day never reached a daily job due 24 hours after its start."""
    from bot.scheduler import Scheduler

    url = f"sqlite:///{tmp_path / 'retention.db'}"
    migrate.upgrade(url)
    database = Database(url)
    person = PeopleService(database, [], timedelta(hours=1)).consent(TELEGRAM_ID + 11, "uk", "Europe/London")
    CheckInService(database).record(person.id, 3, note="an old note")
    with database.session() as session, session.begin():
        session.execute(update(CheckIn).values(created_at=utcnow() - timedelta(days=400)))
    database.dispose()
    sandbox = fresh_sandbox()
    await sandbox.start()
    try:
        async with running_bot(inprocess_engine, url, sandbox) as world:
            def note():
                with world.db.session() as session:
                    return session.execute(select(CheckIn.note)).scalar_one()

            await world.eventually(lambda: note() is None)
            trigger = Scheduler(world.application).scheduler.get_job("forget_old_words").trigger
            assert str(trigger) == "cron[hour='3', minute='30']"
            assert str(trigger.timezone) == world.context.settings.service.default_timezone
    finally:
        await sandbox.stop()
