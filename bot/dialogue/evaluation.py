"""Held-out NLU evaluation: per-intent precision and recall, and the risk decision.

Used by the quality gate in tests/test_nlu_quality.py; the figures it prints
are the ones quoted in the README.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.dialogue.engine import DialogueEngine, ParseResult
from bot.dialogue.model import nlu_files


@dataclass(frozen=True)
class IntentScore:
    intent: str
    support: int
    precision: float
    recall: float


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file, or from every NLU file in a
    directory (``nlu_files``: sorted), merged as Rasa merges them."""
    from rasa.shared.nlu.training_data.loading import load_data

    first, *others = [load_data(str(file)) for file in nlu_files(path)]
    data = first.merge(*others)
    return [(message.get("text"), message.get("intent")) for message in data.intent_examples]


async def predict(engine: DialogueEngine, texts: list[str]) -> list[ParseResult]:
    return [await engine.parse(text) for text in texts]


def score(expected: list[str], predicted: list[str]) -> list[IntentScore]:
    """Precision and recall per expected intent (a fallback counts as a miss)."""
    true_positive = Counter(e for e, p in zip(expected, predicted) if e == p)
    support = Counter(expected)
    predicted_count = Counter(predicted)
    return [
        IntentScore(
            intent,
            support[intent],
            true_positive[intent] / predicted_count[intent] if predicted_count[intent] else 0.0,
            true_positive[intent] / support[intent],
        )
        for intent in sorted(support)
    ]


def format_scores(scores: list[IntentScore]) -> str:
    lines = [f"{'intent':<20} {'n':>4} {'precision':>9} {'recall':>7}"]
    lines += [f"{s.intent:<20} {s.support:>4} {s.precision:>9.2f} {s.recall:>7.2f}" for s in scores]
    return "\n".join(lines)
