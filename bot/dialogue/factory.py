"""Chooses the engine from the settings: remote when RASA_URL is set, else in-process."""
from __future__ import annotations

from bot.config import Settings
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.model import current_model


def open_engine(settings: Settings, strict: bool = False) -> DialogueEngine:
    """The dialogue engine for these settings; raises ModelError when no model is usable."""
    dialogue = settings.dialogue
    if dialogue.rasa_url:
        from bot.dialogue.remote import RemoteEngine

        return RemoteEngine(dialogue.rasa_url, strict=strict,
                            tracker_url=dialogue.tracker_url or settings.database.url)
    from bot.dialogue.inprocess import InProcessEngine

    model = current_model(dialogue.project_dir, dialogue.model_dir)
    return InProcessEngine.load(model, dialogue.project_dir, settings.database.url, strict=strict,
                                lock_store_url=dialogue.lock_store_url)
