"""What a use case says to a person, independent of the chat it travels through.

Buttons are (title, data) pairs: the adapter turns them into Telegram's inline
buttons, and the data comes back to it when one is pressed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

Button = tuple[str, str]  # (title, callback data)


@dataclass(frozen=True)
class Reply:
    """One message to send: text, rows of buttons, optionally a picture or a file."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: Optional[bytes] = None
    document: Optional[tuple[str, bytes]] = None  # (file name, contents)
