"""The Bot API methods for messages: sending text, chat actions, editing and deleting
the bot's messages, and answering button presses.
"""
from __future__ import annotations

from bot.sandbox.api_calls import Params, method
from bot.sandbox.api_sending import message_text, reply_markup, send
from bot.sandbox.errors import bad_request
from bot.sandbox.records import StoredMessage
from bot.sandbox.state import World

NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")


@method("sendMessage")
async def send_message(world: World, params: Params) -> dict:
    chat_id = params.chat_id()
    world.check_can_post(chat_id)
    text, parse_mode = message_text(params)
    entities = params.json("entities")
    return await send(world, params, chat_id, lambda: {"text": text, **({"entities": entities} if entities else {})},
                      parse_mode)


@method("sendChatAction")
async def send_chat_action(world: World, params: Params) -> bool:
    world.check_can_post(params.chat_id())
    return True


@method("editMessageText")
async def edit_message_text(world: World, params: Params) -> dict:
    stored = editable(world, params)
    if "text" not in stored.api:
        raise bad_request("there is no text in the message to edit")
    text, parse_mode = message_text(params)
    markup = reply_markup(params, inline_only=True)  # leaving it out removes the keyboard, as on Telegram
    if (text, parse_mode, markup) == (stored.api["text"], stored.parse_mode, stored.reply_markup):
        raise bad_request(NOT_MODIFIED)
    world.revise(stored, {"text": text}, parse_mode=parse_mode, reply_markup=markup, edited=True)
    return stored.api


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, params: Params) -> dict:
    stored = editable(world, params)
    markup = reply_markup(params, inline_only=True)
    if markup == stored.reply_markup:
        raise bad_request(NOT_MODIFIED)
    world.revise(stored, {}, parse_mode=stored.parse_mode, reply_markup=markup, edited=False)
    return stored.api


def editable(world: World, params: Params) -> StoredMessage:
    if params.text("inline_message_id"):
        raise bad_request("the sandbox has no inline messages")
    stored = world.bot_message(params.chat_id(), params.integer("message_id", required=True), "edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored


@method("deleteMessage")
async def delete_message(world: World, params: Params) -> bool:
    chat_id = params.chat_id()
    stored = world.bot_message(chat_id, params.integer("message_id", required=True), "delete")
    if chat_id < 0 and not stored.from_bot and not world.bot_is_admin(chat_id):
        raise bad_request("message can't be deleted")
    world.delete(stored)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(world: World, params: Params) -> bool:
    world.answer_callback(params.text("callback_query_id", required=True), params.text("text"),
                          params.flag("show_alert"))
    return True
