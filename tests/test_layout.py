"""The multi-process layout, proved from outside: two `peerbot run` workers in webhook mode
behind nginx, sharing PostgreSQL (inbox, tables, dialogue history) and Redis (dialogue
locks), driven over the sandbox. Many chats write at once: every message is answered,
each conversation is heard in order, and no update is handled twice; with one worker
SIGKILLed, the other carries on and nothing is lost. deploy/ ships the same shape."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.deploy.balancer import Balancer, nginx_config
from bot.deploy.local import ROLES, LocalLayout
from bot.deploy.process import peerbot_command
from bot.dialogue.history import DialogueHistory
from bot.sandbox.harness import seed
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.models import InboxUpdate
from conftest import PROJECT_ROOT, fresh_sandbox

DEPLOY = PROJECT_ROOT / "deploy"
PEOPLE = 10
# A worker's first turns warm the model up and are slow (seconds, with both workers and the
# sandbox on two cores), and a renewal can come late: the lease must outlast that, or a live
# worker's update is taken over (handled twice). A killed worker's updates are taken over after it.
SETTINGS = {"PEERBOT_TELEGRAM__FLOOD_PER_MINUTE": "1000", "PEERBOT_TELEGRAM__HANDLING_LEASE_SECONDS": "10",
            "PEERBOT_SCHEDULER__LEASE_SECONDS": "2", "PEERBOT_ESCALATION__REPAGE_AFTER_MINUTES": "60"}


def said_by(person: dict, batch: str, count: int) -> list[str]:
    return [f"{batch} note {n} from {person['first_name']}" for n in range(1, count + 1)]


def heard(history: DialogueHistory, person: dict) -> list[str]:
    """What the dialogue heard from this person, in order, a message handled again after a
    crash counted once."""
    texts = [m["text"] for m in history.messages(person["id"]) if m["from"] == "you"]
    return [text for n, text in enumerate(texts) if n == 0 or texts[n - 1] != text]


def inbox_counts(db: Database) -> tuple[int, int, int]:
    """(updates not yet done, updates done, the most attempts any update took)."""
    with db.session() as session:
        waiting = session.execute(select(func.count()).where(InboxUpdate.status == "received")).scalar_one()
        done, attempts = session.execute(select(func.count(), func.max(InboxUpdate.attempts))
                                         .where(InboxUpdate.status == "done")).one()
    return waiting, done, attempts


async def write_at_once(sandbox, people: list[dict], batch: str, count: int) -> None:
    for n in range(count):  # interleaved, as a busy evening arrives
        for person in people:
            sandbox.send(person["id"], person["id"], said_by(person, batch, count)[n])


@pytest.mark.postgres
async def test_two_workers_behind_nginx_answer_everyone_in_order_once_even_when_one_is_killed(
        postgres_schema_url, redis_url, tmp_path: Path):
    migrate.upgrade(postgres_schema_url)
    db = Database(postgres_schema_url)
    sandbox = fresh_sandbox()
    sandbox.webhook_patience = 120  # Telegram keeps re-sending an update for a day; a worker killed takes seconds
    await sandbox.start()
    history = DialogueHistory(db.engine)
    try:
        psw, people = seed(db, sandbox, PEOPLE)
        async with LocalLayout(2, postgres_schema_url, sandbox.token, sandbox.api_base_url, tmp_path, redis_url,
                               settings=SETTINGS, cwd=PROJECT_ROOT) as layout:
            for person in [psw, *people]:
                await sandbox.wait_for_bot_message(person["id"], timeout=60)
            await write_at_once(sandbox, people, "first", 3)
            await eventually(lambda: all(heard(history, p) == said_by(p, "first", 3) for p in people)
                             and inbox_counts(db)[0] == 0)
            waiting, done, attempts = inbox_counts(db)
            assert done >= PEOPLE * 4 + 1 and attempts == 1, "with both workers up, each update handled once"

            layout.workers[0].kill()
            await write_at_once(sandbox, people, "second", 3)
            await eventually(lambda: all(heard(history, p) == said_by(p, "first", 3) + said_by(p, "second", 3)
                                         for p in people) and inbox_counts(db)[0] == 0)
            crisis_from = people[0]
            sandbox.send(crisis_from["id"], crisis_from["id"], "I want to end it all")
            await sandbox.wait_for_bot_message(
                psw["id"], lambda m: f"Who: {crisis_from['first_name']}," in (m.get("text") or ""), timeout=60)
    finally:
        await sandbox.stop()
        db.dispose()


async def eventually(condition, timeout: float = 120) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.5)


def test_the_compose_file_runs_the_processes_the_tested_layout_runs():
    """Containers cannot be built on these machines, so the compose file is held to the
    layout the test above runs: the same roles, each running the same program."""
    assert [Path(peerbot_command()[0]).name, *peerbot_command()[1:]] == ROLES["worker"].split()
    assert Path(Balancer(1, [2], Path("/tmp")).command()[0]).name == ROLES["balancer"]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    programs: dict[str, set[str]] = {}
    for service in compose["services"].values():
        command = service["command"]
        program = " ".join(command[:2]) if command[0] == "peerbot" else command[0]
        programs.setdefault(service["labels"]["peerbot.role"], set()).add(program)
    assert programs == {role: {program} for role, program in ROLES.items()}
    workers = [s for s in compose["services"].values() if s["labels"]["peerbot.role"] == "worker"]
    assert len(workers) >= 2
    for worker in workers:
        assert worker["environment"]["PEERBOT_DIALOGUE__LOCK_STORE_URL"].startswith("redis://")
        assert worker["environment"]["DATABASE_URL"].startswith("postgresql://")


def webhook_routing(config: str) -> list[str]:
    """The directives of the webhook's location block, comments dropped."""
    block = config.split("location = /telegram {", 1)[1].split("}", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_the_shipped_nginx_configs_route_the_webhook_as_the_tested_layout_does():
    tested = webhook_routing(nginx_config("127.0.0.1", 8443, [8451, 8452], Path("/tmp")))
    for name in ("peerbot.conf", "compose.conf"):
        assert webhook_routing((DEPLOY / "nginx" / name).read_text()) == tested, name


def test_the_worker_unit_runs_peerbot_run_with_the_shared_and_its_own_settings():
    unit = (DEPLOY / "systemd" / "peerbot-worker@.service").read_text()
    assert "ExecStart=/opt/peerbot/.venv/bin/peerbot run" in unit.splitlines()
    assert "EnvironmentFile=/etc/peerbot/worker-%i.env" in unit
    shared = (DEPLOY / "env" / "peerbot.env.example").read_text()
    assert "PEERBOT_DIALOGUE__LOCK_STORE_URL=redis://" in shared and "PEERBOT_WEBHOOK_URL=" in shared


def test_the_dialogue_servers_endpoints_share_locks_in_redis_and_history_in_the_database(
        redis_url, postgres_schema_url, monkeypatch):
    """deploy/rasa/endpoints.yml, read by Rasa itself, gives its Redis lock store and our
    SQL tracker store on the bot's database."""
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from sqlalchemy.engine import make_url

    from bot.dialogue.tracker_store import BoundedSQLTrackerStore

    redis, database = make_url(redis_url), make_url(postgres_schema_url.split("?")[0])
    for name, value in {"PEERBOT_REDIS_HOST": redis.host, "PEERBOT_REDIS_PORT": redis.port,
                        "PEERBOT_REDIS_DB": redis.database, "PEERBOT_DB_HOST": database.host,
                        "PEERBOT_DB_PORT": database.port, "PEERBOT_DB_NAME": database.database,
                        "PEERBOT_DB_USER": database.username, "PEERBOT_DB_PASSWORD": ""}.items():
        monkeypatch.setenv(name, str(value))
    endpoints = AvailableEndpoints.read_endpoints(str(DEPLOY / "rasa" / "endpoints.yml"))
    assert isinstance(LockStore.create(endpoints.lock_store), RedisLockStore)
    assert isinstance(TrackerStore.create(endpoints.tracker_store), BoundedSQLTrackerStore)


def test_with_a_telegram_token_the_layout_needs_the_public_webhook_address(monkeypatch):
    """Real Telegram posts only to a public HTTPS address (a TLS proxy in front of nginx)."""
    from click.testing import CliRunner

    from bot.cli import cli

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:real-looking")
    monkeypatch.setenv("PEERBOT_CONFIG", "")
    monkeypatch.delenv("PEERBOT_WEBHOOK_URL", raising=False)
    result = CliRunner().invoke(cli, ["layout", "--workers", "2"])
    assert result.exit_code != 0 and "telegram.webhook_url (PEERBOT_WEBHOOK_URL)" in result.output
