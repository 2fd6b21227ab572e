"""What operators watch: liveness, readiness, Prometheus metrics, and the unclaimed-crisis alert.

``/healthz`` answers while the process serves at all. ``/readyz`` says whether it
can do its job: the database answers, Telegram answered lately, the dialogue
engine is up (if it is down the bot still screens and pages, so that is reported,
not failed). ``/metrics`` is the Prometheus text format: update lag and inbox
backlog, quarantined updates, cases waiting by priority and the oldest unclaimed,
failed pages, dialogue-engine errors and the breaker. The scheduler's alert job
logs one CRITICAL line per crisis left unclaimed past ``escalation.alert_after_minutes``.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Optional

from aiohttp import web
from telegram.ext import Application

from bot.dialogue.guarded import GuardedEngine
from bot.storage.types import utcnow
from bot.telegram.context import APP_KEY, AppContext
from bot.telegram.intake import INTAKE_KEY

log = logging.getLogger(__name__)
ALERT = "ALERT: crisis case #%s has waited %d min unclaimed"


def engine_of(app: AppContext) -> Optional[GuardedEngine]:
    engine = app.conversation.engine
    return engine if isinstance(engine, GuardedEngine) else None


def metrics_text(app: AppContext) -> str:
    """The Prometheus exposition of the numbers an operator needs to see a crisis waiting."""
    backlog, lag, poison = app.inbox.backlog()
    lines = [
        "# HELP peerbot_inbox_backlog Updates received and not yet handled.",
        "# TYPE peerbot_inbox_backlog gauge", f"peerbot_inbox_backlog {backlog}",
        "# HELP peerbot_update_lag_seconds Age of the oldest update not yet handled.",
        "# TYPE peerbot_update_lag_seconds gauge", f"peerbot_update_lag_seconds {lag or 0:.3f}",
        "# HELP peerbot_updates_quarantined Updates that could not be handled and were set aside.",
        "# TYPE peerbot_updates_quarantined gauge", f"peerbot_updates_quarantined {poison}",
        "# HELP peerbot_cases_waiting Open cases nobody has claimed, by priority.",
        "# TYPE peerbot_cases_waiting gauge",
        "# HELP peerbot_case_oldest_wait_seconds How long the oldest unclaimed case has waited, by priority.",
        "# TYPE peerbot_case_oldest_wait_seconds gauge",
    ]
    waiting = app.escalations.waiting()
    for priority in ("urgent", "normal", "low"):
        count, oldest = waiting.get(priority, (0, None))
        lines.append(f'peerbot_cases_waiting{{priority="{priority}"}} {count}')
        lines.append(f'peerbot_case_oldest_wait_seconds{{priority="{priority}"}} {oldest or 0:.1f}')
    lines += ["# HELP peerbot_pages_failed_total Pages that could not be delivered.",
              "# TYPE peerbot_pages_failed_total counter", f"peerbot_pages_failed_total {app.escalations.pages_failed()}"]
    engine = engine_of(app)
    if engine is not None:
        lines += ["# HELP peerbot_dialogue_errors_total Failed or too slow dialogue-engine calls.",
                  "# TYPE peerbot_dialogue_errors_total counter", f"peerbot_dialogue_errors_total {engine.errors_total}",
                  "# HELP peerbot_dialogue_breaker_open 1 while the dialogue engine is treated as down.",
                  "# TYPE peerbot_dialogue_breaker_open gauge", f"peerbot_dialogue_breaker_open {int(engine.is_open)}"]
    return "\n".join(lines) + "\n"


def readiness(app: AppContext, telegram_ok: bool) -> tuple[bool, dict[str, str]]:
    checks: dict[str, str] = {}
    try:
        app.inbox.backlog()
        checks["database"] = "ok"
    except Exception as exc:  # reported, not raised: this is the health endpoint
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["telegram"] = "ok" if telegram_ok else "not reached lately"
    engine = engine_of(app)
    checks["dialogue_engine"] = "down (screening and paging go on without it)" if engine and engine.is_open else "ok"
    return checks["database"] == "ok" and telegram_ok, checks


def monitoring_app(application: Application) -> web.Application:
    app: AppContext = application.bot_data[APP_KEY]

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        ready, checks = await asyncio.to_thread(readiness, app, telegram_reachable(application))
        return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)

    async def metrics(request: web.Request) -> web.Response:
        try:
            text = await asyncio.to_thread(metrics_text, app)
        except Exception as exc:
            return web.Response(status=503, text=f"# database unavailable: {type(exc).__name__}\n")
        return web.Response(text=text, content_type="text/plain")

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
    return web_app


def telegram_reachable(application: Application) -> bool:
    intake = application.bot_data.get(INTAKE_KEY)
    return intake is not None and intake.telegram_ok


async def alert_unclaimed_crises(application: Application) -> None:
    """The scheduler's job: one CRITICAL log line per crisis waiting unclaimed too long."""
    app: AppContext = application.bot_data[APP_KEY]
    threshold = timedelta(minutes=app.settings.escalation.alert_after_minutes)
    for case in await asyncio.to_thread(app.escalations.unclaimed_crises, threshold):
        log.critical(ALERT, case.id, (utcnow() - case.created_at).total_seconds() // 60)
