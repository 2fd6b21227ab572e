"""The optional outcome questionnaire, defined as data in config/ (items, response
scale, scoring rules, licence and source), asked with consent at joining and
again every few weeks, answered with buttons, scored and stored.

The measure file is checked at start-up, naming the field at fault. Scores are
computed by rules rather than code per measure: "item" (one item's answer) or
"sum" (several items added, optionally through a conversion table, as some
licensed measures require). A person is never told a score: the questionnaire
is for the service's evaluation, not an assessment of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml
from sqlalchemy import or_, select, update

from bot.config import ConfigError
from bot.storage.db import Database
from bot.storage.models import OutcomeResponse, Person
from bot.storage.types import utcnow

RULES = ("item", "sum")


class MeasureError(ConfigError, ValueError):
    """A measure file that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class Item:
    id: str
    text: str


@dataclass(frozen=True)
class ScoreRule:
    id: str
    rule: str
    items: tuple[str, ...]
    conversion: dict[int, float] = field(default_factory=dict)  # raw sum -> reported score

    def score(self, answers: dict[str, int]) -> float:
        raw = sum(answers[item] for item in self.items)
        return self.conversion.get(raw, raw) if self.conversion else raw


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    licence: str
    source: str
    attribution: str
    intro: str
    low: int
    high: int
    low_label: str
    high_label: str
    items: tuple[Item, ...]
    scores: tuple[ScoreRule, ...]

    def score(self, answers: dict[str, int]) -> dict[str, float]:
        return {rule.id: rule.score(answers) for rule in self.scores}

    @property
    def values(self) -> range:
        return range(self.low, self.high + 1)


def _need(data: Mapping[str, Any], key: str, where: str) -> Any:
    if data.get(key) in (None, "", []):
        raise MeasureError(f"{where}: {key} is missing")
    return data[key]


def load_measure(path: Path) -> Measure:
    """Read and check a measure file; every problem names the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MeasureError(f"{path}: cannot be read ({exc})") from exc
    where = str(path)
    scale = _need(data, "scale", where)
    low, high = _need(scale, "min", f"{where}: scale"), _need(scale, "max", f"{where}: scale")
    if not (isinstance(low, int) and isinstance(high, int) and low < high):
        raise MeasureError(f"{where}: scale: min and max must be whole numbers with min < max")
    items = tuple(Item(_need(i, "id", f"{where}: items"), _need(i, "text", f"{where}: item {i.get('id')}"))
                  for i in _need(data, "items", where))
    known = {item.id for item in items}
    if len(known) != len(items):
        raise MeasureError(f"{where}: items: two items share an id")
    rules = []
    for entry in _need(data, "scores", where):
        rule_where = f"{where}: score {entry.get('id')}"
        rule = ScoreRule(_need(entry, "id", f"{where}: scores"), _need(entry, "rule", rule_where),
                         tuple(_need(entry, "items", rule_where)),
                         {int(raw): float(value) for raw, value in (entry.get("conversion") or {}).items()})
        if rule.rule not in RULES:
            raise MeasureError(f"{rule_where}: rule must be one of {', '.join(RULES)}")
        if set(rule.items) - known:
            raise MeasureError(f"{rule_where}: items {sorted(set(rule.items) - known)} are not in the measure")
        if rule.rule == "item" and len(rule.items) != 1:
            raise MeasureError(f"{rule_where}: an 'item' rule takes exactly one item")
        rules.append(rule)
    return Measure(_need(data, "id", where), _need(data, "title", where), _need(data, "licence", where),
                   _need(data, "source", where), _need(data, "attribution", where), _need(data, "intro", where),
                   low, high, scale.get("min_label", str(low)), scale.get("max_label", str(high)), items,
                   tuple(rules))


@dataclass(frozen=True)
class NextQuestion:
    response_id: int
    number: int  # 1-based
    item: Item
    measure: Measure


class OutcomeService:
    def __init__(self, db: Database, measure_path: Optional[Path], every: timedelta) -> None:
        self.db = db
        self.measure = load_measure(measure_path) if measure_path is not None else None
        self.every = every

    @property
    def enabled(self) -> bool:
        return self.measure is not None

    def set_consent(self, person_id: int, consent: bool) -> None:
        with self.db.session() as session, session.begin():
            person = session.get(Person, person_id)
            person.outcome_consent, person.outcome_consent_at = consent, utcnow()

    def in_use(self) -> Measure:
        """The questionnaire, for the steps that only run once ``enabled`` was checked."""
        if self.measure is None:
            raise RuntimeError("no wellbeing questionnaire is configured (outcomes.measure)")
        return self.measure

    def begin(self, person_id: int) -> NextQuestion:
        """A new response (any unfinished one is abandoned), at its first question; the row
        is written first, so the person is not asked again before the next period."""
        measure = self.in_use()
        with self.db.session() as session, session.begin():
            session.execute(update(OutcomeResponse).where(OutcomeResponse.person_id == person_id,
                                                          OutcomeResponse.status == "open")
                            .values(status="abandoned").execution_options(synchronize_session=False))
            response = OutcomeResponse(person_id=person_id, measure=measure.id, answers={})
            session.add(response)
            session.flush()
            return NextQuestion(response.id, 1, measure.items[0], measure)

    def answer(self, response_id: int, person_id: int, number: int, value: int) -> Optional[NextQuestion]:
        """Record the answer to question ``number``; the next question, or None when the
        questionnaire is complete (then scored) or the button was stale."""
        measure = self.in_use()
        if value not in measure.values or not 1 <= number <= len(measure.items):
            return None
        with self.db.session() as session, session.begin():
            response = session.get(OutcomeResponse, response_id)
            if response is None or response.person_id != person_id or response.status != "open":
                return None
            answers = {**response.answers, measure.items[number - 1].id: value}
            response.answers = answers
            missing = [i for i, item in enumerate(measure.items, 1) if item.id not in answers]
            if missing:
                return NextQuestion(response.id, missing[0], measure.items[missing[0] - 1], measure)
            response.status, response.completed_at = "complete", utcnow()
            response.scores = measure.score(answers)
            return None

    def is_complete(self, response_id: int) -> bool:
        with self.db.session() as session:
            response = session.get(OutcomeResponse, response_id)
            return response is not None and response.status == "complete"

    def stop(self, response_id: int, person_id: int) -> None:
        with self.db.session() as session, session.begin():
            session.execute(update(OutcomeResponse).where(
                OutcomeResponse.id == response_id, OutcomeResponse.person_id == person_id,
                OutcomeResponse.status == "open").values(status="abandoned")
                .execution_options(synchronize_session=False))

    def due(self, now: Optional[datetime] = None) -> list[tuple[int, int]]:
        """(person id, Telegram id) of consenting people whose last questionnaire (answered
        or not) began a whole period ago, or who have none yet."""
        if not self.enabled:
            return []
        now = now or utcnow()
        with self.db.session() as session:
            people = session.execute(select(Person.id, Person.telegram_user_id).where(
                Person.outcome_consent.is_(True), Person.telegram_user_id.is_not(None),
                or_(Person.break_until.is_(None), Person.break_until <= now))).all()
            latest = dict(session.execute(
                select(OutcomeResponse.person_id, OutcomeResponse.started_at)
                .where(OutcomeResponse.person_id.in_([p for p, _ in people] or [0]))
                .order_by(OutcomeResponse.started_at)).all())
        return [(person_id, telegram_id) for person_id, telegram_id in people
                if person_id not in latest or latest[person_id] <= now - self.every]
