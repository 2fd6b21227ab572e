"""Check-in form validation and its note question, check-in submission, and
counting misunderstandings so that the second in a row offers a person."""
from __future__ import annotations

import random
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# Words people use for a mood, mapped onto the 1-5 scale. DIET's synonyms
# cover the training phrases; this catches the rest of what it extracts.
MOOD_WORDS: Dict[str, int] = {
    "awful": 1, "terrible": 1, "horrendous": 1, "dreadful": 1, "worst": 1, "horrible": 1, "in bits": 1,
    "rubbish": 2, "bad": 2, "low": 2, "crap": 2, "down": 2, "shit": 2, "struggling": 2, "pants": 2,
    "not great": 2, "not good": 2, "poor": 2,
    "ok": 3, "okay": 3, "meh": 3, "alright": 3, "so-so": 3, "so so": 3, "middling": 3, "average": 3,
    "good": 4, "decent": 4, "not bad": 4, "fine": 4, "well": 4,
    "great": 5, "brilliant": 5, "amazing": 5, "fantastic": 5, "buzzing": 5, "excellent": 5, "wonderful": 5,
}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
# "not", "isn't", "never" just before a mood word, perhaps with a softener between
# ("not so good", "I don't feel great"): the table's own "not bad" etc. match first.
NEGATION = re.compile(r"(?:\bnot|n't|\bnever)\s+(?:(?:so|very|too|that|really|feeling|feel)\s+)*$")
LOW, MIDDLE = 2, 3
FALLBACK_STRIKES = 2
SKIP_NOTE_BUTTON = [{"title": "No thanks", "payload": "/deny"}]
# Asked by the form. Kept here rather than as a domain response because Rasa's
# validator reports form-only responses as unused (--fail-on-warnings).
NOTE_QUESTIONS = (
    "Thanks. Is there anything you'd like to add, in a few words? It's fine to skip.",
    "Would you like to say a little more about it? Only if you want to.",
)


def normalise_mood(value: Any) -> Optional[str]:
    """Turn what was extracted ("2", "two", "2/5", "pretty rubbish") into "1".."5", or None."""
    if value is None:
        return None
    text = str(value).strip().lower()
    digit = re.search(r"\b([1-5])\b", text)
    if digit:
        return digit.group(1)
    for word, number in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return str(number)
    for phrase in sorted(MOOD_WORDS, key=len, reverse=True):
        found = re.search(rf"\b{re.escape(phrase)}\b", text)
        if found:
            return str(negated(MOOD_WORDS[phrase]) if NEGATION.search(text[:found.start()]) else MOOD_WORDS[phrase])
    return None


def negated(mood: int) -> int:
    """A mood word read the other way: "not well" or "not okay" is low, "not too bad" middling."""
    return LOW if mood >= MIDDLE else MIDDLE


def mood_in_latest_message(tracker: Tracker) -> Optional[str]:
    """The mood in the words of the latest message, if it was a mood statement."""
    # A misunderstood message (nlu_fallback) is not a mood statement, whatever was ranked below it.
    if tracker.get_intent_of_latest_message(skip_fallback_intent=False) != "inform_mood":
        return None
    return normalise_mood(tracker.latest_message.get("text"))


class ValidateCheckinForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_checkin_form"

    async def extract_mood(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A mood statement whose words the entity extractor missed ("feeling pretty
        rubbish today") is read with the same word table, rather than asked again."""
        if tracker.get_slot("mood") is not None:
            return {}
        mood = mood_in_latest_message(tracker)
        return {"mood": mood} if mood else {}

    def validate_mood(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # The whole mood statement is read first: the extractor may have taken "well" out of
        # "not well". An unreadable mood leaves the slot empty, so the form asks again.
        return {"mood": mood_in_latest_message(tracker) or normalise_mood(slot_value)}

    def validate_checkin_note(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"checkin_note": str(slot_value).strip()[:1000]}


class ActionAskCheckinNote(Action):
    def name(self) -> Text:
        return "action_ask_checkin_note"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=random.choice(NOTE_QUESTIONS), buttons=SKIP_NOTE_BUTTON)
        return []


class ActionSubmitCheckin(Action):
    """Hands the finished check-in to the application and clears the form for next time."""

    def name(self) -> Text:
        return "action_submit_checkin"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        mood = normalise_mood(tracker.get_slot("mood"))
        note = tracker.get_slot("checkin_note") or None
        if mood is not None:
            dispatcher.utter_message(json_message={"directive": "record_checkin", "mood": int(mood), "note": note})
        return [SlotSet("mood", None), SlotSet("checkin_note", None)]


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the model did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionCheckMisunderstanding(Action):
    """Sets ``repeated_misunderstanding`` so rules can offer a person every second miss in a row."""

    def name(self) -> Text:
        return "action_check_misunderstanding"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        strikes = consecutive_fallbacks(tracker)
        return [SlotSet("repeated_misunderstanding", strikes > 0 and strikes % FALLBACK_STRIKES == 0)]
