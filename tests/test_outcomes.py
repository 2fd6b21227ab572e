"""The outcome questionnaire: a measure defined as data (the ONS4 shipped, others
plugged in the same way), scored by its rules, asked with consent at joining and
every few weeks, answered with buttons; on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.services.outcomes import MeasureError, OutcomeService, load_measure
from bot.services.people import PeopleService
from bot.storage.models import OutcomeResponse
from bot.storage.types import utcnow

ONS4 = Path("config/outcomes/ons4.yaml")


def sum_measure(tmp_path: Path, **changes) -> Path:
    """A made-up three-item measure scored as a sum through a conversion table,
    shaped like licensed measures such as SWEMWBS (whose items are not shipped)."""
    data = {"id": "demo3", "title": "Demo", "licence": "test only", "source": "tests", "attribution": "tests",
            "intro": "Three questions.", "scale": {"min": 1, "max": 5},
            "items": [{"id": f"q{i}", "text": f"Question {i}?"} for i in (1, 2, 3)],
            "scores": [{"id": "total", "rule": "sum", "items": ["q1", "q2", "q3"],
                        "conversion": {raw: raw * 2.5 for raw in range(3, 16)}}]}
    data.update(changes)
    path = tmp_path / "demo3.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_shipped_ons4_measure_is_open_licensed_and_scores_each_question_on_its_own():
    measure = load_measure(ONS4)
    assert "Open Government Licence" in measure.licence and "Office for National Statistics" in measure.attribution
    assert [item.id for item in measure.items] == ["life_satisfaction", "worthwhile", "happiness", "anxiety"]
    assert list(measure.values) == list(range(0, 11))
    answers = {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}
    assert measure.score(answers) == {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}


def test_a_sum_rule_adds_items_and_applies_its_conversion_table(tmp_path):
    measure = load_measure(sum_measure(tmp_path))
    assert measure.score({"q1": 2, "q2": 3, "q3": 4}) == {"total": 22.5}  # (2 + 3 + 4) * 2.5


@pytest.mark.parametrize("change, named", [
    ({"scale": {"min": 5, "max": 1}}, "scale: min and max"),
    ({"scores": [{"id": "total", "rule": "mean", "items": ["q1"]}]}, "score total: rule must be one of"),
    ({"scores": [{"id": "total", "rule": "sum", "items": ["q9"]}]}, "score total: items ['q9']"),
    ({"licence": ""}, "licence is missing"),
])
def test_a_broken_measure_file_fails_naming_the_field(tmp_path, change, named):
    with pytest.raises(MeasureError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_measure(sum_measure(tmp_path, **change))


@pytest.fixture
def consenting(db):
    people = PeopleService(db, [], timedelta(hours=1))
    person = people.consent(4242, "uk", "Europe/London")
    service = OutcomeService(db, ONS4, timedelta(weeks=12))
    service.set_consent(person.id, True)
    return service, person


def test_answering_every_question_completes_and_scores_the_response(db, consenting):
    service, person = consenting
    question = service.begin(person.id)
    for value in (7, 8, 6):
        question = service.answer(question.response_id, person.id, question.number, value)
    assert question.item.id == "anxiety"
    assert service.answer(question.response_id, person.id, question.number, 3) is None
    assert service.is_complete(question.response_id)
    with db.session() as session:
        response = session.execute(select(OutcomeResponse)).scalar_one()
    assert response.scores == {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}
    assert service.answer(question.response_id, person.id, 4, 5) is None, "a finished response takes no more"


def test_out_of_scale_answers_and_other_peoples_buttons_change_nothing(db, consenting):
    service, person = consenting
    question = service.begin(person.id)
    assert service.answer(question.response_id, person.id, 1, 11) is None
    assert service.answer(question.response_id, person.id + 1, 1, 5) is None
    with db.session() as session:
        assert session.execute(select(OutcomeResponse.answers)).scalar_one() == {}


def test_the_questionnaire_is_due_at_first_then_again_after_each_period(db, consenting):
    service, person = consenting
    assert service.due() == [(person.id, 4242)]
    service.begin(person.id)
    assert service.due() == []
    assert service.due(now=utcnow() + timedelta(weeks=12, minutes=1)) == [(person.id, 4242)]
    service.set_consent(person.id, False)
    assert service.due(now=utcnow() + timedelta(weeks=12, minutes=1)) == []


async def test_after_joining_a_person_can_agree_and_answer_with_buttons(world):
    user = world.sandbox.add_user("Robin")
    notice = await world.say(user, "/start")
    await world.press(user, notice, "Yes, I agree")
    await world.say(user, "Robin")
    invitation = await world.sandbox.wait_for_bot_message(user["id"], lambda m: "wellbeing" in m.get("text", ""))
    question = await world.press(user, invitation, "Yes, ask me")
    assert question["text"].startswith("Four short questions") and "Question 1 of 4" in question["text"]
    for value in ("7", "8", "6"):
        question = await world.press(user, question, value)
    thanks = await world.press(user, question, "3")
    assert "Open Government Licence" in thanks["text"] and "score" not in thanks["text"].lower()
    with world.db.session() as session:
        response = session.execute(select(OutcomeResponse)).scalar_one()
    assert response.scores == {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}


async def test_the_questionnaire_can_be_agreed_to_and_answered_by_typing_alone(world):
    user = world.sandbox.add_user("Robin")
    await world.say(user, "/start")
    await world.say(user, "yes")
    await world.say(user, "Robin")
    invitation = await world.sandbox.wait_for_bot_message(user["id"], lambda m: "wellbeing" in m.get("text", ""))
    assert "Or type 1 (Yes, ask me), 2 (Not for me)." in invitation["text"]
    question = await world.say(user, "1")
    assert "Question 1 of 4" in question["text"] and "Or type one of: 0, 1, 2," in question["text"]
    for value in ("7", "8", "6"):
        question = await world.say(user, value)
    thanks = await world.say(user, "3")
    assert "Open Government Licence" in thanks["text"]
    with world.db.session() as session:
        response = session.execute(select(OutcomeResponse)).scalar_one()
    assert response.scores == {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}
    after = await world.say(user, "3")
    assert "Question" not in after["text"], "once answered, typing a number presses nothing"


def test_the_export_carries_scores_computed_from_the_answers_under_the_export_identifier(db, consenting, tmp_path):
    import csv

    from bot.services.export import ExportService, export_id

    service, person = consenting
    question = service.begin(person.id)
    for value in (4, 9, 5, 7):  # hand-computed: ONS4 reports each answer as its own score
        question = service.answer(question.response_id, person.id, question.number, value)
    ExportService(db).write(utcnow() - timedelta(days=1), utcnow() + timedelta(days=1), tmp_path, key=b"test")
    with (tmp_path / "outcomes.csv").open(newline="") as file:
        [row] = list(csv.DictReader(file))
    assert row["person"] == export_id(b"test", "person", person.id) and row["measure"] == "ons4"
    assert {k: float(row[k]) for k in ("life_satisfaction", "worthwhile", "happiness", "anxiety")} == \
        {"life_satisfaction": 4, "worthwhile": 9, "happiness": 5, "anxiety": 7}
    assert "4242" not in (tmp_path / "outcomes.csv").read_text()
