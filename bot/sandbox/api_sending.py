"""What every sending method shares: its text or caption within Telegram's limits, its
reply markup, the message it replies to, and then the rate limit and storing the message.
"""
from __future__ import annotations

from typing import Callable

from bot.sandbox.api_calls import Params
from bot.sandbox.api_parse_modes import visible_text
from bot.sandbox.errors import bad_request
from bot.sandbox.state import World

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
KEYBOARD_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")


def message_text(params: Params) -> tuple[str, str | None]:
    text, parse_mode = params.text("text") or "", params.text("parse_mode")
    visible = visible_text(text, parse_mode)
    if not visible.strip():
        raise bad_request("message text is empty")
    if len(visible) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, parse_mode


def caption(params: Params) -> tuple[dict, str | None]:
    text, parse_mode = params.text("caption"), params.text("parse_mode")
    if text is None:
        return {}, parse_mode
    if len(visible_text(text, parse_mode)) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": text}, parse_mode


def reply_markup(params: Params, *, inline_only: bool = False) -> dict | None:
    markup = params.json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict) or not any(kind in markup for kind in KEYBOARD_KINDS):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup["inline_keyboard"])
    elif inline_only:
        raise bad_request("inline keyboard expected")
    return markup


def check_inline_keyboard(rows: object) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")


def reply_to(world: World, params: Params, chat_id: int) -> dict:
    """``reply_to_message`` for a reply given as ``reply_parameters`` or the older ``reply_to_message_id``."""
    parameters = params.json("reply_parameters") or {}
    if not isinstance(parameters, dict):
        raise bad_request("can't parse reply parameters JSON object")
    message_id = parameters.get("message_id") or params.integer("reply_to_message_id")
    if not message_id:
        return {}
    quoted = world.reply_target(chat_id, int(message_id))
    if quoted is not None:
        return {"reply_to_message": quoted}
    if parameters.get("allow_sending_without_reply") or params.flag("allow_sending_without_reply"):
        return {}
    raise bad_request("message to be replied not found")


async def send(world: World, params: Params, chat_id: int, content: Callable[[], dict],
               parse_mode: str | None) -> dict:
    """The part every sending method shares, after its own checks: reply, markup, rate limit, store.

    ``content`` is called only once the rate limiter has admitted the message,
    so a refused upload leaves no file behind.
    """
    markup = reply_markup(params)
    quoted = reply_to(world, params, chat_id)
    world.take_send_slot(chat_id)
    stored = world.post_message(chat_id, {**content(), **quoted}, parse_mode=parse_mode, reply_markup=markup)
    return stored.api
