"""The durable inbox: Telegram updates written down before Telegram is told they arrived.

Telegram re-sends an update until it is confirmed (the next ``getUpdates``
offset, or a 2xx answer to the webhook) and keeps it for 24 hours. So an update
is safe from the moment it is stored here until it is done: intake stores a
batch first and only then confirms it; a worker claims the oldest ``received``
update with a lease, handles it, and marks it done. A crash at any point leaves
the update ``received``: when its lease runs out (at once for a claim that never
started) the next worker handles it again, and handling is idempotent per step.
An update that cannot be read, or whose handling fails ``max_attempts`` times,
is quarantined as ``poison`` and skipped, so it can never hold up everyone else.

Several workers (in one process or many) claim at once, but never two updates of
one conversation (its ``order_key``): an update waits while an earlier one of its
conversation is still unfinished, so each conversation is handled in order while
different conversations overlap. A crisis the lexicon already sees is the one
exception: it jumps its own conversation's queue as it jumps everyone else's.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from bot.storage.db import Database, durable
from bot.storage.models import InboxUpdate
from bot.storage.outbox import insert_new
from bot.storage.types import utcnow

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 2000


FLOOD_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Arrival:
    """An update as received: Telegram's id, the raw update, who sent it, the conversation
    whose order it keeps, and whether the model-free screen already sees a crisis in it
    (it is then handled first)."""

    update_id: int
    payload: dict[str, Any]
    sender_id: Optional[int] = None
    urgent: bool = False
    order_key: Optional[str] = None


@dataclass(frozen=True)
class Delivery:
    """A claimed update: the row, Telegram's update id, the raw update, and whether the
    lexicon already saw a crisis in it."""

    id: int
    update_id: int
    payload: dict[str, Any]
    attempts: int
    urgent: bool = False


def _claimable(urgent_only: bool) -> Select:
    """The next few updates a worker may claim (see ``Inbox.claim_next``), as one statement
    with the bot and the time as parameters."""
    waiting = or_(InboxUpdate.claimed_until.is_(None), InboxUpdate.claimed_until < bindparam("now"))
    lane = InboxUpdate.priority >= 1 if urgent_only else InboxUpdate.priority.is_not(None)
    earlier = aliased(InboxUpdate)
    in_turn = or_(InboxUpdate.priority >= 1, InboxUpdate.order_key.is_(None), ~exists().where(
        earlier.bot_id == InboxUpdate.bot_id, earlier.order_key == InboxUpdate.order_key,
        earlier.status == "received", earlier.id < InboxUpdate.id))
    return (select(InboxUpdate.id).where(InboxUpdate.bot_id == bindparam("bot"), InboxUpdate.status == "received",
                                         waiting, lane, in_turn)
            .order_by(InboxUpdate.priority.desc(), InboxUpdate.id).limit(CANDIDATES))


CANDIDATES = 5  # tried in turn when racing workers win the first ones
_CLAIMABLE = {urgent_only: _claimable(urgent_only) for urgent_only in (False, True)}
_CLAIM = (update(InboxUpdate)
          .where(InboxUpdate.id == bindparam("row"), InboxUpdate.status == "received",
                 or_(InboxUpdate.claimed_until.is_(None), InboxUpdate.claimed_until < bindparam("now")))
          .values(claimed_until=bindparam("until"), attempts=InboxUpdate.attempts + 1))
_CLAIMED = select(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.attempts, InboxUpdate.priority).where(
    InboxUpdate.id == bindparam("row"))


class Inbox:
    def __init__(self, db: Database, bot_id: int = 0, lease: timedelta = timedelta(seconds=20),
                 max_attempts: int = 3, flood_per_minute: int = 30) -> None:
        self.db = db
        self.bot_id = bot_id  # set from the token when the Telegram application is built
        self.lease = lease
        self.max_attempts = max_attempts
        self.flood_per_minute = flood_per_minute

    def store(self, arrivals: list[Arrival]) -> set[int]:
        """Write a batch in one transaction (updates already here are kept as they are).
        Raises if the database is unavailable: then nothing may be confirmed to Telegram.

        Priority: a crisis the model-free screen already sees goes first; a sender over
        ``flood_per_minute`` goes last, so one person's flood never delays anyone else.
        Returns the senders who went over their rate with this batch (to be told kindly)."""
        newly_flooding: set[int] = set()
        now = utcnow()
        with self.db.session() as session, session.begin():
            durable(session)  # it is confirmed to Telegram next: it must survive a power cut too
            recent = self._recent_by_sender(session, {a.sender_id for a in arrivals if a.sender_id is not None}, now)
            rows = []
            for arrival in arrivals:
                priority = 1 if arrival.urgent else 0
                if arrival.sender_id is not None:
                    recent[arrival.sender_id] = recent.get(arrival.sender_id, 0) + 1
                    if recent[arrival.sender_id] > self.flood_per_minute and not arrival.urgent:
                        priority = -1
                    if recent[arrival.sender_id] == self.flood_per_minute + 1:
                        newly_flooding.add(arrival.sender_id)
                rows.append({"bot_id": self.bot_id, "update_id": arrival.update_id, "payload": arrival.payload,
                             "sender_id": arrival.sender_id, "order_key": arrival.order_key, "priority": priority, "status": "received",
                             "attempts": 0, "received_at": now})
            insert_new(session, InboxUpdate, rows)
        return newly_flooding

    def _recent_by_sender(self, session: Session, senders: set[int], now: datetime) -> dict[int, int]:
        if not senders:
            return {}
        counts = session.execute(
            select(InboxUpdate.sender_id, func.count()).where(
                InboxUpdate.sender_id.in_(senders), InboxUpdate.received_at > now - FLOOD_WINDOW)
            .group_by(InboxUpdate.sender_id)).all()
        return {sender: count for sender, count in counts}

    def claim_next(self, urgent_only: bool = False) -> Optional[Delivery]:
        """The oldest update waiting to be handled, highest priority first, whose conversation
        has no earlier update unfinished, leased to this caller; None if there is none.
        ``urgent_only``: only updates the screen already flagged (the crisis lanes), which
        wait for nothing. A conditional update decides between racing workers.

        Every worker asks after each update and whenever it is woken, so this is the
        inbox's busiest call: its statements are built once (``_CLAIMABLE``, ``_CLAIM``)
        and run on a plain connection, without the ORM."""
        now = utcnow()
        with self.db.engine.begin() as connection:
            candidates = connection.execute(_CLAIMABLE[urgent_only], {"bot": self.bot_id, "now": now}).scalars().all()
            for row_id in candidates:
                won = connection.execute(_CLAIM, {"row": row_id, "now": now, "until": now + self.lease}).rowcount == 1
                if won:
                    row = connection.execute(_CLAIMED, {"row": row_id}).one()
                    return Delivery(row_id, row.update_id, row.payload, row.attempts, row.priority >= 1)
        return None

    def extend(self, delivery: Delivery) -> None:
        """Still being handled: the lease runs on from now, so a slow update (a cold model,
        a database stall) is not taken over and handled twice while its worker is alive."""
        with self.db.session() as session, session.begin():
            session.execute(update(InboxUpdate).where(InboxUpdate.id == delivery.id, InboxUpdate.status == "received")
                            .values(claimed_until=utcnow() + self.lease))

    def finish(self, delivery: Delivery) -> None:
        """Done: the person's words in the payload are no longer needed."""
        self._close(delivery.id, "done", None)

    def quarantine(self, delivery: Delivery, error: str) -> None:
        """Poison: logged once, kept for an operator, never handled again."""
        log.error("update %s quarantined after %s attempt(s): %s", delivery.update_id, delivery.attempts,
                  error[:200])
        self._close(delivery.id, "poison", error, keep_payload=True)

    def failed(self, delivery: Delivery, error: str) -> bool:
        """A handling attempt failed: retried after a short pause, or quarantined once it has
        failed ``max_attempts`` times. True if it was quarantined."""
        if delivery.attempts >= self.max_attempts:
            self.quarantine(delivery, error)
            return True
        pause = timedelta(seconds=2 ** delivery.attempts)
        with self.db.session() as session, session.begin():
            session.execute(update(InboxUpdate).where(InboxUpdate.id == delivery.id)
                            .values(claimed_until=utcnow() + pause, error=error[:MAX_ERROR_LENGTH]))
        return False

    def _close(self, row_id: int, status: str, error: Optional[str], keep_payload: bool = False) -> None:
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "claimed_until": None}
        if error is not None:
            values["error"] = error[:MAX_ERROR_LENGTH]
        if not keep_payload:
            values["payload"] = None
        with self.db.engine.begin() as connection:  # once per update: no ORM session needed
            connection.execute(update(InboxUpdate).where(InboxUpdate.id == row_id).values(**values))

    def backlog(self) -> tuple[int, Optional[float], int]:
        """(updates received and not yet done, the oldest one's age in seconds, quarantined
        updates): the update lag and backlog that readiness and metrics report."""
        with self.db.session() as session:
            count, oldest = session.execute(select(func.count(), func.min(InboxUpdate.received_at)).where(
                InboxUpdate.bot_id == self.bot_id, InboxUpdate.status == "received")).one()
            poison = session.execute(select(func.count()).select_from(InboxUpdate).where(
                InboxUpdate.bot_id == self.bot_id, InboxUpdate.status == "poison")).scalar_one()
        return count, (utcnow() - oldest).total_seconds() if oldest else None, poison
