"""How sessions, dates, times and schedules are worded for people, in one place, so
/next, a reminder, a notice, /sessions, /cancel, the groups overview and the command
line say them alike: in the series' own time zone, the place *and* the online link,
and rules in plain words rather than RFC 5545."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Optional
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import ENGLISH, N_, say
from bot.services.sessions import SessionView

DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
             "SA": "Saturday", "SU": "Sunday"}
WEEKDAY_CODES = tuple(DAY_NAMES)  # in date.weekday() order


def local_time(instant: datetime, timezone: str, language: Optional[str] = None) -> str:
    """An instant as people there read it: "Thu 05 Nov 10:00" (in Spanish, "jue 05 nov 10:00")."""
    local = instant.astimezone(ZoneInfo(timezone))
    if language in (None, ENGLISH):
        return f"{local:%a %d %b %H:%M}"
    return format_datetime(local, "EEE dd MMM HH:mm", locale=language)


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


def where(location: Optional[str], online_link: Optional[str], language: Optional[str] = None) -> str:
    """Where to go: the place, the link, or both (a session may be held in both at once)."""
    if location and online_link:
        return say(language, N_("{place}, or online: {link}"), place=location, link=online_link)
    if online_link:
        return say(language, N_("online: {link}"), link=online_link)
    return location or say(language, N_("place to be confirmed"))


# What a person said about a session, as "you said: ..." shows it.
RSVP_SAID = {"yes": N_("yes"), "no": N_("no"), "maybe": N_("maybe"), "waitlist": N_("waiting list")}


def describe_session(session: SessionView, with_rsvp: bool = True, language: Optional[str] = None) -> str:
    """"Walk (Walkers): Thu 05 Nov 10:00, Park gates (you said: yes)"."""
    said = RSVP_SAID.get(session.rsvp or "", session.rsvp or "")
    going = say(language, N_(" (you said: {answer})"), answer=say(language, said)) if with_rsvp and session.rsvp else ""
    return (f"{session.name} ({session.group}): {local_time(session.starts_at, session.timezone, language)}, "
            f"{where(session.location, session.online_link, language)}{going}")
