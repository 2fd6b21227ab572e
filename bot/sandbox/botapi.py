"""Telegram's Bot API over the sandbox world, served by aiohttp: the calls and the file downloads.

Calls arrive at ``{url}/bot{token}/{method}``; this module checks the token,
finds the method in the registry (api_calls.py), applies any fault a test
injected, and answers in Telegram's shapes, so PTB's ``de_json`` accepts them,
with Telegram's status codes and descriptions for errors, so the bot's error
handling is exercised as it will be in production. The methods themselves are
grouped by subject: messages (api_messages.py), files (api_files.py), chats and
members (api_chats.py), and the bot itself, its commands and updates (api_bot.py).
"""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.sandbox import api_bot, api_chats, api_files, api_messages  # noqa: F401  (each registers its methods)
from bot.sandbox.api_calls import METHODS, Params
from bot.sandbox.errors import BotApiError, bad_request
from bot.sandbox.state import World


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
