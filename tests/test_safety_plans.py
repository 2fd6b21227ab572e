"""My safety plan: made step by step (by buttons or by typing alone), read back, changed,
offered in a crisis, shown to the PSW who takes the case only when the person agreed,
in /mydata, gone after /forgetme, and counted (never read) in reports.

Service tests run on SQLite and PostgreSQL; the Telegram ones drive the real bot over
HTTP against the sandbox."""
from __future__ import annotations

import concurrent.futures
from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from bot.app.handoff import Handoff
from bot.services.crisis import CrisisDirectory
from bot.services.privacy import PrivacyService
from bot.services.reports import ReportService
from bot.services.safety_plans import PARTS, SafetyPlanService
from bot.storage.models import Draft, Escalation, Person, SafetyPlan, SafetyPlanUse
from bot.storage.sealing import Sealer, key_from_file
from bot.storage.types import utcnow
from conftest import PROJECT_ROOT, button_data, crisis_for, escalations, someone, titles

CRISIS_FILE = PROJECT_ROOT / "config" / "crisis_resources.yaml"
KEY = Fernet.generate_key()
WORDS = {"warning_signs": "Not sleeping. Staying in my room.", "self_help": "A walk by the canal.",
         "helpers": "My sister Ann, 07700 900123."}


def plans(db, key: bytes = KEY) -> SafetyPlanService:
    return SafetyPlanService(db, CrisisDirectory.load(CRISIS_FILE), Sealer(key))


def add_person(db, name: str = "Sam", telegram_user_id: int = 1) -> int:
    with db.session() as session, session.begin():
        person = Person(telegram_user_id=telegram_user_id, display_name=name, consented_at=utcnow(), region="uk")
        session.add(person)
        session.flush()
        return person.id


async def answer(world, user: dict, text: str, expected: str) -> dict:
    """Type ``text`` and wait for the bot's message containing ``expected``: a plan's words
    may screen as a crisis, and then the crisis reply comes first (see the crisis test)."""
    after = world.last_id(user["id"])
    world.sandbox.send(user["id"], user["id"], text)
    return await world.sandbox.wait_for_bot_message(user["id"], lambda m: expected in (m.get("text") or ""),
                                                    after_message_id=after)


def uses(db) -> list[str]:
    with db.session() as session:
        return list(session.execute(select(SafetyPlanUse.kind).order_by(SafetyPlanUse.id)).scalars())


# --- the service ------------------------------------------------------------------------------

def test_a_plan_is_kept_tidily_and_counted_as_made_then_changed(db):
    service, sam = plans(db), add_person(db)
    assert service.get(sam) is None
    assert service.save(sam, {"warning_signs": "  Not sleeping.\n\n  Staying in my room. ", "unknown": "x"}, False)
    assert not service.save(sam, {**WORDS}, True)
    plan = service.get(sam)
    assert plan.parts == {part.key: WORDS.get(part.key, "") for part in PARTS} and plan.shared
    assert uses(db) == ["made", "changed"]


def test_a_plans_words_are_sealed_in_the_database_and_another_key_cannot_read_them(db, caplog):
    service, sam = plans(db), add_person(db)
    service.save(sam, WORDS, True)
    with db.engine.connect() as connection:
        stored = " ".join(str(cell) for row in connection.execute(text("SELECT * FROM safety_plans")) for cell in row)
    assert "canal" not in stored and "Ann" not in stored
    other = plans(db, Fernet.generate_key())
    assert other.get(sam).empty and not other.offer(sam), "read as empty, so a new plan can be made"
    assert "cannot be opened with this key" in caplog.text and "canal" not in caplog.text


def test_the_key_file_is_made_once_for_the_owner_only_and_then_reused(tmp_path):
    path = tmp_path / "keys" / "plan.key"
    key = key_from_file(path)
    assert key_from_file(path) == key and oct(path.stat().st_mode & 0o777) == "0o600"
    Sealer(key)  # a valid Fernet key


def test_processes_starting_together_share_one_whole_key(tmp_path):
    path = tmp_path / "plan.key"
    with concurrent.futures.ProcessPoolExecutor(4) as starting:
        keys = list(starting.map(key_from_file, [path] * 16))
    assert len(set(keys)) == 1
    Sealer(keys[0])  # whole, not a file read before it was written
    assert [f.name for f in tmp_path.iterdir()] == ["plan.key"]  # no key of a loser left behind


def test_the_written_plan_has_every_part_and_the_regions_crisis_contacts(db):
    service, sam = plans(db), add_person(db)
    service.save(sam, WORDS, False)
    text = service.text(service.get(sam), "uk")
    assert [part.title in text for part in PARTS] == [True] * 6
    assert "A walk by the canal." in text and "(nothing yet)" in text
    assert "Samaritans" in text  # the UK contacts, under professionals


def test_a_psw_sees_a_plan_only_when_the_person_agreed_to_share_it(db):
    service, sam = plans(db), add_person(db)
    assert service.for_psw(sam) is None and not service.set_sharing(sam, True)
    service.save(sam, WORDS, False)
    assert service.for_psw(sam) is None
    assert service.set_sharing(sam, True) and service.for_psw(sam).parts["self_help"] == "A walk by the canal."
    assert service.set_sharing(sam, False) and service.for_psw(sam) is None
    assert uses(db) == ["made", "shown_to_psw"]


def test_a_plan_is_offered_in_a_crisis_only_when_it_has_words(db):
    service, sam = plans(db), add_person(db)
    assert not service.offer(sam)
    service.save(sam, {}, False)
    assert not service.offer(sam)
    service.save(sam, WORDS, False)
    assert service.offer(sam) and uses(db) == ["made", "changed", "offered"]


def test_mydata_holds_the_plan_and_forgetme_deletes_it_while_its_counts_stay(db):
    service, sam = plans(db), add_person(db)
    service.save(sam, WORDS, True)
    privacy = PrivacyService(db, timedelta(days=365), plans=service)
    exported = privacy.export(sam)["safety_plan"]
    assert exported["parts"]["helpers"] == WORDS["helpers"]
    assert exported["shared_with_the_peer_supporter_who_takes_your_case"] is True
    privacy.forget(sam)
    assert service.get(sam) is None and privacy.export(sam)["safety_plan"] is None
    assert uses(db) == ["made"]


def test_reports_count_plan_uses_never_their_words_and_suppress_small_counts(db):
    service = plans(db)
    people = [add_person(db, f"P{n}", n) for n in range(6)]
    for person in people:
        service.save(person, WORDS, True)
    service.opened(people[0])
    now = utcnow()
    report = ReportService(db, small_cell=5).build(now - timedelta(days=1), now + timedelta(minutes=1))
    assert dict(report.plan_uses) == {"made": 6, "changed": None, "opened": None, "offered": None,
                                      "shown_to_psw": None}
    from bot.services.report_text import report_text
    text = report_text(report)
    assert "SAFETY PLANS" in text and "made: 6" in text and "opened by their owner: <5" in text
    assert "canal" not in text


async def test_the_psw_who_claims_a_case_is_shown_a_shared_plan_and_not_a_private_one(services, outbox):
    handoff = Handoff(services.escalations, services.people, services.conversation, outbox, services.plans)
    jo, kim = someone(services, "Jo", "psw", on_duty=True), someone(services, "Kim", "psw", on_duty=True)
    sam, alex = someone(services, "Sam"), someone(services, "Alex")
    services.plans.save(sam.id, WORDS, shared=True)
    services.plans.save(alex.id, WORDS, shared=False)
    await handoff.claim(crisis_for(services, sam), jo)
    await handoff.claim(crisis_for(services, alex), kim)
    shown = [text for text in outbox.texts(jo.telegram_user_id) if "safety plan" in text]
    assert len(shown) == 1 and "Sam chose to share" in shown[0] and "A walk by the canal." in shown[0]
    assert not any("canal" in text or "safety plan" in text for text in outbox.texts(kim.telegram_user_id))


# --- in Telegram --------------------------------------------------------------------------------

async def test_a_member_makes_a_plan_with_the_buttons_and_reads_it_back(world):
    sam = world.person("Sam")
    question = await world.say(sam, "/safetyplan")
    assert "A safety plan is your own list" in question["text"] and "(1/7) My warning signs" in question["text"]
    assert titles(question) == ["Skip", "Cancel"] and "Or type 1 (Skip), or cancel." in question["text"]
    question = await answer(world, sam, "Not sleeping.\nStaying in my room.", "(2/7) Things I can do myself")
    question = await world.press(sam, question, "Skip")
    question = await world.press(sam, question, "Skip")
    question = await answer(world, sam, "My sister Ann", "(5/7) Professionals and services")
    assert "Samaritans" in question["text"]
    question = await world.press(sam, question, "Skip")
    question = await answer(world, sam, "Ask Ann to look after my tablets", "would you like them")
    assert titles(question) == ["Yes, share it", "No, keep it to myself", "Cancel"]
    summary = await world.press(sam, question, "Yes, share it")
    assert "Here is your plan" in summary["text"] and "My sister Ann" in summary["text"]
    saved = await world.press(sam, summary, "Save my plan")
    assert "Saved. A peer supporter who takes your case will see it." in saved["text"]

    shown = await world.say(sam, "/safetyplan")
    assert "Your safety plan" in shown["text"] and "Not sleeping.\nStaying in my room." in shown["text"]
    assert titles(shown) == ["Change my plan", "Stop sharing"]
    with world.db.session() as session:
        assert session.execute(select(func.count()).select_from(Draft)).scalar_one() == 0


async def test_a_plan_can_be_made_and_changed_by_typing_alone(world):
    sam = world.person("Sam")
    await world.say(sam, "/safetyplan")
    steps = (("Not sleeping", "(2/7)"), ("skip", "(3/7)"), ("1", "(4/7)"), ("The library", "(5/7)"),
             ("Skip", "(6/7)"), ("Moving the knives out", "(7/7)"))
    for typed, expected in steps:
        question = await answer(world, sam, typed, expected)
    assert "would you like them to be able to read" in question["text"]
    assert "Or type 1 (Yes, share it), 2 (No, keep it to myself), or cancel." in question["text"]
    summary = await world.say(sam, "2")
    assert "It's just for you" in summary["text"] and "Or type 1 (Save my plan), or cancel." in summary["text"]
    saved = await world.say(sam, "save my plan")
    assert "Saved." in saved["text"]
    plan = world.context.plans.get(world.context.people.find(sam["id"]).id)
    assert (plan.parts["warning_signs"], plan.parts["self_help"], plan.parts["helpers"], plan.shared) == \
        ("Not sleeping", "", "The library", False)

    question = await world.say(sam, "/safetyplan edit")
    assert "Now in your plan:\nNot sleeping" in question["text"]
    assert "Or type 1 (Keep as it is), 2 (Leave it empty), or cancel." in question["text"]
    question = await world.say(sam, "keep as it is")
    assert "Things I can do myself" in question["text"]
    dropped = await world.say(sam, "Cancel")
    assert "nothing was changed" in dropped["text"]
    shared = await world.say(sam, "/safetyplan share")
    assert "will be able to read your plan" in shared["text"]
    assert world.context.plans.get(world.context.people.find(sam["id"]).id).shared


async def test_an_answer_that_sounds_like_a_crisis_is_paged_and_still_kept_in_the_plan(world):
    sam = world.person("Sam")
    await world.say(sam, "/safetyplan")
    await answer(world, sam, "When I start planning how to kill myself", "(2/7) Things I can do myself")
    [case] = escalations(world)
    assert case.priority == "urgent" and "written as an answer in their /safetyplan" in case.reasons[0]
    with world.db.session() as session:
        draft = session.execute(select(Draft)).scalar_one()
    assert draft.data["parts"]["warning_signs"] == "When I start planning how to kill myself"


async def test_a_crisis_offers_the_persons_own_plan_and_the_button_opens_it(world):
    sam = world.person("Sam")
    world.context.plans.save(world.context.people.find(sam["id"]).id, WORDS, shared=False)
    after = world.last_id(sam["id"])
    world.sandbox.send(sam["id"], sam["id"], "I want to end my life tonight")
    offer = await world.sandbox.wait_for_bot_message(
        sam["id"], lambda m: "You made a safety plan" in (m.get("text") or ""), after_message_id=after)
    assert titles(offer) == ["Look at my plan"] and "/safetyplan" in offer["text"]
    world.sandbox.press(sam["id"], offer["message_id"], sam["id"], button_data(offer, "Look at my plan"))
    shown = await world.sandbox.wait_for_bot_message(
        sam["id"], lambda m: "Your safety plan" in (m.get("text") or ""), after_message_id=offer["message_id"])
    assert "Your safety plan" in shown["text"] and "A walk by the canal." in shown["text"]
    assert uses(world.db)[-2:] == ["offered", "opened"]


async def test_a_plan_is_never_shown_in_a_group(world):
    sam = world.person("Sam")
    world.context.plans.save(world.context.people.find(sam["id"]).id, WORDS, shared=False)
    chat = await world.group("Walkers", "walk", [sam])
    answer = await world.say(sam, "/safetyplan", chat_id=chat["id"])
    assert "private chat" in answer["text"] and "canal" not in answer["text"]


async def test_someone_who_has_not_joined_cannot_make_a_plan(world):
    stranger = world.person("Lee", consented=False)
    answer = await world.say(stranger, "/safetyplan")
    assert "press Start" in answer["text"]
    with world.db.session() as session:
        assert session.execute(select(func.count()).select_from(SafetyPlan)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Escalation)).scalar_one() == 0
