"""One `peerbot run` process, started as an operator would start it, watched from outside:
for the local multi-process layout, the fault-injection tests and the benchmark."""
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

START_TIMEOUT = 150  # loading the dialogue model in process takes 30-75 s on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peerbot_command() -> list[str]:
    """`peerbot run` from the environment this program runs in."""
    return [str(Path(sys.executable).parent / "peerbot"), "run"]


class BotProcess:
    """`peerbot run` against ``database_url`` with a Telegram token and Bot API address,
    restartable, its output in a log per start; ``settings`` are more environment
    variables (settings) of its own. Ready when its /readyz answers."""

    def __init__(self, database_url: str, token: str, base_url: Optional[str], folder: Path,
                 settings: Mapping[str, str], cwd: Optional[Path] = None, name: str = "bot") -> None:
        self.monitor_port = free_port()
        self.env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": token, "PEERBOT_CONFIG": "",
                    "PEERBOT_MONITORING__PORT": str(self.monitor_port), **settings}
        if base_url is not None:
            self.env["TELEGRAM_BASE_URL"] = base_url
        self.folder = folder
        self.cwd = cwd
        self.name = name
        self.process: Optional[subprocess.Popen] = None
        self.starts = 0

    def log(self) -> Path:
        return self.folder / f"{self.name}-{self.starts}.log"

    def launch(self) -> None:
        """Start without waiting (several processes load their models side by side)."""
        self.starts += 1
        with self.log().open("w") as output:
            self.process = subprocess.Popen(peerbot_command(), cwd=self.cwd, env=self.env, stdout=output,
                                            stderr=subprocess.STDOUT)

    async def ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until /readyz says it serves people; raises if it exits or takes too long."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited:\n{self.log().read_text()[-3000:]}")
                try:
                    if (await client.get(f"http://127.0.0.1:{self.monitor_port}/readyz", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} did not get ready:\n{self.log().read_text()[-3000:]}")

    async def start(self, timeout: float = START_TIMEOUT) -> None:
        self.launch()
        await self.ready(timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        stop(self.process, grace=20)


def stop(process: Optional[subprocess.Popen], grace: float) -> None:
    """SIGTERM, then SIGKILL if it is still running after ``grace`` seconds."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
