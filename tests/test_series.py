"""Session series: RRULE recurrence in local time (DST-safe), idempotent import, cancelling."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services.series import SeriesError, SeriesService, SeriesSpec, local_starts

KINDS = ["walking", "crafts"]
UTC = timezone.utc


def test_a_weekly_london_walk_stays_at_10_local_across_the_october_clock_change():
    starts = local_starts("FREQ=WEEKLY;BYDAY=TH", date(2026, 10, 1), time(10, 0), "Europe/London",
                          datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC))
    assert [s.strftime("%a %d %b %H:%M") for s in starts] == [
        "Thu 15 Oct 10:00", "Thu 22 Oct 10:00", "Thu 29 Oct 10:00", "Thu 05 Nov 10:00"]
    assert [s.astimezone(UTC).hour for s in starts] == [9, 9, 10, 10]  # BST ends on 25 October 2026


def test_a_one_off_session_has_exactly_one_start():
    starts = local_starts(None, date(2026, 12, 3), time(14, 0), "Europe/London",
                          datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert starts == [datetime(2026, 12, 3, 14, 0, tzinfo=ZoneInfo("Europe/London"))]


def spec(**changes) -> SeriesSpec:
    values = dict(key="walk", name="Thursday walk", kind="walking", timezone="Europe/London",
                  start_date=date.today(), start_time=time(10, 0), duration_minutes=90, rrule="FREQ=WEEKLY;BYDAY=TH",
                  location="Park gates")
    values.update(changes)
    return SeriesSpec(**values)


def test_saving_the_same_series_twice_changes_nothing(db):
    service = SeriesService(db, KINDS)
    _, created = service.save(spec())
    count = len(service.upcoming("walk", limit=100))
    _, changed = service.save(spec())
    assert created and not changed
    assert len(service.upcoming("walk", limit=100)) == count >= 12


def test_importing_a_sessions_file_is_idempotent(db, tmp_path):
    path = tmp_path / "sessions.yaml"
    path.write_text(
        "series:\n"
        "  - {key: walk, name: Thursday walk, kind: walking, timezone: Europe/London, start_date: 2026-01-01,\n"
        "     start_time: '10:00', duration_minutes: 90, rrule: 'FREQ=WEEKLY;BYDAY=TH'}\n"
        "  - {key: crafts, name: Crafts, kind: crafts, timezone: Europe/London, start_date: 2026-01-06,\n"
        "     start_time: '14:00', duration_minutes: 120, rrule: 'FREQ=WEEKLY;BYDAY=TU'}\n")
    service = SeriesService(db, KINDS)
    assert service.import_file(path) == (2, 2)
    assert service.import_file(path) == (2, 0)


def test_moving_a_series_cancels_the_occurrences_it_no_longer_has(db):
    service = SeriesService(db, KINDS)
    service.save(spec())
    service.save(spec(rrule="FREQ=WEEKLY;BYDAY=FR"))
    scheduled = [o for o in service.upcoming("walk", limit=100) if o.status == "scheduled"]
    assert {o.starts_at.astimezone(ZoneInfo("Europe/London")).strftime("%a") for o in scheduled} == {"Fri"}


def test_cancelling_a_series_cancels_its_future_sessions(db):
    service = SeriesService(db, KINDS)
    service.save(spec())
    assert service.cancel_series("walk") >= 12
    assert all(o.status == "cancelled" for o in service.upcoming("walk", limit=100))


@pytest.mark.parametrize("changes, problem", [
    ({"kind": "knitting"}, "kind: 'knitting' is not one of"),
    ({"timezone": "Mars/Olympus"}, "timezone: unknown timezone"),
    ({"rrule": "FREQ=SOMETIMES"}, "rrule:"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"group": "nope"}, "group: no group has the invite code"),
])
def test_a_bad_series_is_refused_naming_the_field(db, changes, problem):
    with pytest.raises(SeriesError, match=problem):
        SeriesService(db, KINDS).save(spec(**changes))


def test_an_rsvp_is_only_taken_for_an_upcoming_session_of_the_persons_own_groups(db):
    from datetime import timedelta

    from bot.services.people import PeopleService
    from bot.services.sessions import SessionService
    from bot.storage.models import Group

    with db.session() as session, session.begin():
        session.add_all([Group(title="Walkers", invite_code="walk"), Group(title="Crafts", invite_code="crafts")])
    people = PeopleService(db, [], timedelta(hours=1))
    sam = people.consent(1, "uk", "Europe/London")
    people.join_group(sam.id, "walk")
    series = SeriesService(db, KINDS)
    series.save(spec(group="walk"))
    series.save(spec(key="crafts", kind="crafts", group="crafts"))
    sessions = SessionService(db)
    own, other = series.upcoming("walk")[0], series.upcoming("crafts")[0]
    assert sessions.rsvp(sam.id, own.id, "yes").session.occurrence_id == own.id
    assert sessions.rsvp(sam.id, other.id, "yes") is None
    assert [s.rsvp for s in sessions.upcoming_for(sam.id, limit=1)] == ["yes"]


def test_the_sessions_cli_adds_edits_lists_and_cancels_through_the_same_service(empty_database_url):
    from click.testing import CliRunner
    from sqlalchemy import select

    from bot.cli import cli
    from bot.storage import migrate
    from bot.storage.db import Database
    from bot.storage.models import Group, SessionSeries

    def peerbot(*args: str) -> str:
        result = CliRunner().invoke(cli, ["sessions", *args], env={"DATABASE_URL": empty_database_url,
                                                                    "PEERBOT_CONFIG": ""})
        assert result.exit_code == 0, result.output
        return result.output

    migrate.upgrade(empty_database_url)
    db = Database(empty_database_url)
    with db.session() as session, session.begin():
        session.add(Group(title="Walkers", invite_code="walk"))
    first = date.today() + timedelta(days=14)
    assert "saved" in peerbot("add", "--key", "walk", "--name", "Walk", "--kind", "walking",
                              "--start", f"{first}T10:00", "--rrule", "FREQ=WEEKLY", "--group", "walk",
                              "--agenda", "a loop of the park", "--capacity", "8")
    assert "saved" in peerbot("edit", "walk", "--location", "Library steps")
    with db.session() as session:
        series = session.execute(select(SessionSeries)).scalar_one()
    assert (series.location, series.agenda, series.capacity) == ("Library steps", "a loop of the park", 8)
    listing = peerbot("list")
    assert f"{first:%a %d %b} 10:00 scheduled" in listing
    assert f"every {first:%A} 10:00" in listing and "FREQ" not in listing  # the rule in words, as in /sessions
    assert "Library steps" in listing  # where, as a reminder and /next say it
    occurrence = listing.split("#")[1].split()[0]
    assert f"session #{occurrence} cancelled" in peerbot("cancel", occurrence, "--note", "snow")
    missing = CliRunner().invoke(cli, ["sessions", "add", "--key", "x", "--name", "X"],
                                 env={"DATABASE_URL": empty_database_url, "PEERBOT_CONFIG": ""})
    assert missing.exit_code != 0 and "needs --kind, --start" in missing.output
    db.dispose()
