"""The sandbox's two kinds of error.

``BotApiError`` is Telegram refusing the *bot* (botapi.py answers it as
``{"ok": false}``); ``SandboxError`` is a *person* (or a test) asking for
something impossible here, such as writing in a group they are not in
(control.py answers it as 400, and ``NotFound`` as 404).
"""
from __future__ import annotations


class SandboxError(ValueError):
    """A person (or test) asked for something impossible in the sandbox; the message says what."""


class NotFound(SandboxError, LookupError):
    """No such user, chat, message or file."""


class BotApiError(Exception):
    """Telegram refusing a Bot API call, answered as ``{"ok": false, ...}`` with the same HTTP status."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict:
        body: dict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")
