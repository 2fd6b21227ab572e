"""Telegram's Bot API over the sandbox world, as aiohttp handlers, and the webhook pusher.

Calls arrive at ``{url}/bot{token}/{method}`` as python-telegram-bot sends them
(form fields with nested objects as JSON strings, multipart for uploads), or as
JSON bodies and GET query strings like any other client. Answers use the
official shapes, so PTB's ``de_json`` accepts them, and errors use Telegram's
status codes and descriptions, so the bot's error handling is exercised as it
will be in production. Malformed HTML or MarkdownV2 fails here as it would on
Telegram, because that is a classic way for a bot to break on real names.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import mimetypes
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Awaitable, Callable, Mapping

import aiohttp
from aiohttp import web

from bot.sandbox.state import (
    GROUP_PERMISSIONS,
    BotApiError,
    NotFound,
    StoredFile,
    StoredMessage,
    Webhook,
    World,
    bad_request,
    now,
)

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
             "blockquote", "tg-emoji"}
KEYBOARD_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
SCOPES_WITHOUT_CHAT = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")
# Seconds before each retry of a failed webhook delivery; then the update is dropped.
WEBHOOK_RETRY_DELAYS = (0.2, 0.5, 1.0)  # then every WEBHOOK_RETRY_CAP seconds, within the world's patience
WEBHOOK_RETRY_CAP = 2.0
WEBHOOK_TIMEOUT = 10.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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

    def text(self, name: str, required: bool = False) -> str | None:
        value = self._given(name, required)
        return None if value is None else str(value)

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


def install(app: web.Application, world: World) -> None:
    async def call(request: web.Request) -> web.Response:
        return await handle_call(world, request)

    async def download(request: web.Request) -> web.StreamResponse:
        return await handle_download(world, request)

    app.router.add_route("*", "/bot{token}/{method}", call)
    app.router.add_get("/file/bot{token}/{file_path:.+}", download)


async def handle_call(world: World, request: web.Request) -> web.Response:
    if request.match_info["token"] != world.token:
        return error_response(BotApiError(401, "Unauthorized"))
    entry = METHODS.get(request.match_info["method"].lower())
    if entry is None:
        return error_response(BotApiError(404, "Not Found"))
    name, handler = entry
    world.count_call(name)
    try:
        params = await read_params(request)
        fault = world.take_fault(name, params.peek_chat_id())
        if fault is not None:
            await asyncio.sleep(fault.delay)
            if fault.error_code:
                raise fault.error()
        return web.json_response({"ok": True, "result": await handler(world, params)})
    except BotApiError as error:
        return error_response(error)


async def handle_download(world: World, request: web.Request) -> web.StreamResponse:
    if request.match_info["token"] != world.token:
        return error_response(BotApiError(401, "Unauthorized"))
    stored = world.file_at(request.match_info["file_path"])
    if stored is None:
        return error_response(BotApiError(404, "Not Found"))
    return web.Response(body=stored.data, content_type=stored.mime_type)


def error_response(error: BotApiError) -> web.Response:
    return web.json_response(error.body(), status=error.error_code)


async def read_params(request: web.Request) -> Params:
    values: dict[str, object] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("the JSON request body must be an object")
        values.update(body)
    elif request.body_exists:
        values.update(await request.post())
    return Params(values)


# --- text, markup and the other parameters the sending methods share ----------------------


class TelegramHtml(HTMLParser):
    """Telegram's HTML subset: the visible text, or the error Telegram gives for bad markup."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.visible: list[str] = []
        self.open_tags: list[str] = []

    def parse(self) -> str:
        self.feed(self.source)
        self.close()
        if self.open_tags:
            raise entities_error(f'Can\'t find end tag corresponding to start tag "{self.open_tags[-1]}"')
        return "".join(self.visible)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in HTML_TAGS:
            raise entities_error(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            expected = f'"</{self.open_tags[-1]}>"' if self.open_tags else "no end tag"
            raise entities_error(f'Unmatched end tag at byte offset {self._byte_offset()}, expected {expected}, '
                                 f'found "</{tag}>"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.splitlines(keepends=True)
        return len("".join(lines[:line - 1]).encode()) + len(lines[line - 1][:column].encode())


def entities_error(reason: str) -> BotApiError:
    return bad_request(f"can't parse entities: {reason}")


def markdown_v2_text(text: str) -> str:
    """The visible text of MarkdownV2, refusing unescaped reserved characters as Telegram does.

    Formatting characters are taken as markup without checking that they pair
    up; Telegram is stricter there.
    """
    visible: list[str] = []
    in_code = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            visible.append(text[index + 1])
            index += 2
            continue
        if char == "`":
            in_code = not in_code
            index = len(text) - len(text[index:].lstrip("`"))
            continue
        if in_code:
            visible.append(char)
        elif char == "]" and text.startswith("(", index + 1) and ")" in text[index:]:
            index = text.index(")", index)  # a link's URL is not shown
        elif char in "#+-=.!(){}>" and not (char == ">" and (index == 0 or text[index - 1] == "\n")):
            raise entities_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        elif char not in "*_~|[]":
            visible.append(char)
        index += 1
    return "".join(visible)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What a reader sees once Telegram has parsed the markup; limits apply to this."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text
    if mode == "html":
        return TelegramHtml(text).parse()
    if mode == "markdownv2":
        return markdown_v2_text(text)
    if mode == "markdown":
        return re.sub(r"[*_`\[\]]", "", text)
    raise bad_request("unsupported parse_mode")


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


def file_source(world: World, params: Params, name: str) -> StoredFile | Upload:
    """The file to send: a fresh upload or a file_id the sandbox already has."""
    value = params.file(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, Upload):
        if not value.data:
            raise bad_request("file must be non-empty")
        return value
    try:
        return world.file(value)
    except NotFound:
        raise bad_request("wrong file identifier/HTTP URL specified") from None


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


def store_upload(world: World, source: StoredFile | Upload, kind: str) -> StoredFile:
    if isinstance(source, StoredFile):
        return source
    return world.store_file(source.data, kind, source.mime_type, source.file_name)


def scope_key(params: Params) -> str:
    """The key of ``World.commands``: "default", "chat:<id>", "chat_member:<chat>:<user>", ... plus "/<language>"."""
    scope = params.json("scope") or {"type": "default"}
    kind = scope.get("type") if isinstance(scope, dict) else None
    try:
        if kind in SCOPES_WITHOUT_CHAT:
            key = kind
        elif kind in ("chat", "chat_administrators"):
            key = f"{kind}:{int(scope['chat_id'])}"
        elif kind == "chat_member":
            key = f"chat_member:{int(scope['chat_id'])}:{int(scope['user_id'])}"
        else:
            raise bad_request("wrong scope type specified")
    except (KeyError, TypeError, ValueError):
        raise bad_request(f"can't parse BotCommandScope {kind}") from None
    language = params.text("language_code")
    return f"{key}/{language}" if language else key


def allowed_updates(world: World, params: Params) -> None:
    """An empty list restores the default; leaving the parameter out keeps the previous setting."""
    chosen = params.json("allowed_updates")
    if chosen is None:
        return
    if not isinstance(chosen, list) or not all(isinstance(kind, str) for kind in chosen):
        raise bad_request("can't parse allowed_updates JSON array")
    world.allowed_updates = chosen or None


def full_info(chat: dict) -> dict:
    """ChatFullInfo: the chat plus the fields PTB requires (accent colour, reactions, gift types)."""
    info = {**chat, "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                    "premium_subscription": False, "gifts_from_channels": False}}
    if chat["type"] == "private":
        info["has_private_forwards"] = True
    else:
        info.update({"permissions": GROUP_PERMISSIONS, "has_visible_history": True})
    return info


# --- the methods ----------------------------------------------------------------------------


@method("getMe")
async def get_me(world: World, params: Params) -> dict:
    return world.bot_user


@method("logOut")
@method("close")
async def log_out(world: World, params: Params) -> bool:
    return True


@method("getUpdates")
async def get_updates(world: World, params: Params) -> list:
    allowed_updates(world, params)
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = max(params.number("timeout") or 0.0, 0.0)
    return await world.poll_updates(params.integer("offset") or 0, limit, timeout)


@method("setWebhook")
async def set_webhook(world: World, params: Params) -> bool:
    url = params.text("url") or ""
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: invalid webhook URL specified")
    secret = params.text("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed_updates(world, params)
    world.set_webhook(url, secret, params.integer("max_connections") or 40, params.flag("drop_pending_updates"))
    return True


@method("deleteWebhook")
async def delete_webhook(world: World, params: Params) -> bool:
    world.set_webhook("", None, 40, params.flag("drop_pending_updates"))
    return True


@method("getWebhookInfo")
async def get_webhook_info(world: World, params: Params) -> dict:
    return world.webhook_info()


@method("sendMessage")
async def send_message(world: World, params: Params) -> dict:
    chat_id = params.chat_id()
    world.check_can_post(chat_id)
    text, parse_mode = message_text(params)
    entities = params.json("entities")
    return await send(world, params, chat_id, lambda: {"text": text, **({"entities": entities} if entities else {})},
                      parse_mode)


@method("sendPhoto")
async def send_photo(world: World, params: Params) -> dict:
    chat_id = params.chat_id()
    world.check_can_post(chat_id)
    captioned, parse_mode = caption(params)
    source = file_source(world, params, "photo")

    def content() -> dict:
        # The sandbox does not decode images, so every photo has one size.
        size = {**store_upload(world, source, "photo").describe(), "width": 1280, "height": 720}
        return {"photo": [size], **captioned}

    return await send(world, params, chat_id, content, parse_mode)


@method("sendDocument")
async def send_document(world: World, params: Params) -> dict:
    chat_id = params.chat_id()
    world.check_can_post(chat_id)
    captioned, parse_mode = caption(params)
    source = file_source(world, params, "document")

    def content() -> dict:
        stored = store_upload(world, source, "document")
        name = source.file_name if isinstance(source, Upload) else None
        document = {**stored.describe(), "mime_type": stored.mime_type,
                    "file_name": name or PurePosixPath(stored.file_path).name}
        return {"document": document, **captioned}

    return await send(world, params, chat_id, content, parse_mode)


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


@method("setMyCommands")
async def set_my_commands(world: World, params: Params) -> bool:
    commands = params.json("commands", required=True)
    if not isinstance(commands, list) or len(commands) > 100 or not all(isinstance(c, dict) for c in commands):
        raise bad_request("can't parse commands JSON array (at most 100 BotCommand objects)")
    for command in commands:
        if not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("command description must be 1-256 characters")
    key = scope_key(params)
    if commands:
        world.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    else:
        world.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(world: World, params: Params) -> list:
    return world.commands.get(scope_key(params), [])


@method("deleteMyCommands")
async def delete_my_commands(world: World, params: Params) -> bool:
    world.commands.pop(scope_key(params), None)
    return True


@method("getChat")
async def get_chat(world: World, params: Params) -> dict:
    return full_info(world.bot_chat(params.chat_id()))


@method("getChatMember")
async def get_chat_member(world: World, params: Params) -> dict:
    return world.chat_member_of(params.chat_id(), params.integer("user_id", required=True))


@method("getChatAdministrators")
async def get_chat_administrators(world: World, params: Params) -> list:
    return world.administrators(params.chat_id())


@method("getChatMemberCount")
async def get_chat_member_count(world: World, params: Params) -> int:
    return world.member_count(params.chat_id())


@method("restrictChatMember")
async def restrict_chat_member(world: World, params: Params) -> bool:
    permissions = params.json("permissions", required=True)
    if not isinstance(permissions, dict):
        raise bad_request("can't parse permissions JSON object")
    world.restrict(params.chat_id(), params.integer("user_id", required=True), permissions,
                   params.integer("until_date") or 0)
    return True


@method("banChatMember")
async def ban_chat_member(world: World, params: Params) -> bool:
    world.ban(params.chat_id(), params.integer("user_id", required=True), params.integer("until_date") or 0)
    return True


@method("unbanChatMember")
async def unban_chat_member(world: World, params: Params) -> bool:
    world.unban(params.chat_id(), params.integer("user_id", required=True), params.flag("only_if_banned"))
    return True


@method("getFile")
async def get_file(world: World, params: Params) -> dict:
    try:
        stored = world.file(str(params.text("file_id", required=True)))
    except NotFound:
        raise bad_request("invalid file_id") from None
    return {**stored.describe(), "file_path": stored.file_path}


# --- webhook delivery -----------------------------------------------------------------------


class WebhookPusher:
    """Delivers queued updates to the webhook one at a time and in order, as Telegram does.

    A failed delivery is retried with growing pauses for ``world.webhook_patience``
    seconds (by default a few tries, so a broken bot never stalls the sandbox; tests
    of a bot that restarts set it longer, as Telegram keeps trying for a day) and then
    dropped (recorded in getWebhookInfo). If the webhook is removed meanwhile, the
    update stays queued for getUpdates.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)) as session:
            while True:
                hook, pending = self.world.webhook, self.world.pending
                if hook is None or not pending:
                    await self.world.changed.wait(None)
                    continue
                await self._deliver(session, hook, pending[0])

    def _delays(self):
        waited = 0.0
        yield 0.0
        for delay in itertools.chain(WEBHOOK_RETRY_DELAYS, itertools.repeat(WEBHOOK_RETRY_CAP)):
            waited += delay
            if waited > self.world.webhook_patience + 1e-9:
                return
            yield delay

    async def _deliver(self, session: aiohttp.ClientSession, hook: Webhook, update: dict) -> None:
        for delay in self._delays():
            await asyncio.sleep(delay)
            if self.world.webhook is not hook:
                return
            error = await self._post(session, hook, update)
            if error is None:
                break
            hook.last_error_date, hook.last_error_message = now(), error
            log.warning("webhook delivery of update %s failed: %s", update["update_id"], error)
        self.world.drop_update(update["update_id"])

    @staticmethod
    async def _post(session: aiohttp.ClientSession, hook: Webhook, update: dict) -> str | None:
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        try:
            async with session.post(hook.url, json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return f"Connection failed: {exc or type(exc).__name__}"
