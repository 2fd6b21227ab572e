"""Demo data for the sandbox: two groups with upcoming sessions, a PSW on duty,
a coordinator and two participants, in both the sandbox and the database, so a
newcomer sees the bot working at once."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

from bot.storage.models import Group, Membership, Occurrence, Person, PersonRole, SessionSeries
from bot.storage.types import utcnow
from bot.telegram.context import AppContext

PEOPLE = (
    # (first name, username, role)
    ("Sam", "sam_demo", None),
    ("Alex", "alex_demo", None),
    ("Jo", "jo_psw_demo", "psw"),
    ("Priya", "priya_coord_demo", "coordinator"),
)
GROUPS = (
    # (title, invite code, members by first name, series name, kind, weekday (MO=0), start, place)
    ("Riverside Walkers", "riverside", ("Sam", "Jo", "Priya"), "Thursday walk", "walking", 3, time(10, 0),
     "Meet at the café by the park gates"),
    ("Crafts Circle", "crafts", ("Sam", "Alex", "Jo", "Priya"), "Crafts afternoon", "crafts", 1, time(14, 0),
     "Community centre, room 2 (step-free access)"),
)
TIMEZONE = "Europe/London"
WEEKS = 6


def weekly_starts(weekday: int, at: time, weeks: int) -> list[datetime]:
    """The next few weekly start times, at that local wall-clock time (DST-safe)."""
    zone = ZoneInfo(TIMEZONE)
    first = date.today() + timedelta(days=1)
    local = rrule(WEEKLY, byweekday=weekday, count=weeks, dtstart=datetime.combine(first, at))
    return [moment.replace(tzinfo=zone) for moment in local]


def seed_demo(sandbox, context: AppContext) -> None:
    db = context.people.db
    users = {name: sandbox.add_user(name, username=username) for name, username, _ in PEOPLE}
    with db.session() as session, session.begin():
        people = {}
        for name, _, role in PEOPLE:
            person = Person(telegram_user_id=users[name]["id"], display_name=name, consented_at=utcnow(),
                            region=context.settings.service.default_region, timezone=TIMEZONE, on_duty=role == "psw")
            session.add(person)
            session.flush()
            if role:
                session.add(PersonRole(person_id=person.id, role=role, source="demo"))
            people[name] = person
        for title, code, members, series_name, kind, weekday, start, place in GROUPS:
            chat = sandbox.add_group(title)
            group = Group(telegram_chat_id=chat["id"], title=title, invite_code=f"{code}-{chat['id'] % 10000}",
                          bot_status="administrator")
            session.add(group)
            session.flush()
            starts = weekly_starts(weekday, start, WEEKS)
            series = SessionSeries(group_id=group.id, name=series_name, kind=kind, timezone=TIMEZONE,
                                   rrule=f"FREQ=WEEKLY;BYDAY={'MO TU WE TH FR SA SU'.split()[weekday]}",
                                   start_date=starts[0].date(), start_time=start, duration_minutes=90, location=place)
            session.add(series)
            session.flush()
            for moment in starts:
                session.add(Occurrence(series_id=series.id, original_starts_at=moment, starts_at=moment,
                                       ends_at=moment + timedelta(minutes=90)))
            for name in members:
                session.add(Membership(person_id=people[name].id, group_id=group.id))
                sandbox.add_member(chat["id"], users[name]["id"])
    for name, _, _ in PEOPLE:
        sandbox.send(users[name]["id"], users[name]["id"], "/start")
