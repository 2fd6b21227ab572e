"""Logging for the running bot. Message text is never logged at INFO or above:
handlers log ids and outcomes only."""
from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, which contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # APScheduler logs every run of every job; errors still come through.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
