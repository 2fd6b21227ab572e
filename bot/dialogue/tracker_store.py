"""Rasa's SQL tracker store, with each conversation's working history kept short.

Rasa loads, replays and featurises every event of a conversation's current session
on every turn, so a turn costs more the longer the session: 84 ms for a new person,
2.6 s at their 300th message in one session (measured). Its sessions end only after
``session_expiration_time`` without a message, which someone who writes every day
may never reach. Here, once a session holds more than ``MAX_SESSION_EVENTS``, the end
of the next completed turn starts a new session that carries on where the old one
stood: the same slot values, still paused if a person holds the conversation. No
event is deleted (the history stays whole for /mydata and /forgetme); Rasa simply
loads from the newest session start. The policies look back a few turns only
(``max_history`` 4), so nothing they use is lost. A form in progress is never cut.

``rasa run`` can use it too: ``tracker_store: {type: bot.dialogue.tracker_store.BoundedSQLTrackerStore, ...}``.
"""
from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

# About 25-30 turns (a turn is a user message, the bot's actions and utterances, and the listen).
MAX_SESSION_EVENTS = 150


def at_rest(tracker: DialogueStateTracker) -> bool:
    """The end of a completed turn, outside any form: a new session can start here."""
    return tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.active_loop_name is None


def continue_in_new_session(tracker: DialogueStateTracker) -> None:
    """Start a new session that stands where the old one did. Its events are made after the
    session start: Rasa loads a session by timestamp, from its start on."""
    carried = {name: slot.value for name, slot in tracker.slots.items() if slot.value != slot.initial_value}
    paused = tracker.is_paused()
    tracker.update(SessionStarted())
    for name, value in carried.items():
        tracker.update(SlotSet(name, value))
    if paused:
        tracker.update(ConversationPaused())
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))


class BoundedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, max_session_events: int = MAX_SESSION_EVENTS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_session_events = max_session_events

    async def save(self, tracker: DialogueStateTracker) -> None:
        """``tracker.events`` holds the current session as loaded plus this turn's events."""
        if len(tracker.events) > self.max_session_events and at_rest(tracker):
            continue_in_new_session(tracker)
        await super().save(tracker)
