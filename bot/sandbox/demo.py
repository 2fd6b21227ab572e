"""Demo data for the sandbox: two groups with upcoming sessions facilitated by
Jo (a PSW on duty), a coordinator and two participants, in both the sandbox and the database, so a
newcomer sees the bot working at once.

Six more members and four weeks of made-up history (sessions attended, check-ins,
closed cases, Jo's duty shifts) let ``/report`` show its figures and charts: with
fewer than ``small_cell`` people behind a figure, a report rightly shows nothing.
The history is drawn from a fixed seed, so every sandbox start looks the same."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.series import SeriesService, SeriesSpec, local_starts
from bot.storage.models import (
    Attendance,
    CheckIn,
    DutyPeriod,
    Escalation,
    Group,
    Membership,
    Occurrence,
    Person,
    PersonRole,
    Rsvp,
    SessionSeries,
)
from bot.storage.types import utcnow
from bot.telegram.context import AppContext

PEOPLE = (
    # (first name, username, role)
    ("Sam", "sam_demo", None),
    ("Alex", "alex_demo", None),
    ("Jo", "jo_psw_demo", "psw"),
    ("Priya", "priya_coord_demo", "coordinator"),
)
# Members who are only there to make the report's figures big enough to show.
BACKGROUND = ("Robin", "Kai", "Nia", "Dev", "Lou", "Max")
GROUPS: tuple[tuple[str, str, tuple[str, ...], dict[str, Any]], ...] = (
    # (title, invite code, members by first name, the group's weekly series: SeriesSpec's other fields)
    ("Riverside Walkers", "riverside", ("Sam", "Jo", "Priya", *BACKGROUND),
     dict(name="Thursday walk", kind="walking", rrule="FREQ=WEEKLY;BYDAY=TH", start_time=time(10, 0),
          duration_minutes=90, location="Meet at the café by the park gates", capacity=6,
          agenda="A gentle loop of the park, then tea")),
    ("Crafts Circle", "crafts", ("Sam", "Alex", "Jo", "Priya", *BACKGROUND[:4]),
     dict(name="Crafts afternoon", kind="crafts", rrule="FREQ=WEEKLY;BYDAY=TU", start_time=time(14, 0),
          duration_minutes=120, location="Community centre, room 2 (step-free access)",
          agenda="Bring anything you're working on; materials are provided")),
)
TIMEZONE = "Europe/London"
HISTORY = timedelta(days=28)
# Past sessions start at least this long ago, so no reminder or wrap-up job takes them for recent ones.
SETTLED = timedelta(days=3)
PAST_CASES = 6
SHIFT = (time(9, 0), time(17, 0))  # Jo's duty hours on weekdays, local time


@dataclass(frozen=True)
class Seeded:
    """What the history is built on: people by first name, groups by title."""

    people: dict[str, Person]
    groups: dict[str, Group]


def seed_demo(sandbox, context: AppContext) -> None:
    db = context.people.db
    users = {name: sandbox.add_user(name, username=username) for name, username, _ in PEOPLE}
    users.update({name: sandbox.add_user(name) for name in BACKGROUND})
    with db.session() as session, session.begin():
        seeded = seed_people_and_groups(session, sandbox, users, context.settings.service.default_region)
    codes = {title: group.invite_code for title, group in seeded.groups.items()}
    series = SeriesService(db, context.settings.sessions.kinds)
    for title, code, _, definition in GROUPS:
        series.save(SeriesSpec(key=f"demo-{code}", timezone=TIMEZONE, start_date=date.today(), group=codes[title],
                               facilitators=[users["Jo"]["id"]], **definition))
    with db.session() as session, session.begin():
        seed_history(session, seeded, random.Random(7), utcnow())
    for name, _, _ in PEOPLE:
        sandbox.send(users[name]["id"], users[name]["id"], "/start")


def seed_people_and_groups(session: Session, sandbox, users: dict[str, dict], region: str) -> Seeded:
    people = {}
    roles = {name: role for name, _, role in PEOPLE}
    for name in users:
        role = roles.get(name)
        person = Person(telegram_user_id=users[name]["id"], display_name=name, consented_at=utcnow() - HISTORY,
                        region=region, timezone=TIMEZONE, on_duty=role == "psw")
        session.add(person)
        session.flush()
        if role:
            session.add(PersonRole(person_id=person.id, role=role, source="demo"))
        people[name] = person
    groups = {}
    for title, code, members, _ in GROUPS:
        chat = sandbox.add_group(title)
        group = Group(telegram_chat_id=chat["id"], title=title, invite_code=f"{code}-{abs(chat['id']) % 10000}",
                      bot_status="administrator")
        session.add(group)
        session.flush()
        for name in members:
            session.add(Membership(person_id=people[name].id, group_id=group.id))
            sandbox.add_member(chat["id"], users[name]["id"])
        groups[title] = group
    return Seeded(people, groups)


def seed_history(session: Session, seeded: Seeded, rng: random.Random, now: datetime) -> None:
    """Four weeks behind the demo: held sessions with attendance, check-ins, closed cases, duty."""
    participants = [person for name, person in seeded.people.items() if name not in ("Jo", "Priya")]
    jo = seeded.people["Jo"]
    for title, _, members, _ in GROUPS:
        series = session.execute(select(SessionSeries).where(
            SessionSeries.group_id == seeded.groups[title].id)).scalar_one()
        attendees = [seeded.people[name] for name in members if name not in ("Jo", "Priya")]
        for starts_at in local_starts(series.rrule, series.start_date - HISTORY, series.start_time, series.timezone,
                                      now - HISTORY, now - SETTLED):
            held_session(session, series, starts_at, rng.sample(attendees, k=max(5, len(attendees) - 1)))
    for day in range(HISTORY.days):
        for person in participants:
            if rng.random() < 0.6:
                group = rng.choice([None, *seeded.groups.values()])
                session.add(CheckIn(person_id=person.id, group_id=group.id if group else None,
                                    mood=rng.choice((2, 3, 3, 4, 4, 5)), source="private",
                                    created_at=now - timedelta(days=day, hours=rng.randint(1, 10))))
    for index in range(PAST_CASES):
        raised = now - timedelta(days=3 + 4 * index, hours=rng.randint(1, 6))
        claimed = raised + timedelta(minutes=rng.randint(2, 25))
        session.add(Escalation(person_id=rng.choice(participants).id, kind="request", priority="normal",
                               status="closed", reasons=["request"], claimed_by_id=jo.id,
                               claimed_at=claimed, closed_at=claimed + timedelta(minutes=rng.randint(15, 70)),
                               outcome="supported", created_at=raised))
    seed_duty(session, jo, now)


def held_session(session: Session, series: SessionSeries, starts_at: datetime, present: list[Person]) -> None:
    occurrence = Occurrence(series_id=series.id, original_starts_at=starts_at, starts_at=starts_at,
                            ends_at=starts_at + timedelta(minutes=series.duration_minutes), status="completed",
                            wrapped_up_at=starts_at + timedelta(minutes=series.duration_minutes))
    session.add(occurrence)
    session.flush()
    for person in present:
        session.add(Rsvp(occurrence_id=occurrence.id, person_id=person.id, status="yes",
                         responded_at=starts_at - timedelta(days=1)))
        session.add(Attendance(occurrence_id=occurrence.id, person_id=person.id, present=True,
                               marked_at=occurrence.ends_at))


def seed_duty(session: Session, psw: Person, now: datetime) -> None:
    """Past weekday shifts, and the shift Jo is on now (open), begun this morning at the latest."""
    zone = ZoneInfo(TIMEZONE)
    today = now.astimezone(zone).date()
    for back in range(1, HISTORY.days):
        day = today - timedelta(days=back)
        if day.weekday() < 5:
            session.add(DutyPeriod(person_id=psw.id, started_at=shift_at(day, SHIFT[0], zone),
                                   ended_at=shift_at(day, SHIFT[1], zone)))
    session.add(DutyPeriod(person_id=psw.id, started_at=min(now, shift_at(today, SHIFT[0], zone))))


def shift_at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)
