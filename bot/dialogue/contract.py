"""The contract between the Rasa model and the application.

A bot turn is an ordered list of messages (text with optional buttons) and
directives (custom payloads ``{"directive": name, ...}``). Rasa never writes
the application's tables or calls Telegram; the application executes the
directives. Every directive is checked against the table below, so a typo in
domain.yml or a custom action fails loudly instead of silently doing nothing.
docs/dialogue-contract.md documents the same table for people.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Union

log = logging.getLogger(__name__)


class ContractError(ValueError):
    """Rasa produced output the application does not understand."""


@dataclass(frozen=True)
class Param:
    """One directive parameter: its type, whether it must be present, allowed values."""

    kind: Union[type, tuple[type, ...]]
    required: bool = True
    choices: Optional[tuple[Any, ...]] = None


DIRECTIVES: dict[str, dict[str, Param]] = {
    "record_checkin": {"mood": Param(int, choices=(1, 2, 3, 4, 5)), "note": Param((str, type(None)), required=False)},
    "suggest_coping": {},
    "coping_feedback": {"helpful": Param(bool)},
    "escalate": {
        "priority": Param(str, choices=("urgent", "normal", "low")),
        "reason": Param(str, choices=("crisis", "request", "misunderstanding", "low_mood", "unanswered_offer")),
    },
    "crisis_contacts": {},
    "show_sessions": {},
    "rsvp": {"answer": Param(str, choices=("yes", "no", "maybe"))},
}


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Directive:
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


TurnItem = Union[BotMessage, Directive]


@dataclass(frozen=True)
class BotTurn:
    """What the bot decided for one incoming message, in order."""

    items: tuple[TurnItem, ...]

    @property
    def messages(self) -> list[BotMessage]:
        return [item for item in self.items if isinstance(item, BotMessage)]

    @property
    def directives(self) -> list[Directive]:
        return [item for item in self.items if isinstance(item, Directive)]

    def directive(self, name: str) -> Optional[Directive]:
        return next((d for d in self.directives if d.name == name), None)


def parse_directive(payload: Mapping[str, Any]) -> Directive:
    """Validate a custom payload against DIRECTIVES, or raise ContractError."""
    if not isinstance(payload, Mapping) or "directive" not in payload:
        raise ContractError(f"custom payload without a 'directive' key: {payload!r}")
    name = payload["directive"]
    spec = DIRECTIVES.get(name)
    if spec is None:
        raise ContractError(f"unknown directive {name!r}; known: {', '.join(sorted(DIRECTIVES))}")
    params = {key: value for key, value in payload.items() if key != "directive"}
    unexpected = set(params) - set(spec)
    if unexpected:
        raise ContractError(f"directive {name!r}: unexpected parameter(s) {', '.join(sorted(unexpected))}")
    for key, param in spec.items():
        if key not in params:
            if param.required:
                raise ContractError(f"directive {name!r}: missing parameter {key!r}")
            continue
        value = params[key]
        # bool is an int in Python; a mood of True must not pass as 1.
        if not isinstance(value, param.kind) or (isinstance(value, bool) and param.kind is int):
            raise ContractError(f"directive {name!r}: parameter {key!r} has the wrong type: {value!r}")
        if param.choices is not None and value not in param.choices:
            raise ContractError(f"directive {name!r}: parameter {key!r} must be one of {param.choices}, not {value!r}")
    return Directive(name, params)


def _message(output: Mapping[str, Any]) -> BotMessage:
    buttons = tuple(Button(str(b["title"]), str(b["payload"])) for b in output.get("buttons") or ())
    return BotMessage(str(output["text"]), buttons)


def turn_from_outputs(outputs: Iterable[Mapping[str, Any]], strict: bool = True) -> BotTurn:
    """Turn Rasa's output dicts into a BotTurn.

    ``strict`` (tests, development) raises on anything outside the contract. In
    production the offending item is logged at ERROR and dropped, so one bad
    directive never swallows the rest of a reply (which may be a crisis reply).
    """
    items: list[TurnItem] = []
    for output in outputs:
        try:
            unknown = set(output) - {"recipient_id", "text", "buttons", "custom"}
            if unknown:
                raise ContractError(f"unsupported output field(s) {', '.join(sorted(unknown))}")
            if output.get("text"):
                items.append(_message(output))
            if "custom" in output:
                items.append(parse_directive(output["custom"]))
        except ContractError:
            if strict:
                raise
            log.exception("dropped bot output outside the dialogue contract")
    return BotTurn(tuple(items))
