"""The contract between Rasa and the application: directives are checked, strictly."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from bot.dialogue.contract import DIRECTIVES, ContractError, Directive, parse_directive, turn_from_outputs

DOMAIN = Path(__file__).resolve().parents[1] / "rasa_project" / "domain.yml"


def domain_custom_payloads() -> list[dict]:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    return [variant["custom"] for variants in responses.values() for variant in variants if "custom" in variant]


def test_every_directive_in_the_domain_satisfies_the_contract():
    payloads = domain_custom_payloads()
    assert payloads, "the domain declares directives"
    for payload in payloads:
        parse_directive(payload)


def test_every_directive_is_documented():
    document = (Path(__file__).resolve().parents[1] / "docs" / "dialogue-contract.md").read_text(encoding="utf-8")
    for name in DIRECTIVES:
        assert f"`{name}`" in document


@pytest.mark.parametrize(
    "payload, problem",
    [
        ({"directive": "launch_rocket"}, "unknown directive 'launch_rocket'"),
        ({"priority": "urgent"}, "without a 'directive' key"),
        ({"directive": "escalate", "priority": "urgent"}, "missing parameter 'reason'"),
        ({"directive": "escalate", "priority": "asap", "reason": "crisis"}, "must be one of"),
        ({"directive": "record_checkin", "mood": "3"}, "wrong type"),
        ({"directive": "record_checkin", "mood": True}, "wrong type"),
        ({"directive": "record_checkin", "mood": 9}, "must be one of"),
        ({"directive": "suggest_coping", "mood": 2}, "unexpected parameter"),
    ],
)
def test_a_directive_outside_the_contract_is_rejected_loudly(payload, problem):
    with pytest.raises(ContractError, match=problem):
        parse_directive(payload)


def test_a_valid_directive_keeps_its_parameters():
    assert parse_directive({"directive": "record_checkin", "mood": 2, "note": "tired"}) == Directive(
        "record_checkin", {"mood": 2, "note": "tired"}
    )


def test_unsupported_output_such_as_an_image_is_rejected_in_strict_mode():
    with pytest.raises(ContractError, match="unsupported output field"):
        turn_from_outputs([{"recipient_id": "1", "image": "https://example.org/x.png"}])


def test_outside_strict_mode_a_bad_directive_is_logged_and_the_rest_is_still_delivered(caplog):
    outputs = [
        {"recipient_id": "1", "custom": {"directive": "escalate", "priority": "urgent", "reason": "crisis"}},
        {"recipient_id": "1", "text": "I'm letting a peer supporter know."},
        {"recipient_id": "1", "custom": {"directive": "no_such_thing"}},
        {"recipient_id": "1", "custom": {"directive": "crisis_contacts"}},
    ]
    with caplog.at_level(logging.ERROR):
        turn = turn_from_outputs(outputs, strict=False)
    assert [d.name for d in turn.directives] == ["escalate", "crisis_contacts"]
    assert [m.text for m in turn.messages] == ["I'm letting a peer supporter know."]
    assert "outside the dialogue contract" in caplog.text


def test_buttons_keep_their_titles_and_payloads():
    turn = turn_from_outputs(
        [{"text": "How are you?", "buttons": [{"title": "1 😞", "payload": '/inform_mood{"mood": "1"}'}]}]
    )
    assert turn.messages[0].buttons[0].title == "1 😞"
    assert turn.messages[0].buttons[0].payload == '/inform_mood{"mood": "1"}'
