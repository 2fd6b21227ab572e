"""One scheduler leader among several bot processes sharing a database.

Every process runs the same scheduler, but only the holder of the lease row
does the jobs' work, so re-pages and reminders go out from one place. The
lease is a row (name, holder, expires_at) taken with a conditional UPDATE, so
it works the same on PostgreSQL and SQLite; the holder renews it on every
tick, and if it dies another process takes over once it expires. Exactly-once
delivery does not rest on the lease alone: reminders and notices are still
claimed row by row, so a brief overlap at hand-over cannot send anything twice.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from bot.storage.models import Lease
from bot.storage.types import utcnow

log = logging.getLogger(__name__)
SCHEDULER_LEASE = "scheduler"


def process_identity() -> str:
    """Unique per process, and readable in the table: host, pid and a random tail."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaderLease:
    def __init__(self, db: Database, ttl: timedelta, name: str = SCHEDULER_LEASE) -> None:
        self.db = db
        self.ttl = ttl
        self.name = name
        self.holder = process_identity()
        self.leading = False

    def acquire(self) -> bool:
        """Take or renew the lease; True if this process leads until the lease's new expiry.
        Two threads of one process can race to create the row (the renewal job runs in a
        worker thread while a led job asks on the event loop): the one that loses the
        insert then finds its own process holding it, and is told so."""
        now = utcnow()
        won = self._renew(now) or self._create(now) or self._renew(now)
        if won != self.leading:
            log.info("scheduler leadership %s by %s", "taken" if won else "lost", self.holder)
        self.leading = won
        return won

    def _renew(self, now: datetime) -> bool:
        with self.db.session() as session, session.begin():
            renewed: int = session.execute(
                update(Lease).where(Lease.name == self.name)
                .where((Lease.holder == self.holder) | (Lease.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl)
                .execution_options(synchronize_session=False)
            ).rowcount
            return renewed == 1

    def _create(self, now: datetime) -> bool:
        """The very first process to start inserts the row; a race is settled by the primary key."""
        try:
            with self.db.session() as session, session.begin():
                if session.get(Lease, self.name) is not None:
                    return False
                session.add(Lease(name=self.name, holder=self.holder, expires_at=now + self.ttl))
        except IntegrityError:
            return False
        return True

    def release(self) -> None:
        """Give the lease up at shutdown so another process can take over at once."""
        with self.db.session() as session, session.begin():
            session.execute(update(Lease).where(Lease.name == self.name, Lease.holder == self.holder)
                            .values(expires_at=utcnow()).execution_options(synchronize_session=False))
        self.leading = False
