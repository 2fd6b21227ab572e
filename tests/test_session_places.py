"""Places at sessions, on SQLite and PostgreSQL: capacity and a waiting list with
automatic promotion, and notices owed to people when a session is cancelled or
changed (queued with the change, whoever makes it)."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services.notices import NoticeService
from bot.services.people import PeopleService
from bot.services.series import SeriesService, SeriesSpec
from bot.services.sessions import SessionService
from bot.storage.models import Group, Rsvp, SessionNotice, SessionSeries
from conftest import session_soon


@pytest.fixture
def walkers(db):
    """Five members of the Walkers group, by name."""
    with db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    people = PeopleService(db, [], timedelta(hours=1))
    members = {}
    for index, name in enumerate(("Ann", "Ben", "Cat", "Dev", "Eve")):
        person = people.consent(5000 + index, "uk", "Europe/London")
        people.join_group(person.id, "walk")
        members[name] = person.id
    return members


def notices(db) -> list[tuple[int, str]]:
    with db.session() as session:
        return [(n.person_id, n.kind) for n in session.execute(select(SessionNotice).order_by(SessionNotice.id)).scalars()]


def test_yes_beyond_capacity_joins_the_waiting_list_in_order(db, walkers):
    walk = session_soon(db, "walk", "walk", 120, capacity=2)
    sessions = SessionService(db)
    assert sessions.rsvp(walkers["Ann"], walk.id, "yes").status == "yes"
    assert sessions.rsvp(walkers["Ben"], walk.id, "yes").status == "yes"
    cat = sessions.rsvp(walkers["Cat"], walk.id, "yes")
    dev = sessions.rsvp(walkers["Dev"], walk.id, "yes")
    assert (cat.status, cat.waitlist_position) == ("waitlist", 1)
    assert (dev.status, dev.waitlist_position) == ("waitlist", 2)
    assert sessions.rsvp(walkers["Cat"], walk.id, "yes").waitlist_position == 1, "asking again keeps the place"


def test_a_place_freed_goes_to_the_first_waiting_who_is_owed_a_message(db, walkers):
    walk = session_soon(db, "walk", "walk", 120, capacity=1)
    sessions = SessionService(db)
    sessions.rsvp(walkers["Ann"], walk.id, "yes")
    sessions.rsvp(walkers["Ben"], walk.id, "yes")
    sessions.rsvp(walkers["Cat"], walk.id, "yes")
    freed = sessions.rsvp(walkers["Ann"], walk.id, "no")
    assert freed.promoted == (walkers["Ben"],)
    assert notices(db) == [(walkers["Ben"], "promoted")]
    assert sessions.rsvp(walkers["Cat"], walk.id, "maybe").status == "maybe"
    assert sessions.rsvp(walkers["Dev"], walk.id, "yes").status == "waitlist"


def test_more_places_promote_people_waiting(db, walkers):
    walk = session_soon(db, "walk", "walk", 120, capacity=1)
    sessions = SessionService(db)
    for name in ("Ann", "Ben", "Cat"):
        sessions.rsvp(walkers[name], walk.id, "yes")
    with db.session() as session, session.begin():
        session.execute(select(SessionSeries)).scalar_one().capacity = 3
    assert sessions.rsvp(walkers["Dev"], walk.id, "yes").promoted == (walkers["Ben"], walkers["Cat"])


def test_cancelling_a_session_owes_a_notice_to_everyone_who_might_come(db, walkers):
    walk = session_soon(db, "walk", "walk", 120, capacity=1)
    sessions = SessionService(db)
    sessions.rsvp(walkers["Ann"], walk.id, "yes")
    sessions.rsvp(walkers["Ben"], walk.id, "maybe")
    sessions.rsvp(walkers["Cat"], walk.id, "yes")  # waiting list
    sessions.rsvp(walkers["Dev"], walk.id, "no")
    SeriesService(db, ["walking"]).cancel_occurrence(walk.id, "the park is closed")
    assert sorted(notices(db)) == sorted([(walkers["Ann"], "cancelled"), (walkers["Ben"], "cancelled"),
                                          (walkers["Cat"], "cancelled")])
    [first, *_] = [NoticeService(db).take_next() for _ in range(3)]
    assert first.change_note == "the park is closed"
    assert NoticeService(db).take_next() is None


def test_a_new_meeting_place_owes_a_change_notice_and_re_saving_unchanged_owes_none(db, walkers):
    walk = session_soon(db, "walk", "walk", 120, location="Park gates")
    SessionService(db).rsvp(walkers["Ann"], walk.id, "yes")
    service = SeriesService(db, ["walking"])
    with db.session() as session:
        series = session.execute(select(SessionSeries)).scalar_one()
    spec = SeriesSpec(key="walk", name=series.name, kind="walking", timezone="Europe/London",
                      start_date=series.start_date, start_time=series.start_time, duration_minutes=60, group="walk",
                      location="Park gates")
    assert service.save(spec)[1] is False
    service.save(replace(spec, location="Library steps"))
    assert notices(db) == [(walkers["Ann"], "changed")]


@pytest.mark.postgres
def test_two_people_taking_the_last_place_at_once_get_one_place_and_one_waiting(postgres_schema_url):
    from bot.storage import migrate
    from bot.storage.db import Database

    migrate.upgrade(postgres_schema_url)
    db = Database(postgres_schema_url)
    try:
        with db.session() as session, session.begin():
            session.add(Group(title="Walkers", invite_code="walk"))
        people = PeopleService(db, [], timedelta(hours=1))
        racers = [people.consent(6000 + i, "uk", "Europe/London").id for i in range(2)]
        for person_id in racers:
            people.join_group(person_id, "walk")
        walk = session_soon(db, "walk", "walk", 120, capacity=1)
        barrier = threading.Barrier(2)

        def take_place(person_id: int) -> None:
            barrier.wait()
            SessionService(db).rsvp(person_id, walk.id, "yes")

        threads = [threading.Thread(target=take_place, args=(p,)) for p in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with db.session() as session:
            statuses = sorted(session.execute(select(Rsvp.status)).scalars())
        assert statuses == ["waitlist", "yes"]
    finally:
        db.dispose()
