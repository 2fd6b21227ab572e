"""The sandbox as a server: the world of state.py behind the Bot API, the control API and the page.

``Sandbox`` *is* the world (so tests and demo seeding call its Python API
directly) plus an aiohttp server on a port of its own, and the webhook pusher.
"""
from __future__ import annotations

from aiohttp import web

from bot.sandbox import botapi, control
from bot.sandbox.api_calls import METHODS
from bot.sandbox.errors import SandboxError
from bot.sandbox.state import World
from bot.sandbox.webhook_delivery import WebhookPusher
from bot.sandbox.world_store import FIRST_USER_ID

# Telegram accepts uploads of up to 50 MB from bots; aiohttp's default is 1 MB.
MAX_REQUEST_BYTES = 50 * 1024 * 1024
# Long polls are released on stop; this only bounds a handler stuck in an injected delay.
SHUTDOWN_TIMEOUT = 2.0


class Sandbox(World):
    def __init__(self, token: str = "123456:SANDBOX-TOKEN", bot_username: str = "peerbot_sandbox_bot",
                 can_read_all_group_messages: bool = True, enforce_limits: bool = True,
                 first_user_id: int = FIRST_USER_ID) -> None:
        super().__init__(token, bot_username, can_read_all_group_messages, enforce_limits, first_user_id)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._pusher = WebhookPusher(self)

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the sandbox is not running: await sandbox.start() first")
        return self._url

    @property
    def api_base_url(self) -> str:
        """For PTB's ``base_url``: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0: any free port); returns the base URL."""
        if self._runner is not None:
            raise RuntimeError(f"the sandbox is already running at {self._url}")
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        botapi.install(app, self)
        control.install(app, self)
        # Cancelling the handler of a disconnected client ends an abandoned long poll.
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        bound_port = runner.addresses[0][1]
        self._runner = runner
        self._url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{bound_port}"
        self.open()
        self._pusher.start()
        return self._url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self.close()
        await self._pusher.stop()
        await self._runner.cleanup()
        self._runner = None
        self._url = None

    def add_fault(self, method: str, error_code: int, description: str, *, retry_after: int | None = None,
                  count: int = 1, delay: float = 0.0, chat_id: int | None = None) -> dict:
        """As ``World.add_fault``, refusing a method the sandbox lacks: a typo would never fire."""
        if method.lower() not in METHODS:
            known = ", ".join(sorted(name for name, _ in METHODS.values()))
            raise SandboxError(f"the sandbox has no Bot API method {method!r}; it has: {known}")
        return super().add_fault(method, error_code, description, retry_after=retry_after, count=count,
                                 delay=delay, chat_id=chat_id)
