"""Demo data for the sandbox: two groups with upcoming sessions facilitated by
Jo (a PSW on duty), a coordinator and two participants, in both the sandbox and the database, so a
newcomer sees the bot working at once."""
from __future__ import annotations

from datetime import date, time

from bot.services.series import SeriesService, SeriesSpec
from bot.storage.models import Group, Membership, Person, PersonRole
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
    # (title, invite code, members by first name, the group's weekly series)
    ("Riverside Walkers", "riverside", ("Sam", "Jo", "Priya"),
     dict(name="Thursday walk", kind="walking", rrule="FREQ=WEEKLY;BYDAY=TH", start_time=time(10, 0),
          duration_minutes=90, location="Meet at the café by the park gates", capacity=6,
          agenda="A gentle loop of the park, then tea")),
    ("Crafts Circle", "crafts", ("Sam", "Alex", "Jo", "Priya"),
     dict(name="Crafts afternoon", kind="crafts", rrule="FREQ=WEEKLY;BYDAY=TU", start_time=time(14, 0),
          duration_minutes=120, location="Community centre, room 2 (step-free access)",
          agenda="Bring anything you're working on; materials are provided")),
)
TIMEZONE = "Europe/London"


def seed_demo(sandbox, context: AppContext) -> None:
    db = context.people.db
    users = {name: sandbox.add_user(name, username=username) for name, username, _ in PEOPLE}
    codes = {}
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
        for title, code, members, _ in GROUPS:
            chat = sandbox.add_group(title)
            codes[title] = f"{code}-{abs(chat['id']) % 10000}"
            group = Group(telegram_chat_id=chat["id"], title=title, invite_code=codes[title],
                          bot_status="administrator")
            session.add(group)
            session.flush()
            for name in members:
                session.add(Membership(person_id=people[name].id, group_id=group.id))
                sandbox.add_member(chat["id"], users[name]["id"])
    series = SeriesService(db, context.settings.sessions.kinds)
    for title, code, _, definition in GROUPS:
        series.save(SeriesSpec(key=f"demo-{code}", timezone=TIMEZONE, start_date=date.today(), group=codes[title],
                               facilitators=[users["Jo"]["id"]], **definition))
    for name, _, _ in PEOPLE:
        sandbox.send(users[name]["id"], users[name]["id"], "/start")
