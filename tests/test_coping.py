"""The coping-strategy library: what it holds, how an idea is chosen, "did that help?",
and suggestions from members and PSWs that coordinators approve or reject.

Service tests run on SQLite and PostgreSQL; the Telegram ones drive the real bot
over HTTP against the sandbox."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, update

from bot.services.coping import CATEGORIES, CopingService, LibraryError, load_library
from bot.storage.models import CopingOffer, CopingStrategy, Draft, Person
from bot.storage.types import utcnow
from conftest import PROJECT_ROOT, titles

LIBRARY = PROJECT_ROOT / "config" / "coping_strategies.yaml"


# --- helpers ------------------------------------------------------------------------------------

def entry(slug: str, category: str = "breathing", moods: list[int] | None = None, **fields) -> dict:
    return {"slug": slug, "title": slug.replace("-", " ").capitalize(), "category": category,
            "steps": "Breathe in slowly.\nBreathe out slowly.\nAgain.", "moods": moods or [], **fields}


def library(tmp_path: Path, *entries: dict) -> Path:
    path = tmp_path / "library.yaml"
    path.write_text(yaml.safe_dump({"strategies": list(entries)}), encoding="utf-8")
    return path


def service(db, tmp_path: Path, *entries: dict, seed: int = 7) -> CopingService:
    coping = CopingService(db, random.Random(seed))
    coping.seed(library(tmp_path, *entries))
    return coping


def add_person(db, name: str = "Sam", telegram_user_id: int = 1) -> int:
    with db.session() as session, session.begin():
        person = Person(telegram_user_id=telegram_user_id, display_name=name, consented_at=utcnow())
        session.add(person)
        session.flush()
        return person.id


def strategy_id(db, slug: str) -> int:
    with db.session() as session:
        return session.execute(select(CopingStrategy.id).where(CopingStrategy.slug == slug)).scalar_one()


def rated(db, person_id: int, slug: str, helpful: bool, minutes_ago: float = 60) -> None:
    """A past offer of ``slug`` that the person answered "did that help?" about."""
    when = utcnow() - timedelta(minutes=minutes_ago)
    with db.session() as session, session.begin():
        session.add(CopingOffer(strategy_id=strategy_id(db, slug), person_id=person_id, offered_at=when,
                                helpful=helpful, rated_at=when))


def titles_offered(coping: CopingService, person_id: int, times: int, mood: int | None = None) -> list[str]:
    return [coping.suggest(person_id, mood).title for _ in range(times)]


def title_of(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


# --- the library -------------------------------------------------------------------------------------

def test_the_library_holds_at_least_thirty_five_ideas_with_at_least_four_in_every_category(db):
    added = CopingService(db).seed(LIBRARY)
    with db.session() as session:
        categories = Counter(session.execute(
            select(CopingStrategy.category).where(CopingStrategy.status == "approved")).scalars())
    assert added == sum(categories.values()) >= 35
    assert set(categories) == set(CATEGORIES)
    assert min(categories.values()) >= 4, categories


def test_every_library_entry_has_short_steps_and_suits_at_least_one_mood_band():
    entries = load_library(LIBRARY)
    assert all(e.title and len(e.title) <= 80 for e in entries)
    assert all(1 <= len(e.steps.splitlines()) <= 6 for e in entries)
    for mood in (1, 2, 3, 4, 5):
        assert sum(1 for e in entries if not e.moods or mood in e.moods) >= 10, f"few ideas for mood {mood}"


def test_the_first_twelve_ideas_keep_their_slugs():
    slugs = [e.slug for e in load_library(LIBRARY)]
    assert slugs[:12] == ["box-breathing", "longer-out-breath", "five-four-three-two-one", "feet-on-the-floor",
                          "short-walk", "gentle-stretch", "doodle-five-minutes", "text-a-friend",
                          "wind-down-routine", "worry-notepad", "kind-words", "hand-on-heart"]


def test_seeding_again_adds_nothing_and_leaves_curated_entries_as_they_are(db):
    coping = CopingService(db)
    coping.seed(LIBRARY)
    with db.session() as session, session.begin():
        session.execute(update(CopingStrategy).where(CopingStrategy.slug == "box-breathing")
                        .values(title="Square breathing"))
    assert coping.seed(LIBRARY) == 0
    with db.session() as session:
        assert session.execute(select(CopingStrategy.title).where(CopingStrategy.slug == "box-breathing")
                               ).scalar_one() == "Square breathing"


@pytest.mark.parametrize("broken, field", [
    (entry("sing-loud", category="karaoke"), "category"),
    (entry("blank-steps", steps="   "), "steps"),
    (entry("mood-six", moods=[2, 6]), "moods"),
    (entry("no-title", title=""), "title"),
    (entry("twice"), "slug"),
])
def test_a_broken_entry_stops_seeding_with_a_message_naming_its_slug_and_field(db, tmp_path, broken, field):
    path = library(tmp_path, entry("twice"), entry("fine-one"), broken)
    with pytest.raises(LibraryError) as problem:
        CopingService(db).seed(path)
    assert f"'{broken['slug']}'" in str(problem.value) and f"{field}:" in str(problem.value)
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(CopingStrategy)).scalar_one() == 0, \
            "nothing is added from a file with a broken entry"


def test_an_entry_without_a_slug_is_named_by_its_place_in_the_file(tmp_path):
    with pytest.raises(LibraryError, match=r"strategy #2: slug: missing"):
        load_library(library(tmp_path, entry("fine-one"), {"title": "Nameless", "category": "sleep"}))


# --- choosing an idea ----------------------------------------------------------------------------------

def test_an_idea_is_chosen_to_suit_the_mood(db, tmp_path):
    coping = service(db, tmp_path, entry("calm-one", moods=[1, 2]), entry("calm-two", moods=[1, 2]),
                     entry("lively-one", moods=[4, 5]), entry("lively-two", moods=[4, 5]))
    sam = add_person(db)
    assert set(titles_offered(coping, sam, 20, mood=1)) == {"Calm one", "Calm two"}
    assert set(titles_offered(coping, sam, 20, mood=5)) == {"Lively one", "Lively two"}


def test_an_idea_for_any_mood_suits_every_mood_and_no_mood_means_anything_goes(db, tmp_path):
    coping = service(db, tmp_path, entry("calm-one", moods=[1]), entry("any-time"), entry("lively-one", moods=[5]))
    sam = add_person(db)
    assert set(titles_offered(coping, sam, 20, mood=1)) == {"Calm one", "Any time"}
    assert set(titles_offered(coping, sam, 40)) == {"Calm one", "Any time", "Lively one"}


def test_the_same_idea_is_never_offered_twice_in_a_row(db, tmp_path):
    coping = service(db, tmp_path, entry("one"), entry("two"), entry("three"))
    sam = add_person(db)
    offered = titles_offered(coping, sam, 60)
    assert all(a != b for a, b in zip(offered, offered[1:]))
    assert set(offered) == {"One", "Two", "Three"}


def test_variety_wins_even_when_only_one_idea_suits_the_mood(db, tmp_path):
    coping = service(db, tmp_path, entry("calm-one", moods=[1]), entry("lively-one", moods=[5]))
    sam = add_person(db)
    assert titles_offered(coping, sam, 4, mood=1) == ["Calm one", "Lively one", "Calm one", "Lively one"]


def test_ideas_a_person_found_helpful_are_offered_to_them_more_often(db, tmp_path):
    coping = service(db, tmp_path, *(entry(slug) for slug in ("tea", "walk", "music", "bath")))
    sam, kim = add_person(db, "Sam", 1), add_person(db, "Kim", 2)
    rated(db, sam, "walk", helpful=True)
    counts = Counter(titles_offered(coping, sam, 120))
    others = [counts[t] for t in ("Tea", "Music", "Bath")]
    assert counts["Walk"] > 1.5 * max(others), counts
    assert min(others) > 0, "the rest of the library is still explored"
    kim_counts = Counter(titles_offered(coping, kim, 120))
    assert kim_counts["Walk"] < 1.5 * min(kim_counts[t] for t in ("Tea", "Music", "Bath")), \
        "one person's ratings do not steer another's ideas"


def test_ideas_a_person_found_unhelpful_are_left_out_while_others_remain(db, tmp_path):
    coping = service(db, tmp_path, *(entry(slug) for slug in ("tea", "walk", "music")))
    sam = add_person(db)
    rated(db, sam, "walk", helpful=False)
    assert "Walk" not in titles_offered(coping, sam, 40)


def test_a_newer_answer_outweighs_an_older_one(db, tmp_path):
    coping = service(db, tmp_path, *(entry(slug) for slug in ("tea", "walk", "music")))
    sam = add_person(db)
    rated(db, sam, "walk", helpful=False, minutes_ago=120)
    rated(db, sam, "walk", helpful=True, minutes_ago=60)
    assert "Walk" in titles_offered(coping, sam, 20)


def test_an_unhelpful_idea_comes_back_only_when_nothing_else_suits_the_mood(db, tmp_path):
    coping = service(db, tmp_path, entry("calm-one", moods=[1]), entry("lively-one", moods=[5]),
                     entry("lively-two", moods=[5]))
    sam = add_person(db)
    rated(db, sam, "calm-one", helpful=False, minutes_ago=120)
    rated(db, sam, "lively-one", helpful=True, minutes_ago=30)  # so the unhelpful one was not offered last
    assert coping.suggest(sam, 1).title == "Calm one"


def test_nothing_is_offered_from_an_empty_library(db):
    assert CopingService(db).suggest(add_person(db)) is None


def test_did_that_help_is_stored_on_the_latest_offer_with_when_it_was_answered(db, tmp_path):
    coping = service(db, tmp_path, entry("tea"), entry("walk"))
    sam = add_person(db)
    first, second = coping.suggest(sam), coping.suggest(sam)
    assert coping.rate_latest(sam, False)
    assert coping.rate_latest(sam, True), "the earlier offer, still unanswered, takes the next answer"
    assert not coping.rate_latest(sam, True), "nothing left to answer"
    with db.session() as session:
        offers = {o.id: o for o in session.execute(select(CopingOffer)).scalars()}
    assert (offers[second.offer_id].helpful, offers[first.offer_id].helpful) == (False, True)
    assert all(o.rated_at is not None and o.rated_at <= utcnow() for o in offers.values())


# --- suggestions and review --------------------------------------------------------------------------

def test_a_suggestion_waits_for_review_and_is_never_offered_before_then(db, tmp_path):
    coping = service(db, tmp_path, entry("tea"), entry("walk"))
    sam = add_person(db)
    suggested = coping.submit(sam, "Tea in the garden", "self-compassion", "Make a cup of tea.\nSit outside.", [1, 2])
    [waiting] = coping.pending()
    assert (waiting.id, waiting.title, waiting.category, waiting.moods, waiting.suggested_by) == \
        (suggested, "Tea in the garden", "self-compassion", (1, 2), "Sam")
    assert "Tea in the garden" not in titles_offered(coping, sam, 20, mood=1)


def test_a_suggestion_keeps_the_library_rules(db):
    with pytest.raises(LibraryError, match="category:"):
        CopingService(db).submit(add_person(db), "Tea", "karaoke", "Sing.", [])


def test_approving_a_suggestion_adds_it_to_the_library_and_records_who_reviewed_it(db, tmp_path):
    coping = service(db, tmp_path, entry("tea"), entry("walk"))
    sam, cora = add_person(db, "Sam", 1), add_person(db, "Cora", 2)
    suggested = coping.submit(sam, "Tea in the garden", "self-compassion", "Make a cup of tea.", [])
    result = coping.review(suggested, cora, approve=True)
    assert (result.changed, result.status, result.title, result.suggested_by_id) == \
        (True, "approved", "Tea in the garden", sam)
    with db.session() as session:
        strategy = session.get(CopingStrategy, suggested)
    assert (strategy.status, strategy.reviewed_by_id) == ("approved", cora) and strategy.reviewed_at is not None
    assert coping.pending() == []
    assert "Tea in the garden" in titles_offered(coping, sam, 20)


def test_rejecting_keeps_a_suggestion_out_and_a_second_decision_changes_nothing(db, tmp_path):
    coping = service(db, tmp_path, entry("tea"), entry("walk"))
    sam, cora = add_person(db, "Sam", 1), add_person(db, "Cora", 2)
    suggested = coping.submit(sam, "Shout into a pillow", "creative", "Shout.", [])
    assert coping.review(suggested, cora, approve=False).status == "rejected"
    assert not coping.review(suggested, cora, approve=True).changed
    assert not coping.review(9999, cora, approve=True).changed
    with db.session() as session:
        assert session.get(CopingStrategy, suggested).status == "rejected"
    assert "Shout into a pillow" not in titles_offered(coping, sam, 20)


# --- in Telegram ---------------------------------------------------------------------------------------

def person_id(world, user: dict) -> int:
    return world.context.people.find(user["id"]).id


def strategy(world, title: str) -> CopingStrategy:
    with world.db.session() as session:
        return session.execute(select(CopingStrategy).where(CopingStrategy.title == title)).scalar_one()


def pending_idea(world, user: dict, title: str = "Tea in the garden") -> int:
    return world.context.coping.submit(person_id(world, user), title, "self-compassion",
                                       "Make a cup of tea.\nTake it outside.\nDrink it slowly.", [1, 2])


async def review_card(world, coordinator: dict, title: str) -> dict:
    header = await world.say(coordinator, "/review")
    assert "waiting for review" in header["text"]
    return await world.sandbox.wait_for_bot_message(coordinator["id"], lambda m: title in (m.get("text") or ""),
                                                    after_message_id=header["message_id"])


async def test_a_participant_suggests_an_idea_step_by_step_and_it_waits_for_review(world):
    sam = world.person("Sam")
    question = await world.say(sam, "/suggest")
    assert "Thank you for sharing" in question["text"] and "What is your idea called?" in question["text"]
    question = await world.say(sam, "Tea in the garden")
    assert "What kind of idea is “Tea in the garden”?" in question["text"]
    assert titles(question) == [c.capitalize() for c in CATEGORIES] + ["Cancel"]
    question = await world.press(sam, question, "Self-compassion")
    assert "How does it go?" in question["text"]
    question = await world.say(sam, "Make a cup of tea.\n  Take it outside.\n\nDrink it slowly.")
    assert titles(question) == ["Low (1–2)", "Middling (3)", "Good (4–5)", "Any", "Cancel"]
    summary = await world.press(sam, question, "Low (1–2)")
    assert "Kind: self-compassion" in summary["text"] and "Suits: moods 1, 2" in summary["text"]
    assert titles(summary) == ["Send for review", "Cancel"]
    thanks = await world.press(sam, summary, "Send for review")
    assert "Thank you, Sam" in thanks["text"] and "coordinators" in thanks["text"]

    idea = strategy(world, "Tea in the garden")
    assert (idea.status, idea.category, idea.moods, idea.suggested_by_id) == \
        ("pending", "self-compassion", [1, 2], person_id(world, sam))
    assert idea.steps == "Make a cup of tea.\nTake it outside.\nDrink it slowly."
    with world.db.session() as session:
        assert session.execute(select(func.count()).select_from(Draft)).scalar_one() == 0


async def test_a_suggestion_can_be_made_by_typing_alone(world):
    """Every button of /suggest has a typed equivalent, announced in the question."""
    sam = world.person("Sam")
    await world.say(sam, "/suggest")
    question = await world.say(sam, "Tea in the garden")
    assert "Or type 1 (Breathing)" in question["text"] and ", or cancel." in question["text"]
    question = await world.say(sam, "self-compassion")
    question = await world.say(sam, "Make a cup of tea.")
    summary = await world.say(sam, "1")
    assert "Suits: moods 1, 2" in summary["text"] and "Or type 1 (Send for review), or cancel." in summary["text"]
    thanks = await world.say(sam, "send for review")
    assert "Thank you, Sam" in thanks["text"]
    idea = strategy(world, "Tea in the garden")
    assert (idea.status, idea.category, idea.moods) == ("pending", "self-compassion", [1, 2])


async def test_typing_cancel_drops_a_suggestion(world):
    sam = world.person("Sam")
    await world.say(sam, "/suggest")
    dropped = await world.say(sam, "cancel")
    assert "dropped that idea" in dropped["text"]
    assert world.context.drafts.get(person_id(world, sam)) is None


async def test_a_title_too_long_is_asked_again_and_cancel_sends_nothing(world):
    jo = world.person("Jo", roles=("psw",))
    await world.say(jo, "/suggest")
    again = await world.say(jo, "x" * 81)
    assert "up to 80 characters" in again["text"] and "What is your idea called?" in again["text"]
    question = await world.say(jo, "Walk round the block")
    await world.tap(jo, question, "Cancel")
    dropped = await world.sandbox.wait_for_bot_message(jo["id"], lambda m: "dropped that idea" in m["text"])
    assert "nothing was sent" in dropped["text"]
    assert world.context.coping.pending() == []


async def test_starting_a_suggestion_says_it_replaces_an_unfinished_new_session(world):
    cora = world.person("Cora", roles=("coordinator",))
    await world.group("Walkers", "walk", [cora])
    await world.say(cora, "/newsession")
    question = await world.say(cora, "/suggest")
    assert "This replaces your unfinished /newsession" in question["text"]
    assert "What is your idea called?" in question["text"]


async def test_a_suggestion_left_idle_no_longer_catches_what_the_person_types(world):
    sam = world.person("Sam")
    await world.say(sam, "/suggest")
    with world.db.session() as session, session.begin():
        session.execute(update(Draft).values(updated_at=utcnow() - timedelta(hours=1)))
    answer = await world.say(sam, "hello")
    assert "What kind of idea" not in answer["text"]
    assert world.context.coping.pending() == []


async def test_a_coordinator_approves_a_suggestion_the_suggester_is_told_and_it_can_then_be_offered(world):
    sam = world.person("Sam")
    await world.say(sam, "/help")  # opens Sam's private chat with the bot
    cora = world.person("Cora", roles=("coordinator",))
    pending_idea(world, sam)
    card = await review_card(world, cora, "Tea in the garden")
    assert "Suggested by Sam" in card["text"] and "Drink it slowly." in card["text"]
    done = await world.press(cora, card, "Approve")
    assert "Approved" in done["text"] and "Sam has been told" in done["text"]
    told = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Good news" in m["text"])
    assert "“Tea in the garden” has been approved" in told["text"]
    idea = strategy(world, "Tea in the garden")
    assert (idea.status, idea.reviewed_by_id) == ("approved", person_id(world, cora))

    with world.db.session() as session, session.begin():  # leave it the only idea, to see it offered
        session.execute(update(CopingStrategy).where(CopingStrategy.id != idea.id).values(status="rejected"))
    welcome = await world.say(sam, "/start")
    await world.press(sam, welcome, "A coping idea")
    offered = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Did that help?" in (m["text"] or ""))
    assert offered["text"].startswith("Tea in the garden")


async def test_a_rejected_suggester_is_told_kindly_and_a_second_coordinator_finds_it_already_reviewed(world):
    sam = world.person("Sam")
    await world.say(sam, "/help")
    cora, cody = world.person("Cora", roles=("coordinator",)), world.person("Cody", roles=("coordinator",))
    pending_idea(world, sam, "Shout into a pillow")
    cora_card = await review_card(world, cora, "Shout into a pillow")
    cody_card = await review_card(world, cody, "Shout into a pillow")
    await world.press(cora, cora_card, "Reject")
    told = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Shout into a pillow" in m["text"])
    assert "Thank you for suggesting" in told["text"] and "/suggest" in told["text"]
    assert "already reviewed" in await world.tap(cody, cody_card, "Approve")
    assert strategy(world, "Shout into a pillow").status == "rejected"


async def test_a_coordinator_can_review_by_typing_the_number_on_the_card(world):
    sam = world.person("Sam")
    await world.say(sam, "/help")
    cora = world.person("Cora", roles=("coordinator",))
    idea_id = pending_idea(world, sam, "Shout into a pillow")
    card = await review_card(world, cora, "Shout into a pillow")
    assert f"(Or type /approve {idea_id} or /reject {idea_id}.)" in card["text"]
    done = await world.say(cora, f"/reject {idea_id}")
    assert "Rejected" in done["text"]
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Thank you for suggesting" in m["text"])
    assert "already reviewed" in (await world.say(cora, f"/approve {idea_id}"))["text"]
    assert "Usage: /approve <number>" in (await world.say(cora, "/approve soon"))["text"]
    assert strategy(world, "Shout into a pillow").status == "rejected"


async def test_a_participant_cannot_review_suggestions_and_nothing_changes(world):
    sam, kim = world.person("Sam"), world.person("Kim")
    pending_idea(world, sam)
    refused = await world.say(kim, "/review")
    assert "only for coordinators" in refused["text"] and "Nothing has been changed" in refused["text"]
    assert strategy(world, "Tea in the garden").status == "pending"


async def test_there_is_nothing_to_review_until_someone_suggests_an_idea(world):
    cora = world.person("Cora", roles=("coordinator",))
    answer = await world.say(cora, "/review")
    assert "no suggestions waiting" in answer["text"]
