"""The risk decision: ``none``, ``concern`` or ``crisis``, with the reasons.

The running bot and ``peerbot classify`` both use ``assess``, so what the
command line reports is exactly what the bot would do. Today the decision comes
from the dialogue model's ``crisis`` intent and its confidence, read from the
full intent ranking so that a crisis guess below the fallback threshold still
counts.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue.engine import ParseResult

CRISIS_INTENT = "crisis"
# Confidence of the crisis intent at which a message is treated as a crisis,
# and the lower level at which it is a concern a human should look at. Set
# from the held-out evaluation (tests/test_nlu_quality.py): recall first.
CRISIS_THRESHOLD = 0.5
CONCERN_THRESHOLD = 0.25

LEVELS = ("none", "concern", "crisis")


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    reasons: tuple[str, ...] = ()


def assess(parse: ParseResult) -> RiskAssessment:
    confidence = parse.confidence_of(CRISIS_INTENT)
    if confidence >= CRISIS_THRESHOLD:
        return RiskAssessment("crisis", (f"model: crisis intent {confidence:.2f}",))
    if confidence >= CONCERN_THRESHOLD:
        return RiskAssessment("concern", (f"model: possible crisis intent {confidence:.2f}",))
    return RiskAssessment("none")
