"""Storage: the domain tables keep their promises on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.models import (
    CheckIn,
    Group,
    InboxUpdate,
    Membership,
    Occurrence,
    Person,
    PersonRole,
    ReminderDelivery,
    SessionSeries,
)
from bot.storage.types import utcnow

LONDON = ZoneInfo("Europe/London")


def add_person(db, telegram_user_id: int = 1001, name: str = "Sam") -> int:
    with db.session() as session, session.begin():
        person = Person(telegram_user_id=telegram_user_id, display_name=name)
        session.add(person)
        session.flush()
        return person.id


def add_occurrence(db) -> int:
    with db.session() as session, session.begin():
        group = Group(title="Riverside walkers")
        session.add(group)
        session.flush()
        series = SessionSeries(
            group_id=group.id,
            name="Thursday walk",
            kind="walking",
            rrule="FREQ=WEEKLY;BYDAY=TH",
            timezone="Europe/London",
            start_date=date(2026, 10, 1),
            start_time=time(10, 0),
            duration_minutes=90,
        )
        session.add(series)
        session.flush()
        starts = datetime(2026, 10, 22, 10, 0, tzinfo=LONDON)
        occurrence = Occurrence(
            series_id=series.id,
            original_starts_at=starts,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=90),
        )
        session.add(occurrence)
        session.flush()
        return occurrence.id


def test_timestamps_come_back_timezone_aware_in_utc_for_the_same_instant(db):
    local = datetime(2026, 7, 1, 10, 0, tzinfo=LONDON)  # 09:00 UTC in summer time
    with db.session() as session, session.begin():
        session.add(Person(telegram_user_id=7, display_name="Ali", consented_at=local))
    with db.session() as session:
        stored = session.execute(select(Person.consented_at)).scalar_one()
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == local
    assert stored.hour == 9


def test_a_naive_datetime_is_refused_before_it_reaches_the_database(db):
    with db.session() as session:
        session.add(Person(telegram_user_id=8, consented_at=datetime(2026, 1, 1, 12, 0)))
        with pytest.raises(Exception, match="naive datetime"):
            session.commit()


def test_each_person_gets_a_distinct_random_pseudonym_for_exports(db):
    first, second = add_person(db, 1), add_person(db, 2)
    with db.session() as session:
        pseudonyms = session.execute(select(Person.pseudonym).where(Person.id.in_([first, second]))).scalars().all()
    assert len(set(pseudonyms)) == 2
    assert all(len(p) == 12 and p not in ("1", "2") for p in pseudonyms)


def test_a_telegram_user_is_one_person(db):
    add_person(db, 555)
    with pytest.raises(IntegrityError):
        add_person(db, 555)


def test_a_person_can_hold_several_staff_roles_but_only_known_ones(db):
    person_id = add_person(db)
    with db.session() as session, session.begin():
        session.add_all(
            [PersonRole(person_id=person_id, role="psw", source="invite"),
             PersonRole(person_id=person_id, role="coordinator", source="config")]
        )
    with db.session() as session:
        roles = session.execute(select(PersonRole.role).where(PersonRole.person_id == person_id)).scalars().all()
    assert sorted(roles) == ["coordinator", "psw"]
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(PersonRole(person_id=person_id, role="admin", source="invite"))


def test_a_reminder_is_recorded_once_per_person_occurrence_and_offset(db):
    person_id, occurrence_id = add_person(db), add_occurrence(db)
    due = utcnow()

    def record(offset: int) -> None:
        with db.session() as session, session.begin():
            session.add(ReminderDelivery(occurrence_id=occurrence_id, person_id=person_id, offset_minutes=offset, due_at=due))

    record(1440)
    record(60)
    with pytest.raises(IntegrityError):
        record(1440)


def test_a_checkin_mood_must_be_between_1_and_5(db):
    person_id = add_person(db)
    with db.session() as session, session.begin():
        session.add(CheckIn(person_id=person_id, mood=5))
        session.add(CheckIn(person_id=person_id, mood=1, note="rough morning"))
    for bad in (0, 6):
        with pytest.raises(IntegrityError), db.session() as session, session.begin():
            session.add(CheckIn(person_id=person_id, mood=bad))


def test_a_round_checkin_may_be_a_pass_but_otherwise_needs_a_mood(db):
    person_id = add_person(db)
    with db.session() as session, session.begin():
        session.add(CheckIn(person_id=person_id, passed=True, source="round_in"))
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(CheckIn(person_id=person_id, source="round_in"))


def test_each_telegram_update_id_is_stored_once_per_bot(db):
    with db.session() as session, session.begin():
        session.add(InboxUpdate(bot_id=1, update_id=2**40))
        session.add(InboxUpdate(bot_id=2, update_id=2**40))
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(InboxUpdate(bot_id=1, update_id=2**40))


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(Membership(person_id=9999, group_id=9999))


def test_an_occurrence_is_unique_per_series_and_original_start(db):
    occurrence_id = add_occurrence(db)
    with db.session() as session:
        existing = session.get(Occurrence, occurrence_id)
    with pytest.raises(IntegrityError), db.session() as session, session.begin():
        session.add(
            Occurrence(
                series_id=existing.series_id,
                original_starts_at=existing.original_starts_at,
                starts_at=existing.starts_at + timedelta(hours=1),
                ends_at=existing.ends_at + timedelta(hours=1),
            )
        )


def test_default_timestamps_are_set_in_utc(db):
    before = datetime.now(timezone.utc)
    person_id = add_person(db)
    with db.session() as session:
        created = session.get(Person, person_id).created_at
    assert created.tzinfo is not None and before - timedelta(seconds=5) <= created <= utcnow()
