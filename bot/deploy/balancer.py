"""nginx in front of the bot workers' webhooks (Debian's package, run as an ordinary
process with its files in one folder).

Telegram (or the sandbox) sends every update to one address; nginx passes each to a
worker, and to the next one if a worker is down or answers 502/503. Passing a POST on
again is safe here: a worker stores an update before it answers 200, and the inbox
keeps each update once whichever worker stored it (``bot.services.inbox``).
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path
from typing import Optional, Sequence

from bot.deploy.process import stop

WEBHOOK_PATH = "/telegram"
START_TIMEOUT = 10


def nginx_config(listen: str, port: int, workers: Sequence[int], folder: Path) -> str:
    """A complete nginx.conf: one server on ``listen:port`` proxying the webhook path to
    the workers' webhook ports on this machine."""
    servers = "\n".join(f"        server 127.0.0.1:{worker} max_fails=3 fail_timeout=2s;" for worker in workers)
    return f"""# Written by peerbot's local multi-process layout; deploy/nginx/peerbot.conf is the
# operators' version of the same routing.
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    upstream peerbot_workers {{
{servers}
        keepalive 16;
    }}
    server {{
        listen {listen}:{port};
        location = {WEBHOOK_PATH} {{
            proxy_pass http://peerbot_workers;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """Debian's nginx (scripts/ensure-system-packages.sh installs it for `make test`)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed: run `sudo apt-get install nginx-light` (or nginx)")
    return found


class Balancer:
    """nginx on ``port``, in front of the workers' webhook ports, until stopped."""

    def __init__(self, port: int, workers: Sequence[int], folder: Path, listen: str = "127.0.0.1") -> None:
        self.port = port
        self.listen = listen
        self.workers = list(workers)
        self.folder = folder
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://{self.listen}:{self.port}{WEBHOOK_PATH}"

    def command(self) -> list[str]:
        return [nginx_binary(), "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-g", "daemon off;"]

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "nginx.conf").write_text(nginx_config(self.listen, self.port, self.workers, self.folder))
        with (self.folder / "nginx.log").open("w") as output:
            self.process = subprocess.Popen(self.command(), stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.folder / 'nginx.log').read_text()[-2000:]}")
            try:
                _, writer = await asyncio.open_connection(self.listen, self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise RuntimeError(f"nginx did not listen on {self.listen}:{self.port} within {START_TIMEOUT} s")

    def stop(self) -> None:
        stop(self.process, grace=10)
