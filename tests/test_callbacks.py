"""Button data: one codec for every kind, no two kinds able to claim the same data,
and every kind's longest data within Telegram's 64 bytes."""
from __future__ import annotations

import re

import pytest

from bot.app.callbacks import CALLBACK_DATA_LIMIT, CLAIM, CONSENT, KINDS, QUESTIONNAIRE_ANSWER, RSVP
from bot.telegram.registry import CALLBACKS


def test_every_prefix_is_unique():
    prefixes = [kind.prefix for kind in KINDS]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.prefix)
def test_each_kind_s_longest_data_fits_telegram_and_is_claimed_by_that_kind_alone(kind):
    assert len(kind.longest.encode()) <= CALLBACK_DATA_LIMIT
    assert [other.prefix for other in KINDS if re.match(other.pattern, kind.longest)] == [kind.prefix]


def test_every_kind_is_routed_to_exactly_one_handler_and_every_route_is_a_kind():
    patterns = [pattern for pattern, _ in CALLBACKS]
    assert sorted(patterns) == sorted(kind.pattern for kind in KINDS)


def test_data_round_trips_through_its_fields():
    assert RSVP.fields(RSVP.data(42, "maybe")) == ("42", "maybe")
    assert CLAIM.number(CLAIM.data(7)) == 7
    assert CONSENT.fields(CONSENT.data("y", "join_walkers-12")) == ("y", "join_walkers-12")
    assert CONSENT.fields(CONSENT.data("n")) == ("n", "")
    assert QUESTIONNAIRE_ANSWER.fields(QUESTIONNAIRE_ANSWER.data(3, "stop")) == ("3", "", "", "stop")


@pytest.mark.parametrize("make", [
    lambda: RSVP.data(42, "perhaps"),  # not an answer the kind carries
    lambda: CLAIM.data("x"),
    lambda: CONSENT.data("y", "join_" + "x" * 60),  # over 64 bytes
])
def test_data_that_does_not_fit_its_kind_or_telegram_is_refused_when_made(make):
    with pytest.raises(ValueError):
        make()


def test_data_of_another_kind_or_forged_is_refused_when_read():
    with pytest.raises(ValueError):
        CLAIM.number(RSVP.data(42, "yes"))
    with pytest.raises(ValueError):
        RSVP.fields("rsvp:x:y:z")
