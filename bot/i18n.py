"""Messages in the person's language.

Each message written for people is an English msgid in a gettext catalogue
(``bot/locale/<language>/LC_MESSAGES/peerbot.po``, read with Babel at first use):
``say(language, msgid, **values)`` gives it in that language, with ``{names}``
filled in, and English when the catalogue has no translation. ``N_`` marks a msgid
kept in a constant. Babel's extractor finds both (keywords ``say:2`` and ``N_``);
tests/test_i18n.py runs it and fails on any message without its translation.

What is catalogued today is what a person writing in Spanish must be able to
read: the crisis path (words, contacts, availability, a page that found nobody),
the notice that the bot itself only chats in English, a request for a person,
and /language. The rest of the bot is English (README, "Languages").
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

from babel.messages.pofile import read_po

ENGLISH = "en"
LANGUAGES = {"en": "English", "es": "Español"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "peerbot"


def N_(message: str) -> str:
    """Mark a msgid kept in a constant, for extraction; translated where it is said."""
    return message


def language_from(code: Optional[str]) -> str:
    """The bot's language for Telegram's ``language_code`` ("es-419" is Spanish), else English."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else ENGLISH


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """msgid -> translation for ``language`` (empty for English, or without a catalogue)."""
    path = catalogue_path(language)
    if language == ENGLISH or not path.is_file():
        return {}
    with path.open("rb") as handle:
        messages = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def say(language: Optional[str], message: str, **values: object) -> str:
    """``message`` in ``language`` (English if untranslated), with ``values`` filled in."""
    text = catalogue(language or ENGLISH).get(message, message)
    return text.format(**values) if values else text
