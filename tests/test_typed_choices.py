"""Typing instead of pressing: how a message lists its buttons, which button typed text
stands for, and where a chat's last question is kept (the journeys themselves are in
test_safety_plans, test_coping, test_session_admin, test_telegram_bot, test_outcomes
and test_privacy)."""
from __future__ import annotations

from bot.app.typed_choices import choice_for, hint
from bot.services.pending_choices import PendingChoices

SHARE = [("Yes, share it", "y"), ("No, keep it to myself", "n")]
PLACES = [("No limit", "0"), ("6", "6"), ("8", "8")]
MOODS = [("1 😞", "m1"), ("2 🙁", "m2"), ("3 😐", "m3")]


def test_choices_are_typed_by_number_title_or_a_first_word_no_other_shares():
    assert [choice_for(SHARE, text) for text in ("2", " yes, SHARE it! ", "no", "maybe", "3")] == \
        ["n", "y", "n", None, None]
    assert choice_for([("Keep as it is", "k"), ("Keep quiet", "q")], "keep") is None, "shared first word"


def test_numbers_that_are_titles_are_never_read_as_positions():
    assert choice_for(PLACES, "6") == "6" and choice_for(PLACES, "2") is None
    assert hint(PLACES, cancel=True) == "Or type one of: No limit, 6, 8; or cancel."


def test_the_hint_says_what_typing_does():
    assert hint(SHARE) == "Or type 1 (Yes, share it), 2 (No, keep it to myself)."
    assert hint(MOODS) == "Or type 1 to 3." and choice_for(MOODS, "3") == "m3"
    assert hint([], cancel=True) == "(Type cancel to stop.)"


def test_a_chats_last_question_is_kept_in_the_database_for_any_process(db):
    asked, answering = PendingChoices(db), PendingChoices(db)
    asked.keep(42, SHARE)
    assert answering.get(42) == SHARE and answering.get(43) == []
    asked.keep(42, PLACES)
    assert answering.get(42) == PLACES
    answering.clear(42)
    assert asked.get(42) == []
