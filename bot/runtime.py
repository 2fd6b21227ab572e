"""Start-up: wire settings, database, dialogue engine, services and the Telegram
adapter together, then run until stopped (SIGINT/SIGTERM).

With no Telegram token the bot runs against the sandbox, a local stand-in for
Telegram, seeded with demo data; with a token, against Telegram itself (long
polling, or a webhook when ``telegram.webhook_url`` is set).
"""
from __future__ import annotations

import asyncio
import logging
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import AsyncIterator, Optional

from aiohttp import web
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import Application

from bot.app.conversation import ConversationService
from bot.config import Settings
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.factory import open_engine
from bot.dialogue.guarded import GuardedEngine
from bot.safety.screen import SafetyScreen
from bot.scheduler import Scheduler
from bot.services.checkins import CheckInService
from bot.services.coping import CopingService
from bot.services.crisis import CrisisDirectory
from bot.services.drafts import DraftService
from bot.services.escalations import EscalationService
from bot.services.facilitation import FacilitationService
from bot.services.groups import GroupService
from bot.services.inbox import Inbox
from bot.services.moderation import ModerationService
from bot.services.notices import NoticeService
from bot.services.outcomes import OutcomeService
from bot.services.pending_choices import PendingChoices
from bot.services.people import PeopleService
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.safety_plans import SafetyPlanService
from bot.services.series import SeriesService
from bot.services.sessions import SessionService
from bot.storage import migrate
from bot.storage.db import Database
from bot.storage.sealing import Sealer
from bot.telegram.application import build_application, post_init, watch_dialogue_engine, webhook_app
from bot.telegram.context import AppContext
from bot.telegram.intake import INTAKE_KEY, Intake
from bot.telegram.monitoring import monitoring_app

log = logging.getLogger(__name__)
WORKER_THREADS_SPARE = 8  # threads beyond one per inbox worker: the poller, the scheduler's sends, the screen


def build_context(settings: Settings, db: Database, engine: DialogueEngine) -> AppContext:
    """Every service, built once; also seeds the coping library."""
    content = settings.content
    telegram = settings.telegram
    coping = CopingService(db)
    coping.seed(content.coping_strategies)
    checkins = CheckInService(db)
    escalations = EscalationService(db, settings.escalation, settings.service.default_timezone)
    guarded = GuardedEngine(engine, settings.dialogue.timeout_seconds)
    crisis = CrisisDirectory.load(content.crisis_resources)
    plans = SafetyPlanService(db, crisis, Sealer.from_settings(settings.privacy.plan_key,
                                                               settings.privacy.plan_key_file))
    conversation = ConversationService(
        guarded, checkins, coping, escalations, SessionService(db), crisis, SafetyScreen.load(settings), plans)
    people = PeopleService(db, settings.roles.bootstrap_coordinators, timedelta(hours=settings.roles.invite_expiry_hours))
    sessions = settings.sessions
    reminders = ReminderService(db, sessions.reminder_offsets_minutes,
                                timedelta(minutes=sessions.reminder_grace_minutes))
    facilitation = FacilitationService(db, escalations, timedelta(minutes=sessions.round_minutes))
    return AppContext(
        settings=settings, people=people, groups=GroupService(db, content.ground_rules), checkins=checkins,
        conversation=conversation,
        inbox=Inbox(db, lease=timedelta(seconds=telegram.handling_lease_seconds),
                    max_attempts=telegram.max_attempts, flood_per_minute=telegram.flood_per_minute),
        escalations=escalations, reminders=reminders, series=SeriesService(db, sessions.kinds),
        notices=NoticeService(db), facilitation=facilitation, drafts=DraftService(db), coping=coping, plans=plans,
        choices=PendingChoices(db), moderation=ModerationService(db, settings.moderation),
        reports=ReportService(db, settings.reports.small_cell),
        privacy=PrivacyService(db, timedelta(days=settings.privacy.retention_days), engine.history(), plans),
        outcomes=OutcomeService(db, settings.outcomes.measure, timedelta(weeks=settings.outcomes.every_weeks)))


@dataclass
class Connection:
    """Where the bot's Telegram traffic goes."""

    token: str
    base_url: Optional[str]
    base_file_url: Optional[str] = None


async def start_sandbox(settings: Settings, context: AppContext):
    from bot.sandbox.demo import seed_demo
    from bot.sandbox.server import Sandbox

    sandbox = Sandbox()
    url = await sandbox.start(settings.sandbox.host, settings.sandbox.port)
    if settings.sandbox.demo_data:
        seed_demo(sandbox, context)
    print(f"\n  peerbot sandbox: open {url}/ in your browser\n", flush=True)
    return sandbox, Connection(sandbox.token, sandbox.api_base_url, sandbox.file_base_url)


@asynccontextmanager
async def running(application: Application, settings: Settings, poll_timeout: float = 10) -> AsyncIterator[Application]:
    """The application started as in production: start-up checks and menus, the
    scheduler, the monitoring endpoints, the inbox worker, then a webhook or long
    polling; all stopped again on exit (the update being handled may finish)."""
    telegram = settings.telegram
    servers: list[web.AppRunner] = []
    # Database calls and the screen's encoder run in worker threads: enough that every
    # inbox worker's call finds one free (the default pool has 6 threads on 2 cores).
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=telegram.workers + WORKER_THREADS_SPARE, thread_name_prefix="peerbot"))
    async with application:
        await post_init(application)
        await application.start()
        scheduler = Scheduler(application)
        scheduler.start()
        intake = Intake(application, poll_timeout, telegram.workers)
        intake.telegram_ok = True  # post_init has just reached it
        application.bot_data[INTAKE_KEY] = intake
        watch_dialogue_engine(application)
        try:
            if settings.monitoring.port:
                try:
                    servers.append(await serve_http(monitoring_app(application), settings.monitoring.listen,
                                                    settings.monitoring.port))
                except OSError as exc:  # people come first: serve them without the endpoints
                    log.error("monitoring.port %s: cannot listen (%s); /healthz, /readyz and /metrics are off. "
                              "Set PEERBOT_MONITORING__PORT to a free port (0 turns them off).",
                              settings.monitoring.port, exc.strerror)
            intake.start(polling=not telegram.webhook_url)
            if telegram.webhook_url:
                secret = telegram.secret_for_webhook()
                servers.append(await serve_http(webhook_app(intake, secret),
                                                telegram.webhook_listen, telegram.webhook_port))
                await application.bot.set_webhook(telegram.webhook_url, secret_token=secret,
                                                  allowed_updates=Update.ALL_TYPES)
                log.info("webhook mode: listening on %s:%s", telegram.webhook_listen, telegram.webhook_port)
            else:
                await application.bot.delete_webhook()
                log.info("polling for updates")
            yield application
        finally:
            for server in servers:
                await server.cleanup()
            await intake.stop()
            await scheduler.stop()
            await application.stop()


async def serve_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def run_until_stopped(application: Application, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running(application, settings):
        await stop.wait()


class StartupError(RuntimeError):
    """Found before anything slow starts; the message names the setting to change."""


def ports_to_listen_on(settings: Settings, sandbox: bool) -> list[tuple[str, str, int]]:
    """(setting's variable, host, port) of each port the bot must have to serve people."""
    ports = [("PEERBOT_SANDBOX__PORT", settings.sandbox.host, settings.sandbox.port)] if sandbox else []
    if settings.telegram.webhook_url:
        ports.append(("PEERBOT_TELEGRAM__WEBHOOK_PORT", settings.telegram.webhook_listen, settings.telegram.webhook_port))
    return ports


def check_ports_free(settings: Settings, sandbox: bool) -> None:
    """Before the dialogue model loads (30-75 s): a busy port found after it gave a long traceback."""
    for variable, host, port in ports_to_listen_on(settings, sandbox):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise StartupError(f"port {port} on {host} is not free ({exc.strerror}): stop what uses it, "
                                   f"or choose another port with {variable}=<port>") from exc


def sandbox_settings(settings: Settings) -> Settings:
    """The settings for sandbox mode: its own database, emptied first. The sandbox keeps
    its chats in memory, so people and update numbers kept from an earlier run would only
    disagree with it (and re-seeding the demo people into a kept database failed)."""
    url = settings.sandbox.database_url
    path = Path(make_url(url).database)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return settings.copy(update={"database": settings.database.copy(update={"url": url})})


async def serve(settings: Settings) -> None:
    token = settings.telegram.token  # none: the sandbox stands in for Telegram
    sandbox_mode = not token
    check_ports_free(settings, sandbox_mode)
    if sandbox_mode:
        settings = sandbox_settings(settings)
    migrate.upgrade(settings.database.url)
    db = Database(settings.database.url)
    if settings.dialogue.rasa_url is None:
        print("  loading the dialogue model (30-75 s)...", flush=True)
    engine = await asyncio.to_thread(open_engine, settings)
    context = build_context(settings, db, engine)
    sandbox = None
    if not token:
        sandbox, connection = await start_sandbox(settings, context)
    else:
        connection = Connection(token, settings.telegram.base_url)
    try:
        application = build_application(context, connection.token, connection.base_url, connection.base_file_url)
        await run_until_stopped(application, settings)
    finally:
        await engine.close()
        if sandbox is not None:
            await sandbox.stop()
        db.dispose()
