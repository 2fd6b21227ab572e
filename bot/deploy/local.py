"""The multi-process layout on one machine: N `peerbot run` workers in webhook mode behind
nginx, sharing one database (the inbox, the application's tables and Rasa's tracker
store) and Redis (the dialogue's conversation locks).

Each worker loads the dialogue model in process, so N workers use N cores. Any worker
may receive any update; the inbox keeps each update once and hands each conversation's
updates out one at a time, in order, whichever worker claims them; the scheduler's jobs
run on one worker at a time (its lease). This is the shape of a deployment across
machines (deploy/), on loopback: `peerbot layout` starts it for a try-out, and the
benchmark measures it.
"""
from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Mapping, Optional

from bot.deploy.balancer import Balancer
from bot.deploy.process import BotProcess, free_port
from bot.storage import migrate
from bot.telegram.rate_limits import MESSAGES_PER_SECOND

# Each role in the layout and the program it runs. The layout starts the balancer and the
# workers and uses the machine's own PostgreSQL (or SQLite) and Redis; deploy/compose.yaml
# runs all four (tests/test_layout.py holds it to this).
ROLES = {"balancer": "nginx", "worker": "peerbot run", "database": "postgres", "locks": "redis-server"}


class LocalLayout:
    """Start with ``async with``; ``workers`` then holds the running `peerbot run` processes."""

    def __init__(self, workers: int, database_url: str, token: str, base_url: Optional[str], folder: Path,
                 redis_url: str, port: Optional[int] = None, settings: Optional[Mapping[str, str]] = None,
                 cwd: Optional[Path] = None, public_url: Optional[str] = None,
                 secret: Optional[str] = None) -> None:
        self.count = workers
        self.database_url = database_url
        self.token = token
        self.base_url = base_url
        self.folder = folder
        self.redis_url = redis_url
        self.port = port or free_port()
        self.settings = dict(settings or {})
        self.cwd = cwd
        # Real Telegram posts to a public HTTPS address that a TLS proxy hands to nginx; the
        # sandbox posts to nginx directly.
        self.public_url = public_url
        self.secret = secret or secrets.token_urlsafe(24)
        self.workers: list[BotProcess] = []
        self.balancer: Optional[Balancer] = None

    def worker(self, number: int, webhook_port: int, webhook_url: str) -> BotProcess:
        settings = {"PEERBOT_WEBHOOK_URL": webhook_url, "PEERBOT_TELEGRAM__WEBHOOK_SECRET": self.secret,
                    "PEERBOT_TELEGRAM__WEBHOOK_PORT": str(webhook_port),
                    "PEERBOT_TELEGRAM__MESSAGES_PER_SECOND": str(max(1, MESSAGES_PER_SECOND // self.count)),
                    "PEERBOT_DIALOGUE__LOCK_STORE_URL": self.redis_url, **self.settings}
        return BotProcess(self.database_url, self.token, self.base_url, self.folder, settings, cwd=self.cwd,
                          name=f"worker-{number}")

    async def start(self) -> None:
        """Migrate, start nginx, then the workers side by side; returns once all are ready."""
        self.folder.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(migrate.upgrade, self.database_url)
        ports = [free_port() for _ in range(self.count)]
        self.balancer = Balancer(self.port, ports, self.folder / "nginx")
        await self.balancer.start()
        webhook_url = self.public_url or self.balancer.url
        self.workers = [self.worker(number, port, webhook_url) for number, port in enumerate(ports, 1)]
        for worker in self.workers:
            worker.launch()
        await asyncio.gather(*(worker.ready() for worker in self.workers))

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.balancer is not None:
            self.balancer.stop()

    async def __aenter__(self) -> "LocalLayout":
        try:
            await self.start()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        self.stop()
