"""The Bot API methods about the bot itself: who it is, its command menus, and how it
gets its updates (getUpdates, or a webhook that webhook_delivery.py pushes them to).
"""
from __future__ import annotations

import re
from typing import Any

from bot.sandbox.api_calls import Params, method
from bot.sandbox.errors import bad_request
from bot.sandbox.state import World

SCOPES_WITHOUT_CHAT = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def scope_key(params: Params) -> str:
    """The key of ``World.commands``: "default", "chat:<id>", "chat_member:<chat>:<user>", ... plus "/<language>"."""
    given = params.json("scope") or {"type": "default"}
    scope: dict[str, Any] = given if isinstance(given, dict) else {}  # not an object: no type, refused below
    kind = scope.get("type")
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
