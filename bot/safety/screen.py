"""The risk decision: ``none``, ``concern`` or ``crisis``, with the reasons.

Two layers: the dialogue model's ``crisis`` intent and its confidence (read
from the full ranking, so a guess below the fallback threshold still counts),
and the curated lexicon (config/risk_lexicon.yaml). The lexicon may raise the
model's decision but never lower it. The running bot and ``peerbot classify``
use the same ``SafetyScreen``, so the command line shows what the bot does.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue.engine import ParseResult
from bot.safety.lexicon import LEVELS, RiskLexicon

CRISIS_INTENT = "crisis"
# Confidence of the crisis intent at which a message is treated as a crisis,
# and the lower level at which it is a concern a human should look at. Set
# from the held-out evaluation (tests/test_nlu_quality.py): recall first.
CRISIS_THRESHOLD = 0.5
CONCERN_THRESHOLD = 0.25


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    reasons: tuple[str, ...] = ()

    @property
    def is_crisis(self) -> bool:
        return self.level == "crisis"


def assess(parse: ParseResult) -> RiskAssessment:
    """The dialogue model's view alone."""
    confidence = parse.confidence_of(CRISIS_INTENT)
    if confidence >= CRISIS_THRESHOLD:
        return RiskAssessment("crisis", (f"model: crisis intent {confidence:.2f}",))
    if confidence >= CONCERN_THRESHOLD:
        return RiskAssessment("concern", (f"model: possible crisis intent {confidence:.2f}",))
    return RiskAssessment("none")


class SafetyScreen:
    def __init__(self, lexicon: RiskLexicon) -> None:
        self.lexicon = lexicon

    def assess(self, text: str, parse: ParseResult) -> RiskAssessment:
        model = assess(parse)
        matches = self.lexicon.matches(text)
        level = max([model.level, *(m.level for m in matches)], key=LEVELS.index)
        reasons = model.reasons + tuple(f"lexicon: {m.category.replace('_', ' ')} ({m.phrase!r})" for m in matches)
        return RiskAssessment(level, reasons)
