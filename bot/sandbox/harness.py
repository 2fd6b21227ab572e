"""A real `peerbot run` process pointed at the sandbox, and people for it to serve: how the
fault-injection tests and the throughput benchmark drive the bot from outside, over the
Bot API, exactly as an operator would start it."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping, Optional

import httpx

from bot.sandbox.server import Sandbox
from bot.storage.db import Database
from bot.storage.models import Person, PersonRole
from bot.storage.types import utcnow

START_TIMEOUT = 150  # loading the dialogue model in process takes 30-75 s on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class BotProcess:
    """`peerbot run` with the sandbox's token and Bot API address, restartable, its output in
    a log per start; ``settings`` adds environment variables (settings) of its own."""

    def __init__(self, database_url: str, sandbox: Sandbox, folder: Path, settings: Mapping[str, str],
                 cwd: Optional[Path] = None) -> None:
        self.monitor_port = free_port()
        self.env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": sandbox.token,
                    "TELEGRAM_BASE_URL": sandbox.api_base_url, "PEERBOT_CONFIG": "",
                    "PEERBOT_MONITORING__PORT": str(self.monitor_port), **settings}
        self.folder = folder
        self.cwd = cwd
        self.process: Optional[subprocess.Popen] = None
        self.starts = 0

    def log(self) -> Path:
        return self.folder / f"bot-{self.starts}.log"

    async def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start and wait until /readyz says it serves people."""
        self.starts += 1
        with self.log().open("w") as output:
            self.process = subprocess.Popen([str(Path(sys.executable).parent / "peerbot"), "run"], cwd=self.cwd,
                                            env=self.env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise AssertionError(f"peerbot exited:\n{self.log().read_text()[-3000:]}")
                try:
                    if (await client.get(f"http://127.0.0.1:{self.monitor_port}/readyz", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"peerbot did not get ready:\n{self.log().read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def seed(db: Database, sandbox: Sandbox, people: int, prefix: str = "Person") -> tuple[dict, list[dict]]:
    """A PSW on duty and ``people`` participants who have joined, known to the bot and the
    sandbox; each sends /help so they have a private chat with the bot."""
    psw = sandbox.add_user("Jo")
    with db.session() as session, session.begin():
        jo = Person(telegram_user_id=psw["id"], display_name="Jo", consented_at=utcnow(), region="uk", on_duty=True)
        session.add(jo)
        session.flush()
        session.add(PersonRole(person_id=jo.id, role="psw", source="invite"))
    users = participants(db, sandbox, people, prefix, hello=False)
    for user in [psw, *users]:
        sandbox.send(user["id"], user["id"], "/help")
    return psw, users


def participants(db: Database, sandbox: Sandbox, people: int, prefix: str = "Person", hello: bool = True) -> list[dict]:
    """``people`` more participants who have joined; with ``hello`` each sends /help first."""
    users = [sandbox.add_user(f"{prefix}{i}") for i in range(people)]
    with db.session() as session, session.begin():
        for user in users:
            session.add(Person(telegram_user_id=user["id"], display_name=user["first_name"], consented_at=utcnow(),
                               region="uk"))
    if hello:
        for user in users:
            sandbox.send(user["id"], user["id"], "/help")
    return users
