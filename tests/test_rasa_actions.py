"""The custom Rasa actions (rasa_project/actions/actions.py), run on stored tracker states.

Each test builds the tracker Rasa would send to the action server at that point
of a conversation: the events as Rasa stores them, the slots they set and the
latest user message with its intent ranking and entities. The actions then run
for real with a real CollectingDispatcher, and the tests check the events they
return and what they say (texts, buttons, directives for the application).
"""
from __future__ import annotations

import inspect
import itertools
import random
import sys
from typing import Any, Optional

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.contract import Directive, parse_directive
from conftest import RASA_PROJECT

# The actions are the package `actions` inside rasa_project, as the action
# server and bot/dialogue/actions_bridge.py import them.
if str(RASA_PROJECT) not in sys.path:
    sys.path.insert(0, str(RASA_PROJECT))

import actions.actions as peerbot_actions  # noqa: E402
from actions.actions import (  # noqa: E402
    NOTE_QUESTIONS,
    ActionAskCheckinNote,
    ActionCheckMisunderstanding,
    ActionSubmitCheckin,
    ValidateCheckinForm,
    consecutive_fallbacks,
    mood_in_latest_message,
    normalise_mood,
)

DOMAIN: dict = yaml.safe_load((RASA_PROJECT / "domain.yml").read_text(encoding="utf-8"))
DEFAULT_SLOTS = {"requested_slot": None, "session_started_metadata": None}


# --- Stored tracker states ----------------------------------------------------------------

_clock = itertools.count(1_732_970_000)


def _stamp() -> float:
    return float(next(_clock))


def said(text: str, intent: str, *, mood: Any = None, mood_span: Optional[str] = None,
         confidence: float = 0.94, runner_up: str = "chitchat") -> dict:
    """A user message event as Rasa stores it, with NLU's parse data.

    ``mood`` is the value of an extracted mood entity (after synonym mapping);
    ``mood_span`` the words it was extracted from, if they differ. An
    ``nlu_fallback`` message ranks the fallback first and ``runner_up`` below it,
    as Rasa's FallbackClassifier does.
    """
    if intent == "nlu_fallback":
        ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": runner_up, "confidence": 0.31}]
    else:
        ranking = [{"name": intent, "confidence": confidence}, {"name": runner_up, "confidence": 1 - confidence}]
    entities = []
    if mood is not None:
        span = mood_span if mood_span is not None else str(mood)
        start = max(text.lower().find(span.lower()), 0)
        entities.append({"entity": "mood", "start": start, "end": start + len(span), "value": mood,
                         "confidence_entity": 0.88, "extractor": "CRFEntityExtractor"})
    parse_data = {"intent": dict(ranking[0]), "entities": entities, "text": text, "message_id": f"m{next(_clock)}",
                  "metadata": {}, "intent_ranking": ranking}
    return {"event": "user", "timestamp": _stamp(), "text": text, "parse_data": parse_data,
            "input_channel": "telegram", "message_id": parse_data["message_id"], "metadata": {}}


def ran(action: str) -> dict:
    return {"event": "action", "timestamp": _stamp(), "name": action, "policy": "RulePolicy", "confidence": 1.0}


def bot_said(text: str, buttons: Optional[list] = None) -> dict:
    return {"event": "bot", "timestamp": _stamp(), "text": text,
            "data": {"buttons": buttons, "elements": None, "quick_replies": None, "attachment": None,
                     "image": None, "custom": None}, "metadata": {}}


def slot(name: str, value: Any) -> dict:
    return {**SlotSet(name, value), "timestamp": _stamp()}


def loop(name: Optional[str]) -> dict:
    return {"event": "active_loop", "timestamp": _stamp(), "name": name}


def session_start() -> list[dict]:
    return [ran("action_session_start"), {"event": "session_started", "timestamp": _stamp()}, ran("action_listen")]


def tracker(*events: dict, sender_id: str = "5550001") -> Tracker:
    """The tracker state Rasa sends to the action server after these events: slots
    replayed from the domain's initial values, the latest user message, the
    active loop and the latest action."""
    slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    slots.update(DEFAULT_SLOTS)
    latest_message: dict = {}
    active_loop: dict = {}
    latest_action = None
    for event in events:
        kind = event["event"]
        if kind == "slot":
            slots[event["name"]] = event["value"]
        elif kind == "user":
            latest_message = event["parse_data"]
        elif kind == "active_loop":
            active_loop = {"name": event["name"], "validate": True, "rejected": False} if event["name"] else {}
        elif kind == "action":
            latest_action = event["name"]
    return Tracker.from_dict({
        "sender_id": sender_id, "slots": slots, "latest_message": latest_message, "events": list(events),
        "paused": False, "followup_action": None, "active_loop": active_loop, "latest_action_name": latest_action,
    })


def form_validation(*history: dict, requested: Optional[str], candidates: dict) -> Tracker:
    """What the check-in form sends to validate_checkin_form: the conversation,
    the requested slot, the form's own action and the slot candidates last."""
    return tracker(*history, slot("requested_slot", requested), ran("checkin_form"),
                   *(slot(name, value) for name, value in candidates.items()))


def mood_asked(mood_text: str = "How are you feeling right now, from 1 (really low) to 5 (really good)?") -> list:
    """A conversation in which the person asked to check in and was asked for a mood."""
    return [*session_start(), said("can I do a check in", "checkin"), ran("utter_ask_mood"), bot_said(mood_text),
            ran("action_listen")]


def note_asked(mood: str, mood_text: str) -> list:
    """A check-in whose mood is filled and whose note question was just asked."""
    return [*mood_asked(), said(mood_text, "inform_mood", mood=mood), slot("mood", mood), ran("checkin_form"),
            loop("checkin_form"), slot("requested_slot", "checkin_note"), ran("action_ask_checkin_note"),
            bot_said(NOTE_QUESTIONS[0], [{"title": "No thanks", "payload": "/deny"}]), ran("action_listen")]


def finished_checkin(mood: Optional[str], note: Optional[str]) -> Tracker:
    """The state in which action_submit_checkin runs: the form just finished and replied."""
    return tracker(*note_asked("2", "about a 2"), said("/deny", "deny"), ran("checkin_form"),
                   slot("mood", mood), slot("checkin_note", note), loop(None), slot("requested_slot", None),
                   ran("utter_checkin_reply"), bot_said("Thanks for checking in. Sorry it's a low day."))


def misunderstandings(*intents: str) -> Tracker:
    """A conversation of these user turns, each answered as the rules answer it,
    as action_check_misunderstanding sees it after the last one."""
    events = [*session_start()]
    for turn, intent in enumerate(intents):
        if intent == "nlu_fallback":
            events += [said(f"blorp wibble {turn}", "nlu_fallback")]
        else:
            events += [said(f"hello there {turn}", intent)]
        if turn < len(intents) - 1:
            events += [ran("action_check_misunderstanding"), slot("repeated_misunderstanding", False),
                       ran("utter_default"), bot_said("I didn't quite follow that, sorry."), ran("action_listen")]
    return tracker(*events)


async def validate_form(state: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateCheckinForm().run(dispatcher, state, DOMAIN)
    return events, dispatcher


def run_action(action: Action, state: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    return action.run(dispatcher, state, DOMAIN), dispatcher


# --- Reading a mood onto the 1-5 scale ----------------------------------------------------

@pytest.mark.parametrize("value", ["1", "2", "3", "4", "5"])
def test_a_digit_on_the_scale_is_read_as_that_mood(value):
    assert normalise_mood(value) == value


def test_a_digit_inside_a_sentence_is_read_as_the_mood():
    assert normalise_mood("maybe a 3 today") == "3"


@pytest.mark.parametrize("value, mood", [("2/5", "2"), ("4 out of 5", "4"), ("1 / 5", "1")])
def test_a_score_out_of_five_is_read_by_its_first_number(value, mood):
    assert normalise_mood(value) == mood


def test_a_mood_sent_as_a_number_rather_than_text_is_read():
    assert normalise_mood(4) == "4"


@pytest.mark.parametrize("value, mood", [("one", "1"), ("two", "2"), ("three", "3"), ("four", "4"), ("five", "5"),
                                         ("about a Four", "4")])
def test_a_number_word_is_read_as_its_digit(value, mood):
    assert normalise_mood(value) == mood


@pytest.mark.parametrize("value", ["0", "6", "10", "10/10", "six"])
def test_a_number_off_the_scale_is_not_a_mood(value):
    assert normalise_mood(value) is None


def test_a_digit_is_taken_before_the_words_around_it():
    assert normalise_mood("not great, a 3 I suppose") == "3"


@pytest.mark.parametrize("value, mood", [("proper rubbish", "2"), ("absolutely dreadful", "1"), ("a bit meh", "3"),
                                         ("decent enough", "4"), ("buzzing", "5"), ("struggling today", "2")])
def test_a_mood_word_outside_the_training_phrases_is_read_onto_the_scale(value, mood):
    assert normalise_mood(value) == mood


@pytest.mark.parametrize("value, mood", [("in bits", "1"), ("so so", "3"), ("so-so", "3")])
def test_a_multi_word_phrase_is_read_as_one_mood(value, mood):
    assert normalise_mood(value) == mood


@pytest.mark.parametrize("value, mood", [("not bad", "4"), ("not great", "2"), ("not good", "2")])
def test_a_negated_phrase_is_read_as_a_whole_rather_than_by_its_mood_word(value, mood):
    assert normalise_mood(value) == mood


@pytest.mark.parametrize("value, mood", [("not well", "2"), ("not so good", "2"), ("I don't feel great", "2"),
                                         ("not very good today", "2"), ("isn't fine", "2"), ("not okay", "2"),
                                         ("not too bad", "3"), ("never awful", "3")])
def test_a_negated_mood_word_reads_the_other_way(value, mood):
    assert normalise_mood(value) == mood


def test_a_mood_word_is_read_whatever_its_case_and_surrounding_spaces():
    assert normalise_mood("  BUZZING  ") == "5"


@pytest.mark.parametrize("value", ["downstairs", "goodness knows", "lowkey tired"])
def test_a_mood_word_inside_a_longer_word_is_not_read(value):
    assert normalise_mood(value) is None


@pytest.mark.parametrize("value", ["purple elephant", "asdfgh", "", "   "])
def test_nonsense_is_not_a_mood(value):
    assert normalise_mood(value) is None


def test_nothing_extracted_is_not_a_mood():
    assert normalise_mood(None) is None


# --- The mood in the words of the latest message ---------------------------------------------

def test_the_words_of_a_mood_statement_give_its_mood():
    state = tracker(*session_start(), said("feeling pretty rubbish today", "inform_mood"))
    assert mood_in_latest_message(state) == "2"


def test_mood_words_in_a_message_that_is_not_a_mood_statement_are_ignored():
    state = tracker(*session_start(), said("had a great lunch with my sister", "chitchat", runner_up="inform_mood"))
    assert mood_in_latest_message(state) is None


def test_a_mood_word_extracted_from_a_negated_statement_is_read_with_its_negation():
    state = tracker(*session_start(), said("not well at all", "inform_mood", mood="well"))
    assert ValidateCheckinForm().validate_mood("well", CollectingDispatcher(), state, DOMAIN) == {"mood": "2"}


def test_a_misunderstood_message_is_not_read_as_a_mood_whatever_ranked_below_it():
    state = tracker(*session_start(), said("blorp feeling great wibble", "nlu_fallback", runner_up="inform_mood"))
    assert mood_in_latest_message(state) is None


# --- Check-in form: extracting the mood ------------------------------------------------------

async def test_a_mood_statement_the_entity_extractor_missed_is_extracted_from_its_words():
    state = tracker(*session_start(), said("honestly feeling proper rubbish today", "inform_mood"))
    assert await ValidateCheckinForm().extract_mood(CollectingDispatcher(), state, DOMAIN) == {"mood": "2"}


async def test_a_mood_already_filled_is_not_overwritten_by_the_words_of_the_message():
    state = tracker(*mood_asked(), said("a 4, though work was rubbish", "inform_mood", mood="4"), slot("mood", "4"))
    assert await ValidateCheckinForm().extract_mood(CollectingDispatcher(), state, DOMAIN) == {}


async def test_nothing_is_extracted_from_a_mood_statement_without_a_readable_mood():
    state = tracker(*session_start(), said("hard to put into words", "inform_mood"))
    assert await ValidateCheckinForm().extract_mood(CollectingDispatcher(), state, DOMAIN) == {}


async def test_nothing_is_extracted_from_a_message_that_is_not_a_mood_statement():
    state = tracker(*session_start(), said("the weather's been great", "chitchat"))
    assert await ValidateCheckinForm().extract_mood(CollectingDispatcher(), state, DOMAIN) == {}


# --- Check-in form: validating the mood and the note ------------------------------------------

def test_an_extracted_digit_is_accepted_as_the_mood():
    state = tracker(*mood_asked(), said("3", "inform_mood", mood="3"), slot("mood", "3"))
    assert ValidateCheckinForm().validate_mood("3", CollectingDispatcher(), state, DOMAIN) == {"mood": "3"}


@pytest.mark.parametrize("extracted, mood", [("two", "2"), ("proper rubbish", "2"), ("buzzing", "5")])
def test_an_extracted_mood_in_words_is_accepted_on_the_scale(extracted, mood):
    state = tracker(*mood_asked(), said(f"feeling {extracted}", "inform_mood", mood=extracted),
                    slot("mood", extracted))
    assert ValidateCheckinForm().validate_mood(extracted, CollectingDispatcher(), state, DOMAIN) == {"mood": mood}


def test_an_unreadable_extracted_value_falls_back_to_the_words_of_the_mood_statement():
    state = tracker(*mood_asked(), said("knackered and pretty low", "inform_mood", mood="knackered"),
                    slot("mood", "knackered"))
    assert ValidateCheckinForm().validate_mood("knackered", CollectingDispatcher(), state, DOMAIN) == {"mood": "2"}


def test_an_unreadable_value_outside_a_mood_statement_is_rejected_even_with_mood_words_around_it():
    state = tracker(*mood_asked(), said("purple is a great colour", "chitchat", mood="purple"),
                    slot("mood", "purple"))
    assert ValidateCheckinForm().validate_mood("purple", CollectingDispatcher(), state, DOMAIN) == {"mood": None}


def test_a_note_is_kept_as_written_without_surrounding_spaces():
    state = tracker(*note_asked("4", "a 4"), said("  walked the dog, helped a bit \n", "out_of_scope"))
    result = ValidateCheckinForm().validate_checkin_note("  walked the dog, helped a bit \n",
                                                         CollectingDispatcher(), state, DOMAIN)
    assert result == {"checkin_note": "walked the dog, helped a bit"}


def test_a_very_long_note_is_cut_to_a_thousand_characters():
    long_note = "It has been a long week. " * 60
    state = tracker(*note_asked("3", "3"), said(long_note, "out_of_scope"))
    result = ValidateCheckinForm().validate_checkin_note(long_note, CollectingDispatcher(), state, DOMAIN)
    assert len(long_note) > 1000
    assert result == {"checkin_note": long_note.strip()[:1000]}
    assert len(result["checkin_note"]) == 1000


def test_an_empty_note_from_no_thanks_is_accepted_so_the_form_does_not_ask_again():
    state = tracker(*note_asked("2", "about a 2"), said("/deny", "deny"))
    assert ValidateCheckinForm().validate_checkin_note("", CollectingDispatcher(), state, DOMAIN) == {"checkin_note": ""}


async def test_the_form_asks_for_the_mood_and_then_the_note():
    form = ValidateCheckinForm()
    state = tracker(*mood_asked())
    assert form.form_name() == "checkin_form"
    required = await form.required_slots(form.domain_slots(DOMAIN), CollectingDispatcher(), state, DOMAIN)
    assert required == ["mood", "checkin_note"]


# --- Check-in form: the whole validation action, as Rasa calls it ------------------------------

async def test_a_mood_statement_in_words_fills_the_mood_before_the_form_starts():
    # After every user message, action_extract_slots runs validate_checkin_form
    # for the mood slot's custom mapping; no mood entity was extracted here.
    state = tracker(*session_start(), said("feeling pretty rubbish today tbh", "inform_mood"))
    events, dispatcher = await validate_form(state)
    assert events == [SlotSet("mood", "2")]
    assert dispatcher.messages == []


async def test_a_message_that_is_not_a_mood_statement_leaves_the_check_in_alone():
    state = tracker(*session_start(), said("had a brilliant walk this morning", "chitchat"))
    events, dispatcher = await validate_form(state)
    assert events == []
    assert dispatcher.messages == []


async def test_a_tapped_mood_button_fills_the_mood():
    history = [*mood_asked(), said('/inform_mood{"mood": "1"}', "inform_mood", mood="1")]
    events, _ = await validate_form(form_validation(*history, requested=None, candidates={"mood": "1"}))
    assert events == [SlotSet("mood", "1")]


async def test_an_unreadable_mood_is_asked_again_without_filling_the_slot():
    history = [*mood_asked(), said("hmm hard to say", "inform_mood", mood="hard")]
    events, dispatcher = await validate_form(form_validation(*history, requested="mood", candidates={"mood": "hard"}))
    # The slot is emptied; the form then asks again with utter_ask_mood's buttons.
    assert events == [SlotSet("mood", None)]
    assert dispatcher.messages == []


async def test_a_typed_note_fills_the_note_and_leaves_the_mood_alone():
    history = [*note_asked("4", "a 4"), said("walked the dog ", "out_of_scope")]
    state = form_validation(*history, requested="checkin_note", candidates={"checkin_note": "walked the dog "})
    events, _ = await validate_form(state)
    assert events == [SlotSet("checkin_note", "walked the dog")]


async def test_pressing_no_thanks_at_the_note_skips_it_with_an_empty_note():
    history = [*note_asked("2", "about a 2"), said("/deny", "deny")]
    events, _ = await validate_form(form_validation(*history, requested="checkin_note", candidates={"checkin_note": ""}))
    assert events == [SlotSet("checkin_note", "")]


# --- The note question ---------------------------------------------------------------------

def test_the_note_question_is_asked_with_a_no_thanks_button():
    state = tracker(*mood_asked(), said("about a 2", "inform_mood", mood="2"), slot("mood", "2"),
                    ran("checkin_form"), loop("checkin_form"), slot("requested_slot", "checkin_note"))
    events, dispatcher = run_action(ActionAskCheckinNote(), state)
    assert events == []
    [message] = dispatcher.messages
    assert message["text"] in NOTE_QUESTIONS
    assert message["buttons"] == [{"title": "No thanks", "payload": "/deny"}]
    assert message["custom"] == {}


def test_the_note_question_is_worded_in_more_than_one_way():
    state = tracker(*note_asked("3", "3"))
    random.seed(20241130)
    asked = {run_action(ActionAskCheckinNote(), state)[1].messages[0]["text"] for _ in range(40)}
    assert asked == set(NOTE_QUESTIONS)
    assert len(asked) == 2


def test_the_no_thanks_button_sends_the_intent_that_fills_an_empty_note():
    [mapping] = [m for m in DOMAIN["slots"]["checkin_note"]["mappings"] if m["type"] == "from_intent"]
    assert mapping["value"] == ""
    assert {"active_loop": "checkin_form", "requested_slot": "checkin_note"} in mapping["conditions"]
    _, dispatcher = run_action(ActionAskCheckinNote(), tracker(*note_asked("3", "3")))
    [button] = dispatcher.messages[0]["buttons"]
    assert button["payload"] == f"/{mapping['intent']}"


def test_the_note_question_is_the_action_rasa_runs_to_ask_for_the_note():
    assert "checkin_note" in DOMAIN["forms"]["checkin_form"]["required_slots"]
    assert ActionAskCheckinNote().name() == "action_ask_checkin_note"


def test_every_custom_action_is_declared_in_the_domain():
    names = {cls().name() for _, cls in inspect.getmembers(peerbot_actions, inspect.isclass)
             if issubclass(cls, Action) and cls.__module__ == peerbot_actions.__name__}
    assert names == set(DOMAIN["actions"]) == {"validate_checkin_form", "action_ask_checkin_note",
                                               "action_submit_checkin", "action_check_misunderstanding"}


# --- Submitting the check-in ----------------------------------------------------------------

def test_a_finished_check_in_is_sent_to_the_app_as_a_record_checkin_directive():
    _, dispatcher = run_action(ActionSubmitCheckin(), finished_checkin("4", "walked the dog"))
    [message] = dispatcher.messages
    assert message["custom"] == {"directive": "record_checkin", "mood": 4, "note": "walked the dog"}
    assert isinstance(message["custom"]["mood"], int)
    # The reply itself comes from utter_checkin_reply; the directive carries no text.
    assert message["text"] is None and message["buttons"] == []


def test_the_recorded_check_in_satisfies_the_dialogue_contract():
    _, dispatcher = run_action(ActionSubmitCheckin(), finished_checkin("1", "couldn't sleep"))
    assert parse_directive(dispatcher.messages[0]["custom"]) == Directive(
        "record_checkin", {"mood": 1, "note": "couldn't sleep"})


async def test_declining_the_note_records_the_check_in_with_no_note():
    history = [*note_asked("2", "about a 2"), said("/deny", "deny")]
    validated, _ = await validate_form(form_validation(*history, requested="checkin_note",
                                                       candidates={"checkin_note": ""}))
    note = validated[0]["value"]
    _, dispatcher = run_action(ActionSubmitCheckin(), finished_checkin("2", note))
    assert [m["custom"] for m in dispatcher.messages] == [{"directive": "record_checkin", "mood": 2, "note": None}]


def test_submitting_clears_the_mood_and_the_note_for_the_next_check_in():
    events, _ = run_action(ActionSubmitCheckin(), finished_checkin("5", "great session"))
    assert events == [SlotSet("mood", None), SlotSet("checkin_note", None)]


def test_a_check_in_without_a_mood_sends_nothing_to_the_app_but_is_still_cleared():
    events, dispatcher = run_action(ActionSubmitCheckin(), finished_checkin(None, "not sure"))
    assert dispatcher.messages == []
    assert events == [SlotSet("mood", None), SlotSet("checkin_note", None)]


# --- Counting misunderstandings --------------------------------------------------------------

@pytest.mark.parametrize("turns, count", [
    (("greet",), 0),
    (("greet", "nlu_fallback"), 1),
    (("greet", "nlu_fallback", "nlu_fallback"), 2),
    (("nlu_fallback", "nlu_fallback", "chitchat"), 0),
    (("nlu_fallback", "greet", "nlu_fallback"), 1),
])
def test_misunderstood_messages_are_counted_back_to_the_last_understood_one(turns, count):
    assert consecutive_fallbacks(misunderstandings(*turns)) == count


def test_bot_replies_and_slot_changes_between_messages_do_not_break_the_count():
    state = tracker(*session_start(), said("blorp", "nlu_fallback"), ran("action_check_misunderstanding"),
                    slot("repeated_misunderstanding", False), ran("utter_default"),
                    bot_said("Sorry, I'm not sure I understood."), ran("action_listen"),
                    said("wibble", "nlu_fallback"))
    assert consecutive_fallbacks(state) == 2


def test_a_misunderstanding_counts_whatever_the_model_guessed_below_it():
    state = tracker(*session_start(), said("meh whatever", "nlu_fallback", runner_up="inform_mood"),
                    ran("action_listen"), said("dunno really", "nlu_fallback", runner_up="inform_mood"))
    assert consecutive_fallbacks(state) == 2


def test_a_first_misunderstanding_asks_to_rephrase():
    events, _ = run_action(ActionCheckMisunderstanding(), misunderstandings("greet", "nlu_fallback"))
    assert events == [SlotSet("repeated_misunderstanding", False)]


def test_a_second_misunderstanding_in_a_row_offers_a_person():
    events, _ = run_action(ActionCheckMisunderstanding(), misunderstandings("greet", "nlu_fallback", "nlu_fallback"))
    assert events == [SlotSet("repeated_misunderstanding", True)]


def test_a_third_misunderstanding_in_a_row_asks_to_rephrase_again():
    state = misunderstandings("nlu_fallback", "nlu_fallback", "nlu_fallback")
    events, _ = run_action(ActionCheckMisunderstanding(), state)
    assert events == [SlotSet("repeated_misunderstanding", False)]


def test_every_second_misunderstanding_in_a_row_offers_a_person_again():
    state = misunderstandings("nlu_fallback", "nlu_fallback", "nlu_fallback", "nlu_fallback")
    events, _ = run_action(ActionCheckMisunderstanding(), state)
    assert events == [SlotSet("repeated_misunderstanding", True)]


def test_an_understood_message_clears_the_offer_of_a_person():
    # action_extract_slots runs the check after every message (the slot's custom mapping).
    events, _ = run_action(ActionCheckMisunderstanding(), misunderstandings("nlu_fallback", "nlu_fallback", "thanks"))
    assert events == [SlotSet("repeated_misunderstanding", False)]


def test_a_misunderstanding_after_an_understood_message_starts_the_count_again():
    state = misunderstandings("nlu_fallback", "nlu_fallback", "greet", "nlu_fallback")
    events, _ = run_action(ActionCheckMisunderstanding(), state)
    assert events == [SlotSet("repeated_misunderstanding", False)]


def test_the_misunderstanding_check_says_nothing_itself():
    _, dispatcher = run_action(ActionCheckMisunderstanding(), misunderstandings("nlu_fallback", "nlu_fallback"))
    assert dispatcher.messages == []
