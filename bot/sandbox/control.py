"""The control API: acting as the sandbox's people over HTTP, and the page that uses it.

A thin JSON layer over the Python API in state.py, for the browser page and for
scripts in any language. A request the world refuses answers 400, an unknown
user, chat, message or file 404, both as ``{"error": "..."}`` naming the
problem. docs/sandbox.md lists every route.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.sandbox.errors import NotFound, SandboxError
from bot.sandbox.state import World

PAGE = Path(__file__).parent / "static" / "index.html"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def install(app: web.Application, world: World) -> None:
    control = ControlApi(world)
    app.router.add_get("/", control.page)
    for verb, path, handler in control.routes():
        app.router.add_route(verb, f"/sandbox{path}", refusals_as_json(handler))


def refusals_as_json(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NotFound as exc:
            return web.json_response({"error": str(exc)}, status=404)
        except SandboxError as exc:
            return web.json_response({"error": str(exc)}, status=400)

    return guarded


class Body:
    """A JSON object body with typed fields; booleans do not pass for numbers."""

    def __init__(self, values: object) -> None:
        if not isinstance(values, dict):
            raise SandboxError("the body must be a JSON object")
        self.values = values

    @classmethod
    async def of(cls, request: web.Request) -> Body:
        try:
            values = await request.json()
        except ValueError:
            raise SandboxError("the body must be JSON") from None
        return cls(values)

    def _get(self, name: str, kinds: tuple[type, ...], description: str, required: bool) -> Any:
        value = self.values.get(name)
        if value is None:
            if required:
                raise SandboxError(f"{name} is required")
            return None
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise SandboxError(f"{name} must be {description}")
        return value

    def integer(self, name: str) -> int:
        return self._get(name, (int,), "an integer", required=True)

    def maybe_integer(self, name: str) -> int | None:
        return self._get(name, (int,), "an integer", required=False)

    def text(self, name: str) -> str:
        return self._get(name, (str,), "a string", required=True)

    def maybe_text(self, name: str) -> str | None:
        return self._get(name, (str,), "a string", required=False)

    def maybe_number(self, name: str) -> float | None:
        return self._get(name, (int, float), "a number", required=False)

    def maybe_texts(self, name: str) -> list[str] | None:
        values = self._get(name, (list,), "a list of strings", required=False)
        if values is not None and not all(isinstance(value, str) for value in values):
            raise SandboxError(f"{name} must be a list of strings")
        return values

    def maybe_objects(self, name: str) -> list[dict] | None:
        values = self._get(name, (list,), "a list of objects", required=False)
        if values is not None and not all(isinstance(value, dict) for value in values):
            raise SandboxError(f"{name} must be a list of objects")
        return values


def path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise SandboxError(f"{name} must be an integer, not {request.match_info[name]!r}") from None


class ControlApi:
    def __init__(self, world: World) -> None:
        self.world = world

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/state", self.state),
            ("POST", "/users", self.add_user),
            ("POST", "/groups", self.add_group),
            ("POST", "/groups/{chat_id}/members", self.add_member),
            ("DELETE", "/groups/{chat_id}/members/{user_id}", self.remove_member),
            ("POST", "/groups/{chat_id}/bot", self.set_bot_status),
            ("POST", "/messages", self.send),
            ("POST", "/messages/{chat_id}/{message_id}/edit", self.edit),
            ("POST", "/callbacks", self.press),
            ("POST", "/faults", self.add_fault),
            ("GET", "/stats", self.stats),
            ("GET", "/files/{file_id}", self.file),
        ]

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(PAGE, headers={"Cache-Control": "no-cache"})

    async def state(self, request: web.Request) -> web.Response:
        try:
            since = int(request.query.get("since", "0"))
        except ValueError:
            raise SandboxError("since must be an integer") from None
        return web.json_response(self.world.snapshot(since))

    async def add_user(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        user = self.world.add_user(body.text("first_name"), body.maybe_text("username"),
                                   body.maybe_integer("user_id"), body.maybe_text("last_name"),
                                   body.maybe_text("language_code") or "en")
        return web.json_response(user, status=201)

    async def add_group(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        chat = self.world.add_group(body.text("title"), body.maybe_integer("chat_id"))
        return web.json_response(chat, status=201)

    async def add_member(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        member = self.world.add_member(path_int(request, "chat_id"), body.integer("user_id"),
                                       body.maybe_text("status") or "member")
        return web.json_response(member)

    async def remove_member(self, request: web.Request) -> web.Response:
        return web.json_response(self.world.remove_member(path_int(request, "chat_id"), path_int(request, "user_id")))

    async def set_bot_status(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        member = self.world.set_bot_status(path_int(request, "chat_id"), body.text("status"),
                                           by_user_id=body.maybe_integer("by_user_id"))
        return web.json_response(member)

    async def send(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        message = self.world.send(
            body.integer("chat_id"), body.integer("user_id"), body.maybe_text("text"),
            kind=body.maybe_text("kind") or "text", reply_to_message_id=body.maybe_integer("reply_to_message_id"),
            forward_from_user_id=body.maybe_integer("forward_from_user_id"), caption=body.maybe_text("caption"),
            entities=body.maybe_objects("entities"), question=body.maybe_text("question"),
            options=body.maybe_texts("options"),
        )
        return web.json_response(message, status=201)

    async def edit(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        message = self.world.edit(path_int(request, "chat_id"), path_int(request, "message_id"),
                                  body.maybe_text("text"), caption=body.maybe_text("caption"))
        return web.json_response(message)

    async def press(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        query_id = self.world.press(body.integer("chat_id"), body.integer("message_id"), body.integer("user_id"),
                                    body.text("data"))
        return web.json_response({"callback_query_id": query_id}, status=201)

    async def add_fault(self, request: web.Request) -> web.Response:
        body = await Body.of(request)
        fault = self.world.add_fault(
            body.text("method"), body.integer("error_code"), body.maybe_text("description") or "",
            retry_after=body.maybe_integer("retry_after"), count=body.maybe_integer("count") or 1,
            delay=body.maybe_number("delay") or 0.0, chat_id=body.maybe_integer("chat_id"),
        )
        return web.json_response(fault, status=201)

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.world.stats)

    async def file(self, request: web.Request) -> web.Response:
        stored = self.world.file(request.match_info["file_id"])
        return web.Response(body=stored.data, content_type=stored.mime_type)
