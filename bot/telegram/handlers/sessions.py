"""Coordinators' Telegram commands for session series: /sessions and /cancel
(/newsession is in ``newsession``).

They call the same ``SeriesService`` as the command line and the sessions file,
so a series changed here behaves exactly like one imported from YAML.

Everything here happens in a private chat only: in a group, the admin chatter
(and people's RSVP counts) would be shown to everyone.
"""
from __future__ import annotations

from typing import Optional

from telegram import Update

from bot.app.callbacks import (
    CANCEL_ASK,
    CANCEL_KEEP,
    CANCEL_YES,
    END_SERIES_ASK,
    END_SERIES_YES,
    CallbackKind,
)
from bot.app.replies import Reply
from bot.app.typed_choices import with_hint
from bot.i18n import N_
from bot.services.series import OccurrenceLine
from bot.services.wording import describe_when, local_time, places, where
from bot.storage.models import Occurrence, SessionSeries
from bot.storage.types import utcnow
from bot.telegram.access import COORDINATORS, Caller, CommandSpec, GuardedHandler, guarded, pressed, reply, tell
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.flows import acknowledge, private_only, settle_press
from bot.telegram.notices import send_pending_notices
from bot.telegram.typed_press import Action

PREVIEW = 3  # upcoming sessions shown per series
CANCEL_LIST = 10  # upcoming sessions offered by /cancel
CANCEL_NOTE = "cancelled by the coordinators"


# --- words ----------------------------------------------------------------------------------

def who_is_coming(going: int) -> str:
    if going == 0:
        return "Nobody has said they'd come yet."
    people = "1 person" if going == 1 else f"{going} people"
    return f"{people} said they'd come; they'll be told."


# --- shared plumbing ---------------------------------------------------------------------------

def start_sending_notices(context: PeerbotContext) -> None:
    """Cancellation notices were queued with the change; send them now rather than at the
    scheduler's next run (the queue is claimed row by row, so both never send one twice)."""
    context.application.create_task(send_pending_notices(context.application))


# --- /sessions ----------------------------------------------------------------------------------

def series_block(series: SessionSeries, group_title: Optional[str], upcoming: list[Occurrence]) -> str:
    dates = ", ".join(local_time(o.starts_at, series.timezone) + ("" if o.status == "scheduled" else f" ({o.status})")
                      for o in upcoming)
    return "\n".join([
        f"{series.name} ({series.kind}), {group_title or 'no group'}",
        f"{describe_when(series.rrule, series.start_date, series.start_time, series.timezone)}, "
        f"{series.duration_minutes} minutes, {where(series.location, series.online_link)}",
        f"Places: {places(series.capacity)}",
        f"Next: {dates or 'nothing coming up'}",
    ])


def active_series(app: AppContext) -> list[SessionSeries]:
    return [s for s in app.series.all() if s.cancelled_at is None]


@guarded(COORDINATORS)
@private_only
async def on_sessions(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Every active series with its next few dates, in the series' local time."""
    app = context.app
    active = active_series(app)
    if not active:
        await tell(update, "There are no session series yet. /newsession sets one up.")
        return
    titles = app.groups.titles()
    blocks = [series_block(s, titles.get(s.group_id), app.series.upcoming(s.key, PREVIEW) if s.key else [])
              for s in active]
    await reply(update, context, [Reply("Session series:\n\n" + "\n\n".join(blocks))])


# --- /cancel -----------------------------------------------------------------------------------------
# Every step can be pressed or typed (the list's numbers, then "yes" or "keep"): the button
# handlers and ``TYPED`` share one action per step, which answers a press and settles its buttons.

def line_text(line: OccurrenceLine) -> str:
    group = f" ({line.group_title})" if line.group_title else ""
    return f"{local_time(line.starts_at, line.timezone)}: {line.series_name}{group}, {line.going} said yes"


@guarded(COORDINATORS)
@private_only
async def on_cancel(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """The next sessions, numbered, with a Cancel button each, then one to end each whole series."""
    app = context.app
    lines = app.series.schedule(CANCEL_LIST)
    active = active_series(app)
    if not lines and not active:
        await tell(update, "There are no upcoming sessions to cancel. /newsession sets one up.")
        return
    listed = "\n".join(f"{n}. {line_text(line)}" for n, line in enumerate(lines, start=1))
    heading = (f"The next sessions. Cancelling one tells everyone who said they'd come.\n{listed}" if lines
               else "No sessions are scheduled in the coming months.")
    ending = "\n\nOr end a whole series, with all its future sessions." if active else ""
    buttons = (tuple(((f"Cancel {n}", CANCEL_ASK.data(line.occurrence_id)),) for n, line in enumerate(lines, start=1))
               + tuple(((f"End series: {s.name}"[:64], END_SERIES_ASK.data(s.id)),) for s in active))
    await reply(update, context, [with_hint(Reply(heading + ending, buttons))])


def still_scheduled(line: Optional[OccurrenceLine]) -> bool:
    return line is not None and line.status == "scheduled" and line.starts_at > utcnow()


def confirmation(question: str, yes: str, data: str) -> Reply:
    """A cancelling question with its two answers: do it (``data``), or keep things as they are."""
    return with_hint(Reply(question, (((yes, data),), (("Keep it", CANCEL_KEEP.data()),))))


async def scheduled_line(update: Update, context: PeerbotContext, kind: CallbackKind,
                         data: str) -> Optional[OccurrenceLine]:
    """The chosen session if it can still be cancelled; else the caller is told."""
    line = context.app.series.occurrence_line(kind.number(data))
    if not still_scheduled(line):
        await tell(update, "That session is already cancelled or over, so nothing has changed.")
        return None
    return line


async def cancel_pick(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    line = await scheduled_line(update, context, CANCEL_ASK, data)
    if line is None:
        return
    await acknowledge(update)
    await reply(update, context, [confirmation(
        f"Cancel {line.series_name} on {local_time(line.starts_at, line.timezone)}? {who_is_coming(line.going)}",
        "Yes, cancel it", CANCEL_YES.data(line.occurrence_id))])


async def cancel_confirm(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    line = await scheduled_line(update, context, CANCEL_YES, data)
    if line is None:
        return
    context.app.series.cancel_occurrence(line.occurrence_id, CANCEL_NOTE)
    start_sending_notices(context)
    await settle_press(update, "Cancelled")
    await reply(update, context, [Reply(f"Cancelled {line.series_name} on "
                                        f"{local_time(line.starts_at, line.timezone)}. Anyone who said they'd come "
                                        "(or might) is being told.")])


async def keep(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    if update.callback_query is None:
        await reply(update, context, [Reply("Kept: nothing has changed.")])
    await settle_press(update, "Kept", "Kept: nothing has changed.")


async def active_series_of(update: Update, context: PeerbotContext, kind: CallbackKind,
                           data: str) -> Optional[SessionSeries]:
    """The chosen series if it is still running; else the caller is told."""
    series = context.app.series.get(kind.number(data))
    if series is None or series.cancelled_at is not None or series.key is None:
        await tell(update, "That series has already ended (or can only be changed from the command line).")
        return None
    return series


async def end_pick(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    series = await active_series_of(update, context, END_SERIES_ASK, data)
    if series is None:
        return
    await acknowledge(update)
    await reply(update, context, [confirmation(
        f"End the whole series {series.name}? All its future sessions will be cancelled, and anyone who said "
        "they'd come will be told.", "Yes, end the series", END_SERIES_YES.data(series.id))])


async def end_confirm(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    series = await active_series_of(update, context, END_SERIES_YES, data)
    if series is None:
        return
    count = context.app.series.cancel_series(series.key)
    start_sending_notices(context)
    await settle_press(update, "Ended", "Series ended")
    sessions = "1 upcoming session" if count == 1 else f"{count} upcoming sessions"
    await reply(update, context, [Reply(f"Ended {series.name}: {sessions} cancelled. Anyone who said they'd come "
                                        "is being told.")])


def pressing(action: Action) -> GuardedHandler:
    """The button handler for a step: a coordinator's press, in a private chat, of the step's action."""
    @guarded(COORDINATORS)
    @private_only
    async def on_press(update: Update, context: PeerbotContext, caller: Caller) -> None:
        await action(update, context, caller, pressed(update)[1])

    return on_press


# --- this module's commands and buttons -------------------------------------------------------------

COMMANDS = (
    CommandSpec("sessions", N_("session series and their next dates"), on_sessions),
    CommandSpec("cancel", N_("cancel a session or end a series"), on_cancel),
)
TYPED = ((CANCEL_ASK, cancel_pick), (CANCEL_YES, cancel_confirm), (CANCEL_KEEP, keep),
         (END_SERIES_ASK, end_pick), (END_SERIES_YES, end_confirm))
CALLBACKS = tuple((kind.pattern, pressing(action)) for kind, action in TYPED)
