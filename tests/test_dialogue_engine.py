"""The dialogue engine: both implementations (in-process and a remote Rasa server)
give the same turns for the same conversations."""
from __future__ import annotations

import asyncio
import threading

import pytest

from bot.dialogue.contract import Directive
from bot.dialogue.engine import conversation_id
from bot.dialogue.inprocess import EngineLoop

MOOD_BUTTON = '/inform_mood{{"mood": "{}"}}'


def texts(turn) -> str:
    return " ".join(message.text for message in turn.messages)


def payloads(turn) -> list[str]:
    return [button.payload for message in turn.messages for button in message.buttons]


async def test_a_greeting_offers_a_check_in_a_coping_idea_and_a_person(engine, conversation):
    turn = await engine.handle(conversation, "hello there")
    assert turn.messages
    assert {"/checkin", "/ask_coping", "/request_human"} <= set(payloads(turn))
    assert turn.directives == []


async def test_a_check_in_with_the_mood_buttons_is_recorded(engine, conversation):
    ask = await engine.handle(conversation, "/checkin")
    assert [MOOD_BUTTON.format(n) for n in range(1, 6)] == payloads(ask)

    note_question = await engine.handle(conversation, MOOD_BUTTON.format(3))
    assert "/deny" in payloads(note_question)
    assert note_question.directives == []

    done = await engine.handle(conversation, "/deny")
    assert done.directive("record_checkin") == Directive("record_checkin", {"mood": 3, "note": None})
    assert done.messages, "the check-in gets a reply"


async def test_a_mood_typed_in_words_starts_a_check_in_and_keeps_the_note(engine, conversation):
    note_question = await engine.handle(conversation, "feeling pretty rubbish today")
    assert "/deny" in payloads(note_question)
    done = await engine.handle(conversation, "slept badly, worried about money")
    assert done.directive("record_checkin") == Directive(
        "record_checkin", {"mood": 2, "note": "slept badly, worried about money"}
    )


async def test_a_low_mood_reply_offers_a_coping_idea_and_a_person(engine, conversation):
    await engine.handle(conversation, "/checkin")
    await engine.handle(conversation, MOOD_BUTTON.format(1))
    done = await engine.handle(conversation, "/deny")
    assert {"/ask_coping", "/request_human"} <= set(payloads(done))


async def test_a_second_check_in_asks_for_the_mood_again(engine, conversation):
    for mood in (4, 2):
        await engine.handle(conversation, "/checkin")
        await engine.handle(conversation, MOOD_BUTTON.format(mood))
        done = await engine.handle(conversation, "/deny")
        assert done.directive("record_checkin").params["mood"] == mood


async def test_crisis_language_escalates_urgently_before_the_reply_and_asks_for_contacts(engine, conversation):
    turn = await engine.handle(conversation, "I want to end it all")
    names = [item.name if isinstance(item, Directive) else "message" for item in turn.items]
    assert names == ["escalate", "message", "crisis_contacts"]
    assert turn.directive("escalate").params == {"priority": "urgent", "reason": "crisis"}
    reply = texts(turn).lower()
    assert "bot" in reply or "automated" in reply, "the crisis reply is honest that it is a bot"
    assert "handled" not in reply


async def test_crisis_language_in_the_middle_of_a_check_in_stops_it(engine, conversation):
    await engine.handle(conversation, "/checkin")
    turn = await engine.handle(conversation, "everyone would be better off without me")
    assert turn.directive("escalate").params["priority"] == "urgent"
    assert turn.directive("record_checkin") is None
    after = await engine.handle(conversation, "hello")
    assert "/checkin" in payloads(after), "the check-in form is no longer waiting for a mood"


async def test_asking_for_a_person_hands_off_with_normal_priority(engine, conversation):
    turn = await engine.handle(conversation, "can I talk to a real person please")
    assert turn.directive("escalate").params == {"priority": "normal", "reason": "request"}
    assert turn.messages


async def test_are_you_a_bot_gets_an_honest_answer(engine, conversation):
    turn = await engine.handle(conversation, "are you a bot?")
    assert "bot" in texts(turn).lower()
    assert "/request_human" in payloads(turn)


async def test_asking_for_a_coping_idea_asks_the_application_for_one(engine, conversation):
    turn = await engine.handle(conversation, "/ask_coping")
    assert turn.directive("suggest_coping") is not None
    feedback = await engine.handle(conversation, "/coping_not_helped")
    assert feedback.directive("coping_feedback").params == {"helpful": False}
    assert "/request_human" in payloads(feedback)


async def test_session_questions_and_rsvps_become_directives(engine, conversation):
    assert (await engine.handle(conversation, "/ask_next_session")).directive("show_sessions") is not None
    assert (await engine.handle(conversation, "/rsvp_no")).directive("rsvp").params == {"answer": "no"}


async def test_the_second_misunderstanding_in_a_row_offers_a_person(engine, conversation):
    first = await engine.handle(conversation, "/nlu_fallback")
    assert first.directives == [] and first.messages
    second = await engine.handle(conversation, "/nlu_fallback")
    assert second.directive("escalate").params == {"priority": "low", "reason": "misunderstanding"}
    assert "/request_human" in payloads(second)


async def test_a_paused_conversation_gets_no_bot_reply_until_resumed(engine, conversation):
    await engine.pause(conversation)
    assert await engine.is_paused(conversation)
    assert (await engine.handle(conversation, "hello")).items == ()
    await engine.resume(conversation)
    assert not await engine.is_paused(conversation)
    assert (await engine.handle(conversation, "hello")).messages


async def test_each_member_of_a_group_has_their_own_dialogue_state(engine, conversation):
    chat = -1000 - int(conversation)
    alice, bob = conversation_id(chat, 1, private=False), conversation_id(chat, 2, private=False)
    await engine.handle(alice, "/checkin")
    bob_turn = await engine.handle(bob, "hello")
    assert "/checkin" in payloads(bob_turn), "Bob is greeted, not asked for Alice's mood"
    note_question = await engine.handle(alice, MOOD_BUTTON.format(4))
    assert "/deny" in payloads(note_question), "Alice's check-in carried on"


async def test_parse_gives_the_intent_and_a_full_ranking(engine):
    result = await engine.parse("are you a robot")
    assert result.intent == "bot_challenge"
    assert 0 < result.confidence <= 1
    assert "crisis" in result.ranking


def test_conversation_ids_are_per_person_in_private_and_per_member_in_groups():
    assert conversation_id(42, 42, private=True) == "42"
    assert conversation_id(-100123, 42, private=False) == "-100123:42"


async def test_the_in_process_model_works_on_a_thread_of_its_own_leaving_the_bots_loop_free(
        inprocess_engine, conversation, monkeypatch):
    """A turn's CPU work (featurising, TensorFlow) must not stall the bot's event loop, where
    a crisis lane's reply and page go on meanwhile."""
    processor = inprocess_engine.agent.processor
    threads: list[str] = []
    original = processor._parse_message_with_graph

    def recording(message, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return original(message, *args, **kwargs)

    monkeypatch.setattr(processor, "_parse_message_with_graph", recording)
    await inprocess_engine.handle(conversation, "hello there")
    await inprocess_engine.parse("how are you")
    assert threads == ["dialogue-engine", "dialogue-engine"]
    assert threading.current_thread().name != "dialogue-engine"


async def test_a_call_abandoned_by_the_time_budget_is_cancelled_on_the_engine_thread_too():
    """GuardedEngine gives up on a slow turn by cancelling it; the work on the engine's own
    loop must stop as well, not run on behind the next person's turn."""
    engine_loop = EngineLoop()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def slow_turn() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            loop.call_soon_threadsafe(stopped.set)

    try:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(engine_loop.run(slow_turn()), 0.2)
        await asyncio.wait_for(stopped.wait(), 5)
    finally:
        engine_loop.stop()
    assert not engine_loop.thread.is_alive()
