"""The default engine: the Rasa Agent loaded in this process.

Conversation state lives in Rasa's SQL tracker store on the application's own
database (table ``events``), so it survives restarts and is found by /mydata
and /forgetme.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Any, Coroutine, Optional, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.dialogue.contract import BotTurn, turn_from_outputs
from bot.dialogue.engine import DialogueEngine, ParseResult
from bot.dialogue.history import DialogueHistory
from bot.dialogue.model import ModelError
from bot.storage.db import make_engine

log = logging.getLogger(__name__)

T = TypeVar("T")


def quiet_rasa_logs() -> None:
    """Rasa prints structlog debug lines and TensorFlow notices unless told not to."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl", "apscheduler", "sanic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def tracker_store_for(database_url: str, bounded: bool = True):  # -> rasa.core.tracker_store.SQLTrackerStore
    """Rasa's SQL tracker store on the application's database; ``bounded``: ours, whose
    turns do not grow slower as a conversation grows (``tracker_store.py``).

    Rasa retries forever when the database is down at construction, so the
    database is checked first and a clear error raised instead.
    """
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.dialogue.tracker_store import BoundedSQLTrackerStore

    probe = make_engine(database_url)
    try:
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        probe.dispose()
    url = make_url(database_url)
    return (BoundedSQLTrackerStore if bounded else SQLTrackerStore)(
        dialect=url.drivername,
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
        password=url.password,
        query=dict(url.query) or None,
    )


class EngineLoop:
    """An event loop on a thread of its own, where every call into the Rasa agent runs.

    A Rasa turn is CPU work inside coroutines (featurising, the policies' TensorFlow,
    checking action results): run on the bot's own loop, it stalls every other update
    for the whole turn, a crisis lane's reply and page included, at every await. On its
    own thread, TensorFlow's kernels release the GIL and Python's thread switching
    (every 5 ms) lets the bot's loop go on between them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="dialogue-engine", daemon=True)
        self.thread.start()

    async def run(self, call: Coroutine[Any, Any, T]) -> T:
        """The coroutine's result, computed on the engine's loop; cancelling the caller
        (the engine's time budget) cancels it there too."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, self.loop))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        if not self.thread.is_alive():
            self.loop.close()


class InProcessEngine(DialogueEngine):
    concurrent_calls = 1

    def __init__(self, agent, store, strict: bool) -> None:  # rasa Agent, SQLTrackerStore
        self.agent = agent
        self.store = store
        self.strict = strict
        self.engine_loop = EngineLoop()

    @classmethod
    def load(cls, model: Path, project_dir: Path, database_url: str, strict: bool = False,
             lock_store_url: Optional[str] = None) -> "InProcessEngine":
        """The agent on the application's database; with ``lock_store_url`` (Redis) its
        conversation locks are shared with the other bot processes."""
        quiet_rasa_logs()
        from rasa.core.agent import Agent

        from bot.dialogue import rasa_patches
        from bot.dialogue.actions_bridge import InProcessActionEndpoint, load_executor
        from bot.dialogue.lock_store import lock_store_for

        rasa_patches.apply()
        if not model.is_file():
            raise ModelError(f"model file {model} does not exist; run `peerbot train`")
        store = tracker_store_for(database_url)
        try:
            agent = Agent.load(
                str(model),
                tracker_store=store,
                lock_store=lock_store_for(lock_store_url),
                action_endpoint=InProcessActionEndpoint(load_executor(project_dir)),
            )
        except Exception as exc:  # Rasa raises many types for a bad archive
            raise ModelError(f"could not load the dialogue model {model}: {exc}; run `peerbot train --force`") from exc
        if not agent.is_ready():
            raise ModelError(f"the dialogue model {model} loaded but is not usable; run `peerbot train --force`")
        return cls(agent, store, strict)

    async def handle(self, conversation: str, text: str, parse: Optional[ParseResult] = None) -> BotTurn:
        """Like Rasa's ``handle_text``, but given the screen's parse of this very text, Rasa
        skips its own (``UserMessage.parse_data``)."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        parse_data = dict(parse.raw) if parse is not None and parse.raw and parse.text == text else None
        message = UserMessage(text, CollectingOutputChannel(), conversation, parse_data=parse_data)
        outputs = await self.engine_loop.run(self.agent.handle_message(message))
        return turn_from_outputs(outputs or [], strict=self.strict)

    async def parse(self, text: str) -> ParseResult:
        return ParseResult.from_rasa(text, await self.engine_loop.run(self.agent.parse_message(text)))

    async def _append(self, conversation: str, event) -> None:
        async with self.agent.lock_store.lock(conversation):
            store = self.agent.tracker_store
            tracker = await store.get_or_create_tracker(conversation)
            tracker.update(event)
            await store.save(tracker)

    async def pause(self, conversation: str) -> None:
        from rasa.shared.core.events import ConversationPaused

        await self.engine_loop.run(self._append(conversation, ConversationPaused()))

    async def resume(self, conversation: str) -> None:
        from rasa.shared.core.events import ConversationResumed

        await self.engine_loop.run(self._append(conversation, ConversationResumed()))

    async def is_paused(self, conversation: str) -> bool:
        tracker = await self.engine_loop.run(self.agent.tracker_store.get_or_create_tracker(conversation))
        return tracker.is_paused()

    def history(self) -> DialogueHistory:
        return DialogueHistory(self.store.engine)

    async def close(self) -> None:
        self.engine_loop.stop()
        self.store.engine.dispose()
