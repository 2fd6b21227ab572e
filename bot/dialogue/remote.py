"""The scale-out engine: a `rasa run --enable-api` server reached over HTTP.

Several bot workers can share Rasa servers this way (with a Redis lock store
and SQL tracker store configured on the Rasa side). Messages go through Rasa's
REST channel; pausing uses the tracker events API.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import quote

import httpx

from bot.dialogue.contract import BotTurn, turn_from_outputs
from bot.dialogue.engine import DialogueEngine, ParseResult
from bot.dialogue.history import DialogueHistory
from bot.storage.db import make_engine


class RemoteEngine(DialogueEngine):
    def __init__(self, base_url: str, strict: bool = False, timeout: float = 30.0,
                 tracker_url: Optional[str] = None) -> None:
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self.strict = strict
        # The database of the Rasa servers' SQL tracker store, for people's data rights.
        self.tracker = make_engine(tracker_url) if tracker_url else None

    async def _post(self, path: str, payload: dict) -> Any:
        """Rasa's JSON answer, whose shape depends on the endpoint (a list of outputs from the REST
        channel, a dict from /model/parse): each caller reads its own."""
        response = await self.client.post(path, json=payload)
        response.raise_for_status()
        return response.json()

    @staticmethod
    def _tracker_path(conversation: str) -> str:
        return f"/conversations/{quote(conversation, safe='')}/tracker"

    async def handle(self, conversation: str, text: str, parse: Optional[ParseResult] = None) -> BotTurn:
        """Rasa's REST channel takes text only, so a remote server parses again (``parse`` unused)."""
        outputs = await self._post("/webhooks/rest/webhook", {"sender": conversation, "message": text})
        return turn_from_outputs(outputs or [], strict=self.strict)

    async def parse(self, text: str) -> ParseResult:
        return ParseResult.from_rasa(text, await self._post("/model/parse", {"text": text}))

    async def pause(self, conversation: str) -> None:
        await self._post(f"{self._tracker_path(conversation)}/events", {"event": "pause"})

    async def resume(self, conversation: str) -> None:
        await self._post(f"{self._tracker_path(conversation)}/events", {"event": "resume"})

    async def is_paused(self, conversation: str) -> bool:
        response = await self.client.get(self._tracker_path(conversation))
        response.raise_for_status()
        return bool(response.json().get("paused"))

    def history(self) -> Optional[DialogueHistory]:
        return DialogueHistory(self.tracker) if self.tracker is not None else None

    async def close(self) -> None:
        await self.client.aclose()
        if self.tracker is not None:
            self.tracker.dispose()
