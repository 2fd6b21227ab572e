"""`make run` as a newcomer meets it: `peerbot run` with no Telegram token starts the
sandbox on its own database, as many times as it is run, says what it is doing while
the model loads, and refuses a busy port at once, naming the setting to change."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import PROJECT_ROOT, free_port

START_TIMEOUT = 150  # the first start loads the dialogue model in process
READY_LINE = "peerbot sandbox: open"
LOADING_LINE = "loading the dialogue model"


def sandbox_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "RASA_URL", "DATABASE_URL")}
    env.update({"PEERBOT_CONFIG": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}",
                "PEERBOT_SANDBOX__DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.db'}",
                "PEERBOT_SANDBOX__PORT": str(port), "PEERBOT_MONITORING__PORT": "0", **extra})
    return env


def start(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen([str(Path(sys.executable).parent / "peerbot"), "run"], cwd=PROJECT_ROOT, env=env,
                                stdout=output, stderr=subprocess.STDOUT)


def wait_until_ready(process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if READY_LINE in log.read_text():
            return
        assert process.poll() is None, f"peerbot exited:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)
    raise AssertionError(f"the sandbox did not start:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def new_person_gets_an_answer_to_start(base: str) -> bool:
    """A person the bot has never seen opens a private chat and presses /start."""
    user = httpx.post(f"{base}/sandbox/users", json={"first_name": "Newcomer"}).json()
    httpx.post(f"{base}/sandbox/messages", json={"chat_id": user["id"], "user_id": user["id"], "text": "/start"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = httpx.get(f"{base}/sandbox/state").json()["messages"]
        if any(m["chat_id"] == user["id"] and m["from_bot"] for m in messages):
            return True
        time.sleep(0.3)
    return False


def test_make_run_twice_starts_the_sandbox_fresh_each_time_on_its_own_database(tmp_path, remote_rasa_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The first run loads the model in process, as `make run` does; the second (which
    # used to crash re-seeding the demo people) uses a Rasa server, to save a minute.
    for run, env in ((1, sandbox_env(tmp_path, port)), (2, sandbox_env(tmp_path, port, RASA_URL=remote_rasa_url))):
        log = tmp_path / f"run-{run}.log"
        process = start(env, log)
        try:
            wait_until_ready(process, log)
            output = log.read_text()
            if run == 1:
                assert output.index(LOADING_LINE) < output.index(READY_LINE), "the model load is announced first"
            assert new_person_gets_an_answer_to_start(base), f"run {run}: /start went unanswered"
        finally:
            stop(process)
        assert "Traceback" not in log.read_text()
    assert (tmp_path / "sandbox.db").is_file()
    assert not (tmp_path / "production.db").exists(), "the sandbox never touches the production database"


def test_a_busy_sandbox_port_is_refused_at_once_naming_the_variable_to_change(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run([str(Path(sys.executable).parent / "peerbot"), "run"], cwd=PROJECT_ROOT,
                                env=sandbox_env(tmp_path, port), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"port {port}" in result.stderr and "PEERBOT_SANDBOX__PORT" in result.stderr
    assert "Traceback" not in result.stderr and LOADING_LINE not in result.stdout
    assert time.monotonic() - started < 30, "refused before the dialogue model loads"
