"""``peerbot eval-safety``: how the safety screen does on a set it never learned from.

The set (``evaluation/safety_eval.yaml``) is labelled ``crisis`` or
``everyday``, with a category and a writing style on each line. It is kept out
of all training and tuning (a test checks that no line of it appears in any
training file). The figures: crisis recall (a crisis line read as ``crisis``)
and false crisis (an everyday line read as ``crisis``), overall, per category
and per style, with a confusion table of label against level.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Iterable

import yaml

from bot.safety.assessment import RiskAssessment
from bot.safety.lexicon import LEVELS

LABELS = ("crisis", "everyday")


@dataclass(frozen=True)
class EvalItem:
    text: str
    label: str
    category: str
    style: str


@dataclass(frozen=True)
class Outcome:
    item: EvalItem
    risk: RiskAssessment

    @property
    def flagged(self) -> bool:
        return self.risk.is_crisis


def load_set(path: Path) -> list[EvalItem]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [EvalItem(str(m["text"]), m["label"], m["category"], m["style"]) for m in data["messages"]]
    wrong = sorted({i.label for i in items} - set(LABELS))
    if wrong:
        raise ValueError(f"{path}: labels must be crisis or everyday, not {', '.join(wrong)}")
    return items


async def run(items: Iterable[EvalItem], screen: Callable[[str], Awaitable[RiskAssessment]]) -> list[Outcome]:
    return [Outcome(item, await screen(item.text)) for item in items]


@dataclass(frozen=True)
class Rate:
    flagged: int
    total: int

    @property
    def value(self) -> float:
        return self.flagged / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.value:.3f} ({self.flagged}/{self.total})"


def rate(outcomes: list[Outcome], label: str) -> Rate:
    chosen = [o for o in outcomes if o.item.label == label]
    return Rate(sum(o.flagged for o in chosen), len(chosen))


def recall(outcomes: list[Outcome]) -> Rate:
    return rate(outcomes, "crisis")


def false_crisis(outcomes: list[Outcome]) -> Rate:
    return rate(outcomes, "everyday")


def _table(title: str, key: Callable[[Outcome], str], outcomes: list[Outcome]) -> list[str]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[key(outcome)].append(outcome)
    lines = [f"| {title} | label | read as crisis |", "|---|---|---|"]
    for name in sorted(groups, key=lambda n: (groups[n][0].item.label, n)):
        label = groups[name][0].item.label
        what = "recall" if label == "crisis" else "false crisis"
        lines.append(f"| {name} | {label} | {what} {rate(groups[name], label)} |")
    return lines


def _style_table(outcomes: list[Outcome]) -> list[str]:
    lines = ["| style | crisis recall | false crisis |", "|---|---|---|"]
    for style in sorted({o.item.style for o in outcomes}):
        chosen = [o for o in outcomes if o.item.style == style]
        lines.append(f"| {style} | {recall(chosen)} | {false_crisis(chosen)} |")
    return lines


def confusion(outcomes: list[Outcome]) -> list[str]:
    """Label against the level the screen gave, as `rasa test nlu` shows intents."""
    counts = Counter((o.item.label, o.risk.level) for o in outcomes)
    lines = ["| label \\ level | " + " | ".join(LEVELS) + " |", "|---" * (len(LEVELS) + 1) + "|"]
    lines += [f"| {label} | " + " | ".join(str(counts[(label, level)]) for level in LEVELS) + " |"
              for label in LABELS]
    return lines


def misses(outcomes: list[Outcome]) -> list[str]:
    wrong = [o for o in outcomes if o.flagged != (o.item.label == "crisis")]
    return [f"- [{o.item.label} / {o.item.category} / {o.item.style}] read as {o.risk.level}: {o.item.text}"
            for o in wrong]


def report(outcomes: list[Outcome], heading: str, how_made: str, show_misses: bool = False) -> str:
    """The whole report as Markdown: overall figures and tables; each wrong reading only on
    request, because reading them turns an evaluation set into tuning data."""
    lines = [f"# {heading}", "", how_made, "",
             f"- crisis recall: {recall(outcomes)}",
             f"- false crisis on everyday messages: {false_crisis(outcomes)}",
             "", "## Confusion (label against the screen's level)", "", *confusion(outcomes),
             "", "## By category", "", *_table("category", lambda o: o.item.category, outcomes),
             "", "## By style", "", *_style_table(outcomes),
             ""]
    if show_misses:
        lines += ["## Wrong readings", "", *misses(outcomes), ""]
    return "\n".join(lines)
