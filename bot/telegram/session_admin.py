"""Coordinators' Telegram commands for session series: /sessions, /newsession, /cancel.

They call the same ``SeriesService`` as the command line and the sessions file,
so a series made here behaves exactly like one imported from YAML. /newsession
is a guided flow (``bot.telegram.flows``): one question at a time, the answers
kept in the ``drafts`` table until Create.

Everything here happens in a private chat only: in a group, the admin chatter
(and people's RSVP counts) would be shown to everyone.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot.app.replies import Reply
from bot.services.escalations import name_of
from bot.services.series import OccurrenceLine, SeriesError, SeriesSpec
from bot.storage.models import Occurrence, SessionSeries, new_slug
from bot.storage.types import utcnow
from bot.telegram.access import COORDINATORS, Caller, CommandSpec, guarded, reply, tell
from bot.telegram.context import AppContext, app_of
from bot.telegram.flows import OUT_OF_DATE, Data, Flow, Invalid, Step, Stop, one_line, private_only, register, settle
from bot.telegram.notices import send_pending_notices
from bot.telegram.sending import keyboard

DRAFT_PREFIX = "ns:"
CANCEL_PREFIX = "cx:"
PREVIEW = 3  # upcoming sessions shown per series
CANCEL_LIST = 10  # upcoming sessions offered by /cancel
CANCEL_NOTE = "cancelled by the coordinators"
NAME_LIMIT = 80
PLACE_LIMIT = 300
REPEATS: dict[str, tuple[str, Optional[str]]] = {
    "once": ("One-off", None),
    "weekly": ("Weekly", "FREQ=WEEKLY"),
    "fortnightly": ("Every two weeks", "FREQ=WEEKLY;INTERVAL=2"),
    "monthly": ("Monthly", "FREQ=MONTHLY"),
}
DURATIONS = (30, 60, 90, 120)
CAPACITIES = (6, 8, 10, 12, 15, 20)  # plus "No limit"
DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
             "SA": "Saturday", "SU": "Sunday"}
WEEKDAY_CODES = tuple(DAY_NAMES)  # in date.weekday() order


# --- words ----------------------------------------------------------------------------------

def local_time(instant: datetime, timezone: str) -> str:
    """An instant as people there read it: "Thu 05 Nov 10:00"."""
    return f"{instant.astimezone(ZoneInfo(timezone)):%a %d %b %H:%M}"


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def rule_parts(rrule: str) -> Optional[dict[str, str]]:
    """An RRULE's parts ("FREQ=WEEKLY;BYDAY=TH" -> {"FREQ": "WEEKLY", "BYDAY": "TH"}); None if malformed."""
    pieces = [piece.split("=", 1) for piece in rrule.upper().strip().strip(";").split(";")]
    if any(len(piece) != 2 for piece in pieces):
        return None
    return dict(pieces)


def plain_rule(rrule: str, start_date: date) -> Optional[str]:
    """Common rules in words ("every Thursday", "every other Monday", "every month on the 5th");
    None for anything richer, which is then shown as written."""
    parts = rule_parts(rrule)
    if parts is None or not parts.get("INTERVAL", "1").isdigit():
        return None
    interval = int(parts.pop("INTERVAL", "1"))
    freq = parts.pop("FREQ", None)
    if freq == "WEEKLY" and set(parts) <= {"BYDAY"}:
        codes = parts.get("BYDAY", WEEKDAY_CODES[start_date.weekday()]).split(",")
        if not all(code in DAY_NAMES for code in codes):
            return None
        days = " and ".join(DAY_NAMES[code] for code in codes)
        return {1: f"every {days}", 2: f"every other {days}"}.get(interval, f"every {interval} weeks on {days}")
    if freq == "MONTHLY" and not parts:
        every = "every month" if interval == 1 else f"every {interval} months"
        return f"{every} on the {ordinal(start_date.day)}"
    if freq == "DAILY" and not parts:
        return "every day" if interval == 1 else f"every {interval} days"
    return None


def describe_when(rrule: Optional[str], start_date: date, start_time: time, timezone: str) -> str:
    """When a series happens, in plain words: "every Thursday 10:00 Europe/London"."""
    clock = f"{start_time:%H:%M} {timezone}"
    if rrule is None:
        return f"once, {start_date:%a %d %b %Y} {clock}"
    words = plain_rule(rrule, start_date)
    return f"{words} {clock}" if words else f"{rrule} from {start_date:%d %b %Y}, {clock}"


def places(capacity: Optional[int]) -> str:
    return "no limit" if capacity is None else f"up to {capacity} people"


def who_is_coming(going: int) -> str:
    if going == 0:
        return "Nobody has said they'd come yet."
    people = "1 person" if going == 1 else f"{going} people"
    return f"{people} said they'd come; they'll be told."


# --- shared plumbing ---------------------------------------------------------------------------

def start_sending_notices(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancellation notices were queued with the change; send them now rather than at the
    scheduler's next run (the queue is claimed row by row, so both never send one twice)."""
    context.application.create_task(send_pending_notices(context.application))


# --- /sessions ----------------------------------------------------------------------------------

def series_block(series: SessionSeries, group_title: Optional[str], upcoming: list[Occurrence]) -> str:
    where = series.online_link or series.location or "place to be confirmed"
    dates = ", ".join(local_time(o.starts_at, series.timezone) + ("" if o.status == "scheduled" else f" ({o.status})")
                      for o in upcoming)
    return "\n".join([
        f"{series.name} ({series.kind}), {group_title or 'no group'}",
        f"{describe_when(series.rrule, series.start_date, series.start_time, series.timezone)}, "
        f"{series.duration_minutes} minutes, {where}",
        f"Places: {places(series.capacity)}",
        f"Next: {dates or 'nothing coming up'}",
    ])


def active_series(app: AppContext) -> list[SessionSeries]:
    return [s for s in app.series.all() if s.cancelled_at is None]


@guarded(COORDINATORS)
@private_only
async def on_sessions(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Every active series with its next few dates, in the series' local time."""
    app = app_of(context)
    active = active_series(app)
    if not active:
        await tell(update, "There are no session series yet. /newsession sets one up.")
        return
    titles = app.groups.titles()
    blocks = [series_block(s, titles.get(s.group_id), app.series.upcoming(s.key, PREVIEW) if s.key else [])
              for s in active]
    await reply(update, context, [Reply("Session series:\n\n" + "\n\n".join(blocks))])


# --- /newsession: the steps ------------------------------------------------------------------------

NEWSESSION = register(Flow(
    "newsession", DRAFT_PREFIX, COORDINATORS, idle=timedelta(hours=6),
    ended="That new session has already ended. /newsession starts again."))


def ask_name(app: AppContext, data: Data) -> Reply:
    return Reply("What is the session called? Type a short name, for example Thursday walk.")


def take_name(app: AppContext, data: Data, text: str) -> Data:
    return {"name": one_line(text, NAME_LIMIT, "a name")}


def ask_kind(app: AppContext, data: Data) -> Reply:
    kinds = app.settings.sessions.kinds
    return Reply(f"What kind of session is {data['name']}?",
                 NEWSESSION.choices("kind", [(kind.capitalize(), str(index)) for index, kind in enumerate(kinds)]))


def pick_kind(app: AppContext, data: Data, value: str) -> Data:
    kinds = app.settings.sessions.kinds
    if not value.isdigit() or int(value) >= len(kinds):
        raise Invalid(OUT_OF_DATE)
    return {"kind": kinds[int(value)]}


def no_groups_text() -> str:
    return ("I'm not in any group chat yet, so there's nowhere to hold a session. Please add me to the "
            "group's Telegram chat first, then send /newsession again.")


def ask_group(app: AppContext, data: Data) -> Reply:
    groups = app.groups.with_bot()
    if not groups:
        raise Stop(no_groups_text())
    return Reply("Which group is it for?", NEWSESSION.choices("group", [(g.title, str(g.id)) for g in groups]))


def pick_group(app: AppContext, data: Data, value: str) -> Data:
    group = next((g for g in app.groups.with_bot() if str(g.id) == value), None)
    if group is None:
        raise Invalid("I'm no longer in that group's chat. Please choose another group.")
    return {"group": group.invite_code, "group_title": group.title}


def today_in(timezone: str) -> date:
    return utcnow().astimezone(ZoneInfo(timezone)).date()


def read_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise Invalid(f"I couldn't read “{text.strip()[:40]}” as a date. Please type it like 2026-11-05 or 05/11/2026.")


def ask_date(app: AppContext, data: Data) -> Reply:
    return Reply("What date is the first session? Type it like 2026-11-05 or 05/11/2026.")


def take_date(app: AppContext, data: Data, text: str) -> Data:
    first = read_date(text)
    if first < today_in(data["timezone"]):
        raise Invalid(f"{first:%d %b %Y} is in the past. Please type today's date or a later one.")
    return {"date": first.isoformat()}


def ask_time(app: AppContext, data: Data) -> Reply:
    return Reply(f"What time does it start? Type it like 10:00 or 14:30 ({data['timezone']} time).")


def first_start(data: Data) -> datetime:
    return datetime.combine(date.fromisoformat(data["date"]), time.fromisoformat(data["time"]),
                            tzinfo=ZoneInfo(data["timezone"]))


def take_time(app: AppContext, data: Data, text: str) -> Data:
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise Invalid("Please type the time like 10:00 or 14:30 (24-hour clock).")
    answer = {"time": f"{int(match[1]):02d}:{match[2]}"}
    if first_start({**data, **answer}) <= utcnow():
        raise Invalid(f"{answer['time']} today has already passed. Please type a later time "
                      "(or /newsession to start again with another date).")
    return answer


def ask_repeat(app: AppContext, data: Data) -> Reply:
    return Reply("How often does it happen?", NEWSESSION.choices("repeat", [(title, key) for key, (title, _) in REPEATS.items()]))


def pick_repeat(app: AppContext, data: Data, value: str) -> Data:
    if value not in REPEATS:
        raise Invalid(OUT_OF_DATE)
    return {"repeat": value}


def ask_duration(app: AppContext, data: Data) -> Reply:
    return Reply("How long does each session last?", NEWSESSION.choices("duration", [(f"{m} minutes", str(m)) for m in DURATIONS]))


def pick_duration(app: AppContext, data: Data, value: str) -> Data:
    if not value.isdigit() or int(value) not in DURATIONS:
        raise Invalid(OUT_OF_DATE)
    return {"duration": int(value)}


def ask_place(app: AppContext, data: Data) -> Reply:
    return Reply("Where does it happen? Type the place (for example: Park gates, Riverside Road), "
                 "or an online link starting with https://")


def take_place(app: AppContext, data: Data, text: str) -> Data:
    place = text.strip()
    if not place or len(place) > PLACE_LIMIT:
        raise Invalid(f"Please type the place or link in up to {PLACE_LIMIT} characters.")
    if place.lower().startswith(("http://", "https://")):
        return {"online_link": place, "location": None}
    return {"location": place, "online_link": None}


def ask_capacity(app: AppContext, data: Data) -> Reply:
    options = [("No limit", "0")] + [(str(n), str(n)) for n in CAPACITIES]
    return Reply("How many people can come? Anyone beyond that goes on a waiting list.", NEWSESSION.choices("capacity", options))


def pick_capacity(app: AppContext, data: Data, value: str) -> Data:
    if value == "0":
        return {"capacity": None}
    if not value.isdigit() or int(value) not in CAPACITIES:
        raise Invalid(OUT_OF_DATE)
    return {"capacity": int(value)}


def ask_facilitators(app: AppContext, data: Data) -> Reply:
    chosen = set(data.get("facilitators", []))
    people = app.people.psws()
    text = ("Who will facilitate it? Tap peer support workers to choose them (tap again to undo), then Done."
            if people else "No peer support workers are set up yet, so there's nobody to choose. Press Done.")
    options = [(("✓ " if p.telegram_user_id in chosen else "") + name_of(p), str(p.telegram_user_id)) for p in people]
    return Reply(text, NEWSESSION.choices("fac", options + [("Done", "done")]))


def facilitator_names(app: AppContext, data: Data) -> str:
    names = {p.telegram_user_id: name_of(p) for p in app.people.psws()}
    return ", ".join(names.get(i, f"Telegram id {i}") for i in data.get("facilitators", [])) or "none yet"


def summary(app: AppContext, data: Data) -> str:
    first = first_start(data)
    where = f"Online: {data['online_link']}" if data.get("online_link") else f"Place: {data['location']}"
    return "\n".join([
        "Here is the new session series:",
        f"Name: {data['name']}",
        f"Kind: {data['kind']}",
        f"Group: {data['group_title']}",
        f"When: {describe_when(REPEATS[data['repeat']][1], first.date(), first.time(), data['timezone'])}",
        f"First session: {first:%a %d %b %Y, %H:%M}",
        f"Length: {data['duration']} minutes",
        where,
        f"Places: {places(data.get('capacity'))}",
        f"Facilitators: {facilitator_names(app, data)}",
        "",
        "Shall I create it?",
    ])


def ask_confirm(app: AppContext, data: Data) -> Reply:
    return Reply(summary(app, data), ((("Create", f"{DRAFT_PREFIX}ok"),),))


NEWSESSION.steps = (
    Step("name", ask_name, typed=take_name),
    Step("kind", ask_kind, pick=pick_kind),
    Step("group", ask_group, pick=pick_group),
    Step("date", ask_date, typed=take_date),
    Step("time", ask_time, typed=take_time),
    Step("repeat", ask_repeat, pick=pick_repeat),
    Step("duration", ask_duration, pick=pick_duration),
    Step("place", ask_place, typed=take_place),
    Step("capacity", ask_capacity, pick=pick_capacity),
    Step("fac", ask_facilitators),
    Step("confirm", ask_confirm),
)


# --- /newsession: the command and its buttons ----------------------------------------------------------

@guarded(COORDINATORS)
@private_only
async def on_newsession(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Start (or restart) the guided flow; with no group to hold a session, say what to do first."""
    app = app_of(context)
    if not app.groups.with_bot():
        app.drafts.clear(caller.person.id)
        await tell(update, no_groups_text())
        return
    await NEWSESSION.start(update, context, caller.person.id, {"timezone": app.settings.service.default_timezone},
                           "Let's set up a new session series.")


on_draft_pick = guarded(COORDINATORS)(private_only(NEWSESSION.on_pick))


@guarded(COORDINATORS)
@private_only
async def on_draft_facilitator(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Tap a PSW to choose or unchoose them (the keyboard updates in place); Done moves on."""
    query = update.callback_query
    value = query.data.rsplit(":", 1)[1]
    draft = await NEWSESSION.draft_at(update, context, caller, "fac")
    if draft is None:
        return
    app = app_of(context)
    if value == "done":
        await query.answer()
        await settle(query, facilitator_names(app, draft.data))
        await NEWSESSION.advance(update, context, draft, {})
        return
    if int(value) not in {p.telegram_user_id for p in app.people.psws()}:
        await query.answer(OUT_OF_DATE, show_alert=True)
        return
    chosen = list(draft.data.get("facilitators", []))
    chosen = [i for i in chosen if i != int(value)] if int(value) in chosen else chosen + [int(value)]
    data = {**draft.data, "facilitators": chosen}
    app.drafts.update(draft.person_id, "fac", data)
    await query.answer("Chosen" if int(value) in chosen else "Removed")
    question = NEWSESSION.framed(NEWSESSION.step("fac"), ask_facilitators(app, data))
    await query.edit_message_reply_markup(keyboard(question))


@guarded(COORDINATORS)
@private_only
async def on_draft_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    await NEWSESSION.on_stop(update, context, caller, "Okay, I've dropped that new session. Nothing was saved.")


def spec_from(data: Data) -> SeriesSpec:
    first = first_start(data)
    return SeriesSpec(key=new_slug(data["name"], "session"), name=data["name"], kind=data["kind"], timezone=data["timezone"],
                      start_date=first.date(), start_time=first.time(), duration_minutes=data["duration"],
                      rrule=REPEATS[data["repeat"]][1], group=data["group"], location=data.get("location"),
                      online_link=data.get("online_link"), capacity=data.get("capacity"),
                      facilitators=list(data.get("facilitators", [])))


@guarded(COORDINATORS)
@private_only
async def on_draft_create(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Save the series through SeriesService; on a problem, say it and keep the answers."""
    query = update.callback_query
    draft = await NEWSESSION.draft_at(update, context, caller, "confirm")
    if draft is None:
        return
    app = app_of(context)
    if first_start(draft.data) <= utcnow():
        await query.answer()
        await NEWSESSION.ask(update, context, draft.person_id, NEWSESSION.step("date"), draft.data,
                  note="The first session's date and time have passed while we were talking. Let's pick again.")
        return
    spec = spec_from(draft.data)
    try:
        series, _ = app.series.save(spec)
    except SeriesError as problem:
        await query.answer()
        await NEWSESSION.ask(update, context, draft.person_id, NEWSESSION.step("confirm"), draft.data,
                  note=f"I couldn't create it: {problem}. Your answers are kept.")
        return
    await NEWSESSION.finish(update, context, draft.person_id, "Created")
    dates = "\n".join(f"• {local_time(o.starts_at, series.timezone)}" for o in app.series.upcoming(spec.key, PREVIEW))
    await reply(update, context, [Reply(f"Created {series.name} for {draft.data['group_title']}. Coming up:\n"
                                        f"{dates or 'nothing yet'}\n\n/sessions lists every series.")])


# --- /cancel -----------------------------------------------------------------------------------------

def line_text(line: OccurrenceLine) -> str:
    group = f" ({line.group_title})" if line.group_title else ""
    return f"{local_time(line.starts_at, line.timezone)}: {line.series_name}{group}, {line.going} said yes"


@guarded(COORDINATORS)
@private_only
async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """The next sessions, each with a Cancel button, then a button to end each whole series."""
    app = app_of(context)
    lines = app.series.schedule(CANCEL_LIST)
    active = active_series(app)
    if not lines and not active:
        await tell(update, "There are no upcoming sessions to cancel. /newsession sets one up.")
        return
    replies = [Reply("The next sessions. Cancelling one tells everyone who said they'd come."
                     if lines else "No sessions are scheduled in the coming months.")]
    replies += [Reply(line_text(line), ((("Cancel this", f"{CANCEL_PREFIX}ask:{line.occurrence_id}"),),))
                for line in lines]
    if active:
        replies.append(Reply("Or end a whole series, with all its future sessions:", tuple(
            ((f"End series: {s.name}"[:64], f"{CANCEL_PREFIX}end:{s.id}"),) for s in active)))
    await reply(update, context, replies)


def still_scheduled(line: Optional[OccurrenceLine]) -> bool:
    return line is not None and line.status == "scheduled" and line.starts_at > utcnow()


def confirmation(question: str, yes: str, action: str) -> Reply:
    """A cancelling question with its two answers: do it, or keep things as they are."""
    return Reply(question, (((yes, f"{CANCEL_PREFIX}{action}"),), (("Keep it", f"{CANCEL_PREFIX}keep"),)))


async def scheduled_line(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Optional[OccurrenceLine]:
    """The pressed button's session if it can still be cancelled; else the press is answered."""
    query = update.callback_query
    line = app_of(context).series.occurrence_line(int(query.data.rsplit(":", 1)[1]))
    if not still_scheduled(line):
        await query.answer("That session is already cancelled or over, so nothing has changed.", show_alert=True)
        return None
    return line


@guarded(COORDINATORS)
@private_only
async def on_cancel_pick(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    line = await scheduled_line(update, context)
    if line is None:
        return
    await update.callback_query.answer()
    await reply(update, context, [confirmation(
        f"Cancel {line.series_name} on {local_time(line.starts_at, line.timezone)}? {who_is_coming(line.going)}",
        "Yes, cancel it", f"yes:{line.occurrence_id}")])


@guarded(COORDINATORS)
@private_only
async def on_cancel_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    line = await scheduled_line(update, context)
    if line is None:
        return
    query = update.callback_query
    app_of(context).series.cancel_occurrence(line.occurrence_id, CANCEL_NOTE)
    start_sending_notices(context)
    await query.answer("Cancelled")
    await settle(query, "Cancelled")
    await reply(update, context, [Reply(f"Cancelled {line.series_name} on "
                                        f"{local_time(line.starts_at, line.timezone)}. Anyone who said they'd come "
                                        "(or might) is being told.")])


@guarded(COORDINATORS)
@private_only
async def on_keep(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    await update.callback_query.answer("Kept: nothing has changed.")
    await settle(update.callback_query, "Kept")


async def active_pressed_series(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Optional[SessionSeries]:
    """The pressed button's series if it is still running; else the press is answered."""
    query = update.callback_query
    series = app_of(context).series.get(int(query.data.rsplit(":", 1)[1]))
    if series is None or series.cancelled_at is not None or series.key is None:
        await query.answer("That series has already ended (or can only be changed from the command line).",
                           show_alert=True)
        return None
    return series


@guarded(COORDINATORS)
@private_only
async def on_end_pick(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    series = await active_pressed_series(update, context)
    if series is None:
        return
    await update.callback_query.answer()
    await reply(update, context, [confirmation(
        f"End the whole series {series.name}? All its future sessions will be cancelled, and anyone who said "
        "they'd come will be told.", "Yes, end the series", f"endyes:{series.id}")])


@guarded(COORDINATORS)
@private_only
async def on_end_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    series = await active_pressed_series(update, context)
    if series is None:
        return
    query = update.callback_query
    count = app_of(context).series.cancel_series(series.key)
    start_sending_notices(context)
    await query.answer("Series ended")
    await settle(query, "Ended")
    sessions = "1 upcoming session" if count == 1 else f"{count} upcoming sessions"
    await reply(update, context, [Reply(f"Ended {series.name}: {sessions} cancelled. Anyone who said they'd come "
                                        "is being told.")])


# --- this module's commands and buttons -------------------------------------------------------------

COMMANDS = (
    CommandSpec("sessions", "session series and their next dates", on_sessions),
    CommandSpec("newsession", "set up a new session series, step by step", on_newsession),
    CommandSpec("cancel", "cancel a session or end a series", on_cancel),
)
CALLBACKS = (
    (f"^{DRAFT_PREFIX}(kind|group|repeat|duration|capacity):[A-Za-z0-9_-]+$", on_draft_pick),
    (f"^{DRAFT_PREFIX}fac:(\\d+|done)$", on_draft_facilitator),
    (f"^{DRAFT_PREFIX}stop$", on_draft_stop),
    (f"^{DRAFT_PREFIX}ok$", on_draft_create),
    (f"^{CANCEL_PREFIX}ask:\\d+$", on_cancel_pick),
    (f"^{CANCEL_PREFIX}yes:\\d+$", on_cancel_confirm),
    (f"^{CANCEL_PREFIX}keep$", on_keep),
    (f"^{CANCEL_PREFIX}end:\\d+$", on_end_pick),
    (f"^{CANCEL_PREFIX}endyes:\\d+$", on_end_confirm),
)
