"""One Bot API call as a method sees it: its parameters, and the registry of methods.

Parameters arrive as python-telegram-bot sends them (form fields with nested
objects as JSON strings, multipart for uploads), or as JSON bodies and GET
query strings like any other client; ``Params`` reads them all alike. Each
subject's module (api_messages.py, api_files.py, api_chats.py, api_bot.py)
registers its methods with ``@method``; botapi.py looks them up by name.
"""
from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from typing import Awaitable, Callable, Literal, Mapping, overload

from aiohttp import web

from bot.sandbox.errors import bad_request
from bot.sandbox.state import World


@dataclass(frozen=True)
class Upload:
    data: bytes
    mime_type: str
    file_name: str | None


class Params:
    """One call's parameters, whether they came as strings (form, multipart, query) or typed JSON."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = values

    def _given(self, name: str, required: bool) -> object | None:
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value

    def chat_id(self) -> int:
        try:
            return int(str(self._given("chat_id", required=True)))
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def peek_chat_id(self) -> int | None:
        """The chat a call is about, if it names one, for faults aimed at one chat."""
        try:
            return int(str(self._values.get("chat_id")))
        except (TypeError, ValueError):
            return None

    # Typed twice: a required parameter is never None (a call without it is a bad request).
    @overload
    def text(self, name: str, required: Literal[True]) -> str: ...
    @overload
    def text(self, name: str, required: bool = False) -> str | None: ...

    def text(self, name: str, required: bool = False) -> str | None:
        value = self._given(name, required)
        return None if value is None else str(value)

    @overload
    def integer(self, name: str, required: Literal[True]) -> int: ...
    @overload
    def integer(self, name: str, required: bool = False) -> int | None: ...

    def integer(self, name: str, required: bool = False) -> int | None:
        value = self._given(name, required)
        if value is None:
            return None
        try:
            return int(str(value))
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a valid Integer') from None

    def number(self, name: str) -> float | None:
        value = self._given(name, required=False)
        try:
            return None if value is None else float(str(value))
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a valid Number') from None

    def flag(self, name: str) -> bool:
        return self._values.get(name) in (True, "true", "True", "1", 1)

    def json(self, name: str, required: bool = False) -> object | None:
        value = self._given(name, required)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def file(self, name: str) -> Upload | str | None:
        """An uploaded file (directly or via ``attach://``), or a string naming a known file."""
        value = self._given(name, required=False)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self._values.get(value[len("attach://"):])
        if isinstance(value, web.FileField):
            data = value.file.read()
            mime_type = value.content_type or mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
            return Upload(data, mime_type, value.filename)
        return None if value is None else str(value)


Method = Callable[[World, Params], Awaitable[object]]
METHODS: dict[str, tuple[str, Method]] = {}  # lower-case name -> (official name, handler)


def method(name: str) -> Callable[[Method], Method]:
    """Register a Bot API method; Telegram matches method names case-insensitively."""

    def register(handler: Method) -> Method:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register
