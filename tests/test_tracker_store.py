"""A conversation's working history stays short however long the person has been writing:
past a bound, the end of a turn starts a new Rasa session standing where the old one stood."""
from __future__ import annotations

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, ConversationPaused, SessionStarted, SlotSet, UserUttered

from bot.dialogue.tracker_store import MAX_SESSION_EVENTS, BoundedSQLTrackerStore


def small_store(inprocess_engine, tmp_path, bound: int = 10) -> BoundedSQLTrackerStore:
    return BoundedSQLTrackerStore(domain=inprocess_engine.agent.domain, dialect="sqlite",
                                  db=str(tmp_path / "tracker.db"), max_session_events=bound)


def turns(tracker, count: int) -> None:
    for n in range(count):
        tracker.update(UserUttered(f"message {n}", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("utter_greet"))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))


async def test_a_long_session_continues_in_a_new_one_with_its_slots_and_its_pause(inprocess_engine, tmp_path):
    store = small_store(inprocess_engine, tmp_path)
    tracker = await store.get_or_create_tracker("long")
    tracker.update(SlotSet("mood", "3"))
    tracker.update(ConversationPaused())
    turns(tracker, 5)
    await store.save(tracker)
    loaded = await store.retrieve("long")
    assert isinstance(loaded.events[0], SessionStarted) and len(loaded.events) <= 4
    assert loaded.get_slot("mood") == "3" and loaded.is_paused()
    full = await store.retrieve_full_tracker("long")
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [f"message {n}" for n in range(5)], \
        "nothing is deleted"


async def test_the_next_turns_are_stored_after_the_new_session_start(inprocess_engine, tmp_path):
    store = small_store(inprocess_engine, tmp_path)
    tracker = await store.get_or_create_tracker("next")
    turns(tracker, 5)
    await store.save(tracker)
    tracker = await store.retrieve("next")
    turns(tracker, 1)
    await store.save(tracker)
    loaded = await store.retrieve("next")
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["message 0"]


async def test_a_form_in_progress_is_never_cut(inprocess_engine, tmp_path):
    store = small_store(inprocess_engine, tmp_path)
    tracker = await store.get_or_create_tracker("form")
    turns(tracker, 3)
    tracker.update(ActiveLoop("checkin_form"))
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    await store.save(tracker)
    loaded = await store.retrieve("form")
    assert not any(isinstance(e, SessionStarted) for e in loaded.events)
    assert loaded.active_loop_name == "checkin_form"


async def test_the_running_engine_keeps_a_long_conversations_history_short(inprocess_engine, conversation):
    for _ in range(MAX_SESSION_EVENTS // 4 + 10):
        turn = await inprocess_engine.handle(conversation, "hi")
        assert turn.messages, "the model answers on either side of a new session"
    loaded = await inprocess_engine.store.retrieve(conversation)
    assert len(loaded.events) <= MAX_SESSION_EVENTS + 10
    full = await inprocess_engine.store.retrieve_full_tracker(conversation)
    assert sum(isinstance(e, SessionStarted) for e in full.events) >= 2
