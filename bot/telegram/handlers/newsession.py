"""/newsession: a coordinator sets up a session series one question at a time (a
guided flow, ``bot.telegram.flows``), the answers kept in the ``drafts`` table until
Create saves them through the same ``SeriesService`` as the command line."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from telegram import Update

from bot.app.callbacks import NEWSESSION_CREATE, NEWSESSION_FACILITATOR, NEWSESSION_PICK, NEWSESSION_STOP
from bot.app.replies import Reply
from bot.i18n import N_
from bot.services.drafts import DraftState
from bot.services.escalations import name_of
from bot.services.series import SeriesError, SeriesSpec
from bot.services.wording import describe_when, local_time, places
from bot.storage.models import new_slug
from bot.storage.types import utcnow
from bot.telegram.access import COORDINATORS, Caller, CommandSpec, guarded, pressed, reply, tell
from bot.telegram.context import AppContext, PeerbotContext
from bot.telegram.flows import (
    OUT_OF_DATE,
    Data,
    Flow,
    Invalid,
    Step,
    Stop,
    acknowledge,
    one_line,
    private_only,
    register,
    settle,
)
from bot.telegram.handlers.sessions import PREVIEW
from bot.telegram.sending import keyboard

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


# --- /newsession: the steps ------------------------------------------------------------------------

NEWSESSION = register(Flow(
    "newsession", NEWSESSION_PICK, NEWSESSION_STOP, COORDINATORS, idle=timedelta(hours=6),
    ended="That new session has already ended. /newsession starts again.",
    dropped="Okay, I've dropped that new session. Nothing was saved.", confirm_kind=NEWSESSION_CREATE))


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
    numbered = "\n".join(f"{n}. {name_of(p)}" for n, p in enumerate(people, start=1))
    text = ("Who will facilitate it? Tap peer support workers to choose them (tap again to undo), then Done. "
            f"Or type their numbers, for example 1 3, or done:\n{numbered}"
            if people else "No peer support workers are set up yet, so there's nobody to choose. Press Done "
                           "(or type done).")
    options = [(("✓ " if p.telegram_user_id in chosen else "") + name_of(p), str(p.telegram_user_id)) for p in people]
    return Reply(text, tuple(((title, NEWSESSION_FACILITATOR.data(value)),) for title, value in options + [("Done", "done")]))


def take_facilitators(app: AppContext, data: Data, text: str) -> Data:
    """Typed numbers from the list choose exactly those PSWs; "done" keeps what was tapped."""
    words = text.replace(",", " ").split()
    if [word.casefold() for word in words] == ["done"]:
        return {}
    people = app.people.psws()
    if not words or not all(word.isdigit() and 1 <= int(word) <= len(people) for word in words):
        raise Invalid(f"Please type numbers from the list (1 to {len(people)}), or done." if people
                      else "Please type done: there is nobody to choose yet.")
    return {"facilitators": list(dict.fromkeys(people[int(word) - 1].telegram_user_id for word in words))}


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
    return Reply(summary(app, data), ((("Create", NEWSESSION_CREATE.data()),),))


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
    Step("fac", ask_facilitators, typed=take_facilitators),
    Step("confirm", ask_confirm),
)


# --- /newsession: the command and its buttons ----------------------------------------------------------

@guarded(COORDINATORS)
@private_only
async def on_newsession(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Start (or restart) the guided flow; with no group to hold a session, say what to do first."""
    app = context.app
    if not app.groups.with_bot():
        app.drafts.clear(caller.member.id)
        await tell(update, no_groups_text())
        return
    await NEWSESSION.start(update, context, caller.member.id, {"timezone": app.settings.service.default_timezone},
                           "Let's set up a new session series.")


on_draft_pick = guarded(COORDINATORS)(private_only(NEWSESSION.on_pick))


@guarded(COORDINATORS)
@private_only
async def on_draft_facilitator(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """Tap a PSW to choose or unchoose them (the keyboard updates in place); Done moves on."""
    query, button_data = pressed(update)
    [value] = NEWSESSION_FACILITATOR.fields(button_data)
    draft = await NEWSESSION.draft_at(update, context, caller, "fac")
    if draft is None:
        return
    app = context.app
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


on_draft_stop = guarded(COORDINATORS)(private_only(NEWSESSION.on_stop))
on_draft_create = guarded(COORDINATORS)(private_only(NEWSESSION.on_confirm))


def spec_from(data: Data) -> SeriesSpec:
    first = first_start(data)
    return SeriesSpec(key=new_slug(data["name"], "session"), name=data["name"], kind=data["kind"], timezone=data["timezone"],
                      start_date=first.date(), start_time=first.time(), duration_minutes=data["duration"],
                      rrule=REPEATS[data["repeat"]][1], group=data["group"], location=data.get("location"),
                      online_link=data.get("online_link"), capacity=data.get("capacity"),
                      facilitators=list(data.get("facilitators", [])))


async def create_series(update: Update, context: PeerbotContext, caller: Caller, draft: DraftState) -> None:
    """Save the series through SeriesService; on a problem, say it and keep the answers."""
    app = context.app
    if first_start(draft.data) <= utcnow():
        await acknowledge(update)
        await NEWSESSION.ask(update, context, draft.person_id, NEWSESSION.step("date"), draft.data,
                  note="The first session's date and time have passed while we were talking. Let's pick again.")
        return
    spec = spec_from(draft.data)
    try:
        series, _ = app.series.save(spec)
    except SeriesError as problem:
        await acknowledge(update)
        await NEWSESSION.ask(update, context, draft.person_id, NEWSESSION.step("confirm"), draft.data,
                  note=f"I couldn't create it: {problem}. Your answers are kept.")
        return
    await NEWSESSION.finish(update, context, draft.person_id, "Created")
    dates = "\n".join(f"• {local_time(o.starts_at, series.timezone)}" for o in app.series.upcoming(spec.key, PREVIEW))
    await reply(update, context, [Reply(f"Created {series.name} for {draft.data['group_title']}. Coming up:\n"
                                        f"{dates or 'nothing yet'}\n\n/sessions lists every series.")])


NEWSESSION.confirm = create_series


COMMANDS = (
    CommandSpec("newsession", N_("set up a new session series, step by step"), on_newsession),
)
CALLBACKS = (
    (NEWSESSION_PICK.pattern, on_draft_pick),
    (NEWSESSION_FACILITATOR.pattern, on_draft_facilitator),
    (NEWSESSION_STOP.pattern, on_draft_stop),
    (NEWSESSION_CREATE.pattern, on_draft_create),
)
