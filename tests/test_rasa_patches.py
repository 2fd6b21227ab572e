"""The dialogue engine's hot path: Rasa's action-result check built once, and one parse per message."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.dialogue import rasa_patches
from bot.dialogue.contract import BotMessage, BotTurn


@pytest.fixture
def patched(inprocess_engine) -> RemoteAction:
    """A real Rasa RemoteAction, after the engine has loaded (and patched Rasa)."""
    assert RemoteAction._validate_action_result is rasa_patches.validate_action_result
    return RemoteAction("action_anything", None)


GOOD_RESULTS = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "mood", "value": 3}], "responses": [{"text": "Thanks"}]},
    {"events": [{"event": "action", "name": "action_listen"}]},
]
BAD_RESULTS = [
    {"events": "not a list"},
    {"events": [{"event": "no such event"}]},
    {"responses": ["a bare string"]},
    {"events": [{"name": "an event without its kind"}]},
]


@pytest.mark.parametrize("result", GOOD_RESULTS)
def test_a_well_formed_action_result_passes_as_it_does_in_rasa(patched, result):
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    assert patched._validate_action_result(result) is True


@pytest.mark.parametrize("result", BAD_RESULTS)
def test_a_malformed_action_result_is_still_rejected_with_rasas_error(patched, result):
    with pytest.raises(jsonschema.ValidationError) as rasa_own:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        patched._validate_action_result(result)
    assert ours.value.message.startswith(rasa_own.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_validator_is_built_once(patched):
    patched._validate_action_result({})
    patched._validate_action_result({"events": []})
    assert rasa_patches.action_result_validator.cache_info().currsize == 1
    assert rasa_patches.action_result_validator() is rasa_patches.action_result_validator()


def shape(turn: BotTurn) -> list[object]:
    """A turn without its wording (responses have variants picked at random)."""
    return [item.buttons if isinstance(item, BotMessage) else item for item in turn.items]


async def test_a_turn_given_the_screens_parse_is_the_turn_rasa_would_give(inprocess_engine, conversation):
    """The same text, with and without the parse handed over, in two fresh conversations."""
    for text in ("hi", "I'm feeling a bit low today", "/request_human"):
        parse = await inprocess_engine.parse(text)
        given = await inprocess_engine.handle(f"{conversation}-given", text, parse)
        own = await inprocess_engine.handle(f"{conversation}-own", text)
        assert shape(given) == shape(own)


async def test_a_turn_given_the_parse_does_not_parse_again(inprocess_engine, conversation, monkeypatch):
    """Rasa skips its NLU when handed parse data (counted at its graph entry point)."""
    processor = inprocess_engine.agent.processor
    calls: list[str] = []
    original = processor._parse_message_with_graph

    def counting(message, *args, **kwargs):
        calls.append(message.text)
        return original(message, *args, **kwargs)

    monkeypatch.setattr(processor, "_parse_message_with_graph", counting)
    parse = await inprocess_engine.parse("hello there")
    await inprocess_engine.handle(conversation, "hello there", parse)
    assert calls == ["hello there"]
    await inprocess_engine.handle(conversation, "something else", parse)  # not this text's parse
    assert calls == ["hello there", "something else"]
