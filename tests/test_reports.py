"""Reports and the evaluation export, on a seeded month: the figures by hand,
small cells suppressed (in the text and the charts), the CLI's files, nothing
identifying in the CSVs, and /report through the sandbox."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Optional

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.services.charts import date_axis, new_figure
from bot.services.export import ExportService, export_id
from bot.services.report_charts import attendance_points, mood_points, report_charts, timing_points
from bot.services.report_text import report_text
from bot.services.reports import NO_GROUP, Caseload, ReportService, Timing, nearest_rank
from bot.storage.models import (
    Attendance,
    AuditEntry,
    CheckIn,
    DutyPeriod,
    Escalation,
    Group,
    Membership,
    Occurrence,
    OutcomeResponse,
    Person,
    PersonRole,
    Rsvp,
    SessionSeries,
)
from bot.storage.types import utcnow

UTC = timezone.utc
START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday; the month is four whole weeks
END = START + timedelta(days=28)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WALKERS = ["Ottoline Quarrington", "Barnaby Fenwhistle", "Cressida Thornwood", "Dashiell Ambervale",
           "Evangeline Moorcroft", None]  # the sixth asked to be forgotten: no name, no Telegram id
CRAFTERS = ["Gwendolyn Ashcombe", "Horatio Beckwith", "Isadora Cheverell", "Jasper Dunsmore"]
PSWS = ["Jo Kestrelmoor", "Kim Larkspurrow"]
COORDINATOR = "Priya Wrenfield"
NOTES = ("marmalade zeppelin", "quokka lighthouse")
TRIGGER = "xylophone precipice tonight"
OUTCOME_NOTE = "wombat confidential"
ONS4 = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
SCORES = {0: dict(zip(ONS4, (7, 8, 6, 3))), 1: dict(zip(ONS4, (5, 5, 4, 7)))}  # by walker


@dataclass
class Seeded:
    """What the seed made, for the tests to refer to."""

    start: datetime
    walkers: list[Person] = field(default_factory=list)
    crafters: list[Person] = field(default_factory=list)
    psws: list[Person] = field(default_factory=list)
    coordinator: Optional[Person] = None
    telegram_ids: list[int] = field(default_factory=list)
    walk_id: int = 0

    def at(self, day: int, hour: int = 0, minute: int = 0) -> datetime:
        return self.start + timedelta(days=day, hours=hour, minutes=minute)

    @property
    def names(self) -> list[str]:
        return [p.display_name for p in (*self.walkers, *self.crafters, *self.psws, self.coordinator)
                if p.display_name]


def seed(db, start: datetime = START) -> Seeded:
    """A month: two groups (6 walkers, 4 crafters), weekly sessions, check-ins with notes,
    escalations with known timings, duty periods and outcome questionnaires."""
    data = Seeded(start)
    with db.session() as session, session.begin():
        people(session, data)
        walk, crafts = groups_and_series(session, data)
        sessions(session, data, walk, crafts)
        checkins(session, data, walk.group_id, crafts.group_id)
        escalations(session, data)
        duty(session, data)
        outcomes(session, data)
    return data


def people(session, data: Seeded) -> None:
    numbers = iter(range(7_700_000_101, 7_700_000_200))
    for names, target in ((WALKERS, data.walkers), (CRAFTERS, data.crafters), (PSWS, data.psws),
                          ([COORDINATOR], None)):
        for name in names:
            telegram_id = next(numbers) if name else None
            person = Person(telegram_user_id=telegram_id, display_name=name, consented_at=data.at(-30),
                            forgotten_at=None if name else data.at(-1), region="uk", timezone="Europe/London")
            session.add(person)
            data.telegram_ids += [telegram_id] if telegram_id else []
            if target is None:
                data.coordinator = person
            else:
                target.append(person)
    session.flush()
    session.add_all(PersonRole(person_id=p.id, role="psw", source="invite") for p in data.psws)
    session.add(PersonRole(person_id=data.coordinator.id, role="coordinator", source="config"))


def groups_and_series(session, data: Seeded) -> tuple[SessionSeries, SessionSeries]:
    made = []
    for title, members, key, name, weekday, hour in (("Walkers", data.walkers, "walk", "Thursday walk", 3, 10),
                                                     ("Crafters", data.crafters, "crafts", "Crafts circle", 1, 14)):
        group = Group(title=title, bot_status="administrator")
        session.add(group)
        session.flush()
        session.add_all(Membership(person_id=p.id, group_id=group.id) for p in members)
        series = SessionSeries(key=key, group_id=group.id, name=name, kind="walking", timezone="UTC",
                               start_date=data.at(weekday).date(), start_time=time(hour), duration_minutes=60,
                               rrule="FREQ=WEEKLY")
        session.add(series)
        made.append(series)
    session.flush()
    data.walk_id = made[0].id
    return made[0], made[1]


def occurrence(session, series: SessionSeries, starts: datetime, status: str = "scheduled") -> Occurrence:
    made = Occurrence(series_id=series.id, original_starts_at=starts, starts_at=starts,
                      ends_at=starts + timedelta(hours=1), status=status)
    session.add(made)
    session.flush()
    return made


def attend(session, held: Occurrence, present: list[Person], absent: list[Person] = (),
           yes: Optional[list[Person]] = None) -> None:
    session.add_all(Attendance(occurrence_id=held.id, person_id=p.id, present=True) for p in present)
    session.add_all(Attendance(occurrence_id=held.id, person_id=p.id, present=False) for p in absent)
    session.add_all(Rsvp(occurrence_id=held.id, person_id=p.id, status="yes")
                    for p in (present if yes is None else yes))


def sessions(session, data: Seeded, walk: SessionSeries, crafts: SessionSeries) -> None:
    """Walk present 6, 5, 6, 5 (said yes 6, 6, 5, 4); crafts 4 every week; plus sessions
    that must not count: one cancelled, one before the period."""
    w = data.walkers
    attend(session, occurrence(session, walk, data.at(3, 10)), w)
    attend(session, occurrence(session, walk, data.at(10, 10)), w[:5], absent=w[5:], yes=w)
    attend(session, occurrence(session, walk, data.at(17, 10)), w, yes=w[:5])
    attend(session, occurrence(session, walk, data.at(24, 10)), w[:5], yes=w[:4])
    attend(session, occurrence(session, walk, data.at(26, 10), status="cancelled"), w)
    attend(session, occurrence(session, walk, data.at(-4, 10)), w)
    for day in (1, 8, 15, 22):
        attend(session, occurrence(session, crafts, data.at(day, 14)), data.crafters)


def checkin(session, person: Person, when: datetime, mood: Optional[int], group_id: Optional[int],
            source: str = "round_in") -> None:
    session.add(CheckIn(person_id=person.id, group_id=group_id, mood=mood, passed=mood is None, source=source,
                        note=None if mood is None else NOTES[person.id % 2], created_at=when))


def checkins(session, data: Seeded, walkers: int, crafters: int) -> None:
    """Walkers: week 1 moods 1,2,3,4,5,3 (mean 3.0); week 2 five 4s, one 2 and a pass (6 people,
    7 check-ins, mean 22/6); week 3 only three people. Crafters: 4 people every week.
    Private: six people in week 1, moods 2,2,3,3,5,1 (mean 16/6)."""
    w = data.walkers
    for person, mood in zip(w, (1, 2, 3, 4, 5, 3)):
        checkin(session, person, data.at(3, 10, 5), mood, walkers)
    for person in w[:5]:
        checkin(session, person, data.at(10, 10, 5), 4, walkers)
    checkin(session, w[0], data.at(10, 11), 2, walkers, source="round_out")
    checkin(session, w[5], data.at(10, 10, 6), None, walkers)
    for person in w[:3]:
        checkin(session, person, data.at(17, 10, 5), 5, walkers)
    for day in (1, 8, 15, 22):
        for person in data.crafters:
            checkin(session, person, data.at(day, 14, 5), 2, crafters)
    for person, mood in zip([*w[:5], data.crafters[0]], (2, 2, 3, 3, 5, 1)):
        checkin(session, person, data.at(2, 20), mood, None, source="private")
    checkin(session, w[0], data.at(-2), 1, None, source="private")  # before the period


def case(session, person: Person, priority: str, created: datetime, claim: Optional[int] = None,
         close: Optional[int] = None, by: Optional[Person] = None, outcome: str = "supported") -> None:
    """A case claimed ``claim`` minutes and closed ``close`` minutes after it was raised."""
    claimed = created + timedelta(minutes=claim) if claim is not None else None
    closed = created + timedelta(minutes=close) if close is not None else None
    session.add(Escalation(
        person_id=person.id, kind="crisis" if priority == "urgent" else "followup", priority=priority,
        status="closed" if closed else "claimed" if claimed else "open", reasons=["crisis"], trigger_text=TRIGGER,
        claimed_by_id=by.id if by else None, claimed_at=claimed, closed_at=closed, created_at=created,
        outcome=outcome if closed else None, outcome_note=OUTCOME_NOTE if closed else None))


def escalations(session, data: Seeded) -> None:
    """Urgent: claimed after 2, 4, 6, 8, 10, 30 min; closed after 20, 40, 60, 80, 100 (the last
    still held by Kim). Normal: three cases. Low: two, unclaimed. Before the period: one Jo closed
    during it."""
    w, (jo, kim) = data.walkers, data.psws
    claims, closes = (2, 4, 6, 8, 10, 30), (20, 40, 60, 80, 100, None)
    for index, (claim, close) in enumerate(zip(claims, closes)):
        case(session, w[index], "urgent", data.at(2 + index, 12), claim, close, jo if index < 4 else kim,
             outcome="0770090123" if index == 1 else "supported")
    for index, (claim, close) in enumerate(((5, 50), (15, 60), (25, 70))):
        case(session, data.crafters[index], "normal", data.at(8 + index, 9), claim, close, jo if index == 0 else kim,
             outcome="referred")
    for day in (12, 13):
        case(session, data.crafters[3], "low", data.at(day, 9))
    case(session, w[0], "urgent", data.at(-5, 12), 3, 6 * 24 * 60, jo)


def duty(session, data: Seeded) -> None:
    """Jo: 4 h of a night shift that began before the period, and 8 h; Kim: 3 h, and 4 h of a
    shift still open when the period ends."""
    jo, kim = data.psws
    for person, started, ended in ((jo, data.at(-1, 20), data.at(0, 4)), (jo, data.at(7, 9), data.at(7, 17)),
                                   (jo, data.at(-10, 9), data.at(-10, 17)),
                                   (kim, data.at(14, 9), data.at(14, 12)), (kim, data.at(27, 20), None)):
        session.add(DutyPeriod(person_id=person.id, started_at=started, ended_at=ended))


def outcomes(session, data: Seeded) -> None:
    """Two completed ONS4 questionnaires in the period; one open, one abandoned, one too early."""
    w = data.walkers
    for index, completed in ((0, data.at(4, 12)), (1, data.at(20, 12))):
        session.add(OutcomeResponse(person_id=w[index].id, measure="ons4", status="complete",
                                    answers=SCORES[index], scores=SCORES[index],
                                    started_at=completed - timedelta(minutes=5), completed_at=completed))
    session.add(OutcomeResponse(person_id=w[2].id, measure="ons4", status="open", answers={"worthwhile": 9},
                                started_at=data.at(5)))
    session.add(OutcomeResponse(person_id=w[3].id, measure="ons4", status="abandoned", answers={},
                                started_at=data.at(6)))
    session.add(OutcomeResponse(person_id=w[4].id, measure="ons4", status="complete", answers=SCORES[0],
                                scores=SCORES[0], started_at=data.at(-3), completed_at=data.at(-3)))


@pytest.fixture
def month(db) -> Seeded:
    return seed(db)


@pytest.fixture
def report(db, month):
    return ReportService(db, 5).build(START, END)


# --- the figures ---------------------------------------------------------------------------------

def test_percentiles_are_nearest_rank():
    assert nearest_rank([4, 1, 3, 2], 50) == 2, "the lower middle value for an even count"
    assert nearest_rank(range(1, 11), 90) == 9
    assert nearest_rank(range(1, 71), 90) == 63, "ceil(0.9 * 70) = 63, with no floating-point surprise"
    assert nearest_rank([7], 90) == 7


def test_attendance_per_series_and_session_matches_hand_counts(report):
    crafts, walk = report.series
    assert (walk.name, walk.group, walk.held, walk.total_present, walk.mean_present) == (
        "Thursday walk", "Walkers", 4, 22, 5.5)
    assert [o.present for o in walk.occurrences] == [6, 5, 6, 5], "cancelled and earlier sessions left out"
    assert [o.said_yes for o in walk.occurrences] == [6, 6, 5, None], "4 said yes: a small cell"
    assert [o.starts_at for o in walk.occurrences] == [START + timedelta(days=d, hours=10) for d in (3, 10, 17, 24)]
    assert (crafts.name, crafts.held, crafts.total_present, crafts.mean_present) == ("Crafts circle", 4, None, None)
    assert {(o.present, o.said_yes) for o in crafts.occurrences} == {(None, None)}


def test_a_series_total_is_hidden_when_one_of_its_sessions_is(db, month):
    with db.session() as session, session.begin():
        walk = session.get(SessionSeries, month.walk_id)
        attend(session, occurrence(session, walk, month.at(25, 10)), month.walkers[:2])
    walk = next(s for s in ReportService(db, 5).build(START, END).series if s.key == "walk")
    assert [o.present for o in walk.occurrences] == [6, 5, 6, 5, None]
    assert (walk.held, walk.total_present, walk.mean_present) == (5, None, None), \
        "24 in all minus the four shown sessions would give the hidden 2 back"


def test_check_in_trends_per_group_and_week_match_hand_computation(report):
    crafters, walkers, private = report.trends
    assert (crafters.title, walkers.title, private.title, private.group_id) == (
        "Crafters", "Walkers", NO_GROUP, None)
    assert [w.week_start for w in walkers.weeks] == [START + timedelta(days=7 * i) for i in range(4)]
    figures = [(w.people, w.checkins, w.mean_mood) for w in walkers.weeks]
    assert figures[0] == (6, 6, 3.0)
    assert figures[1][:2] == (6, 7) and figures[1][2] == pytest.approx(22 / 6), "the pass counts, but not in the mean"
    assert figures[2:] == [(None, None, None)] * 2, "three people, then nobody: small cells"
    assert {(w.people, w.checkins, w.mean_mood) for w in crafters.weeks} == {(None, None, None)}
    assert (private.weeks[0].people, private.weeks[0].checkins) == (6, 6)
    assert private.weeks[0].mean_mood == pytest.approx(16 / 6)


def test_escalations_by_priority_have_hand_computed_medians_and_p90(report):
    urgent, normal, low = report.escalations
    assert (urgent.priority, urgent.cases, urgent.open_now) == ("urgent", 6, 1)
    assert urgent.to_claim == Timing(6, 6.0, 30.0), "claims 2,4,6,8,10,30: 3rd and 6th smallest"
    assert urgent.to_close == Timing(5, 60.0, 100.0), "closes 20,40,60,80,100: 3rd and 5th smallest"
    assert (normal.cases, normal.open_now, normal.to_claim, normal.to_close) == (
        3, 0, Timing(3, None, None), Timing(3, None, None)), "three cases: timings suppressed"
    assert (low.cases, low.open_now, low.to_claim) == (2, 2, Timing(0, None, None))


def test_psw_caseload_counts_claims_closes_holds_and_clipped_duty_hours(report):
    assert report.caseload == (Caseload("Jo Kestrelmoor", 5, 6, 0, 12.0), Caseload("Kim Larkspurrow", 4, 3, 1, 7.0))


def section(text: str, heading: str) -> list[str]:
    """The indented lines under ``heading`` in the report text."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        block.append(line)
    return block


def test_the_text_shows_the_figures_and_suppresses_the_small_group(db, report):
    text = report_text(report)
    assert "Thursday walk (walk, Walkers): 4 held, 22 present in all, 5.5 per session" in text
    assert "Crafts circle (crafts, Crafters): 4 held, <5 present in all, <5 per session" in text
    assert "  Thu 27 Mar 2025 10:00: 5 present, <5 said yes" in text
    crafters = section(text, "Crafters")
    assert len(crafters) == 4 and all(line.endswith("<5 people, not shown") for line in crafters)
    assert section(text, "Walkers")[1] == "  week from 10 Mar: 6 people, 7 check-ins, mean mood 3.7"
    assert "time to claim (6 cases): median 6.0 min, p90 30.0 min" in text
    assert "time to close (5 cases): median 60.0 min, p90 100.0 min" in text
    assert "Kim Larkspurrow: 4 claimed, 3 closed, 1 held now, 7.0 h on duty" in text
    assert not any(name in text for name in WALKERS + CRAFTERS if name), "no participant is named"
    assert not any(word in text for word in (*NOTES, TRIGGER, OUTCOME_NOTE))


def test_charts_draw_only_what_is_shown(db, report):
    assert set(attendance_points(report)) == {"Thursday walk"}, "the crafts circle is never drawn"
    assert [present for _, present in attendance_points(report)["Thursday walk"]] == [6, 5, 6, 5]
    assert set(mood_points(report)) == {"Walkers", NO_GROUP}, "nor the crafters' moods"
    assert len(mood_points(report)["Walkers"]) == 2
    assert timing_points(report) == {"claim median": {"urgent": 6.0}, "claim p90": {"urgent": 30.0},
                                     "close median": {"urgent": 60.0}, "close p90": {"urgent": 100.0}}
    charts = report_charts(report)
    assert set(charts) == {"attendance", "mood", "escalations"}
    assert all(png.startswith(PNG_SIGNATURE) for png in charts.values())


def test_an_empty_period_reports_without_charts(db):
    service = ReportService(db, 5)
    empty = service.build(START, END)
    assert report_charts(empty) == {}
    assert "No sessions were held." in report_text(empty)


# --- the command line ------------------------------------------------------------------------------

def run(db, *args: str):
    result = CliRunner().invoke(cli, list(args), env={"DATABASE_URL": db.url,
                                                      "PEERBOT_SERVICE__DEFAULT_TIMEZONE": "UTC"})
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def audit_rows(db, action: str) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def test_peerbot_report_writes_the_text_and_png_charts(db, month, tmp_path):
    out = tmp_path / "report"
    result = run(db, "report", "--from", "2025-03-03", "--to", "2025-03-30", "--out", str(out))
    text = (out / "report.txt").read_text()
    assert "Thursday walk (walk, Walkers): 4 held, 22 present in all, 5.5 per session" in text
    assert "Crafts circle (crafts, Crafters): 4 held, <5 present in all, <5 per session" in text
    assert text in result.output
    for name in ("attendance", "mood", "escalations"):
        assert (out / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)
        assert f"wrote {out / f'{name}.png'}" in result.output
    [entry] = audit_rows(db, "report.created")
    assert entry.detail == {"from": START.isoformat(), "to": END.isoformat()}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_peerbot_export_has_no_names_ids_or_free_text(db, month, tmp_path):
    out = tmp_path / "export"
    run(db, "export", "--from", "2025-03-03", "--to", "2025-03-30", "--out", str(out))
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["attendance.csv", "checkins.csv", "escalations.csv", "outcomes.csv"]
    forbidden = [str(i) for i in month.telegram_ids] + month.names + [n.split()[0] for n in month.names]
    forbidden += [*NOTES, TRIGGER, OUTCOME_NOTE, "0770090123"]
    for path in files:
        content = path.read_text(encoding="utf-8")
        found = [word for word in forbidden if word.lower() in content.lower()]
        assert not found, f"{path.name} contains {found}"
    [entry] = audit_rows(db, "export.created")
    assert entry.detail == {"from": START.isoformat(), "to": END.isoformat()}


def walkers_group(db) -> int:
    with db.session() as session:
        return session.execute(select(Group.id).where(Group.title == "Walkers")).scalar_one()


KEY = b"a key for this test only"


def test_the_export_rows_use_export_only_identifiers_and_the_stored_scores(db, month, tmp_path):
    ExportService(db).write(START, END, tmp_path, key=KEY)
    ids = {p.id: export_id(KEY, "person", p.id) for p in (*month.walkers, *month.crafters)}
    w = month.walkers
    checkins = read_csv(tmp_path / "checkins.csv")
    assert list(checkins[0]) == ["person", "group", "created_at_utc", "mood", "passed", "source"]
    assert len(checkins) == 6 + 7 + 3 + 16 + 6
    assert {row["person"] for row in checkins} == set(ids.values()), "the forgotten walker included"
    passes = [row for row in checkins if row["passed"] == "true"]
    assert [(row["person"], row["mood"], row["group"]) for row in passes] == [
        (ids[w[5].id], "", str(walkers_group(db)))], "a pass has no mood; the group is our own number"
    attendance = read_csv(tmp_path / "attendance.csv")
    assert len(attendance) == 6 + 6 + 6 + 5 + 16, "present and absent marks, no cancelled or earlier sessions"
    assert {row["series"] for row in attendance} == {"walk", "crafts"}
    assert {"person": ids[w[5].id], "series": "walk", "occurrence_start_utc": "2025-03-13T10:00+00:00",
            "present": "false"} in attendance
    escalations = read_csv(tmp_path / "escalations.csv")
    assert [row["minutes_to_claim"] for row in escalations[:6]] == ["2.0", "4.0", "6.0", "8.0", "10.0", "30.0"]
    assert [row["minutes_to_close"] for row in escalations[:6]] == ["20.0", "40.0", "60.0", "80.0", "100.0", ""]
    assert [row["outcome"] for row in escalations] == ["supported", "other", "supported", "supported", "supported",
                                                       "", "referred", "referred", "referred", "", ""]
    assert escalations[0]["person"] == ids[w[0].id] and escalations[0]["priority"] == "urgent"
    outcomes = read_csv(tmp_path / "outcomes.csv")
    assert [list(row) for row in outcomes][0] == ["person", "measure", "completed_at_utc", *ONS4]
    assert [(row["person"], row["measure"], {k: int(row[k]) for k in ONS4}) for row in outcomes] == [
        (ids[w[0].id], "ons4", SCORES[0]), (ids[w[1].id], "ons4", SCORES[1])]


def test_nothing_a_psw_sees_on_a_card_links_an_export_row_back_to_a_person(db, month, tmp_path):
    """Case numbers and pseudonyms are on cards; seconds match the moment a card was seen."""
    ExportService(db).write(START, END, tmp_path / "one")
    ExportService(db).write(START, END, tmp_path / "two")
    with db.session() as session:
        case_numbers = {str(i) for i in session.execute(select(Escalation.id)).scalars()}
        pseudonyms = set(session.execute(select(Person.pseudonym)).scalars())
    one, two = read_csv(tmp_path / "one" / "escalations.csv"), read_csv(tmp_path / "two" / "escalations.csv")
    assert not {row["case"] for row in one} & case_numbers
    assert not {row["person"] for row in one} & pseudonyms
    assert not {row["person"] for row in one} & {row["person"] for row in two}, "exports cannot be joined"
    for name in ("checkins.csv", "escalations.csv"):
        stamps = [row["created_at_utc"] for row in read_csv(tmp_path / "one" / name)]
        assert stamps and all(len(stamp) == len("2025-03-03T10:00+00:00") for stamp in stamps), "to the minute"


# --- /report in Telegram ----------------------------------------------------------------------------

async def test_report_in_telegram_sends_text_and_charts_to_a_coordinator_only(world):
    seed(world.db, (utcnow() - timedelta(days=28)).replace(minute=0, second=0, microsecond=0))
    priya = world.person("Priya", roles=("coordinator",))
    answer = await world.say(priya, "/report")
    assert answer["text"].startswith("Report from")
    await world.eventually(lambda: len(photos(world, priya)) == 3)
    for photo in photos(world, priya):
        assert world.sandbox.file_bytes(photo["photo"][-1]["file_id"]).startswith(PNG_SIGNATURE)
    whole = "\n".join(m.get("text") or "" for m in world.sandbox.bot_messages(priya["id"]))
    assert "Thursday walk (walk, Walkers)" in whole and "Crafts circle (crafts, Crafters): 4 held, <5" in whole
    with world.db.session() as session:
        assert session.execute(select(AuditEntry.actor_id).where(AuditEntry.action == "report.created")
                               ).scalar_one() == world.context.people.find(priya["id"]).id

    usage = await world.say(priya, "/report lots")
    assert usage["text"].startswith("Usage: /report [days]")
    sam = world.person("Sam")
    refused = await world.say(sam, "/report")
    assert refused["text"].startswith("Sorry, that's only for coordinators")
    assert not photos(world, sam)


async def test_report_in_a_group_chat_is_moved_to_a_private_chat(world):
    priya = world.person("Priya", roles=("coordinator",))
    group = world.sandbox.add_group("Staff room")
    world.sandbox.add_member(group["id"], priya["id"])
    await world.sandbox.wait_for_bot_message(group["id"], lambda m: "Welcome, Priya" in (m.get("text") or ""))
    answer = await world.say(priya, "/report", chat_id=group["id"])
    assert answer["text"] == "Let's do that in a private chat with me."


def photos(world, user: dict) -> list[dict]:
    return [m for m in world.sandbox.bot_messages(user["id"]) if m.get("photo")]


@pytest.mark.parametrize("days", [0, 3, 60])
def test_a_date_axis_spans_the_data_with_a_few_readable_day_labels_however_few_the_points(days):
    """One week of data used to spread over four years of unlabelled ticks."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = new_figure()
    axes = figure.subplots()
    times = [datetime(2025, 3, 3, 10, tzinfo=timezone.utc) + timedelta(days=days * i) for i in range(2)]
    axes.plot(times, [3, 4])
    date_axis(axes, times, "Europe/London")
    FigureCanvasAgg(figure).draw()
    low, high = (mdates.num2date(limit) for limit in axes.get_xlim())
    assert high - low <= max(timedelta(days=8), timedelta(days=days + 1))
    labels = [tick.get_text() for tick in axes.get_xticklabels() if tick.get_text()]
    assert 2 <= len(labels) <= 8 and all(re.fullmatch(r"\d\d [A-Z][a-z]{2}", label) for label in labels), labels
