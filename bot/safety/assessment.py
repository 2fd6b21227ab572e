"""What a layer of the safety screen (or the whole screen) concludes about a message:
a level from ``lexicon.LEVELS`` with the reasons, readable by the evaluation without
importing the screen itself."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    reasons: tuple[str, ...] = ()
    # The words are about someone else at risk (a friend, a neighbour), not the writer.
    about_others: bool = False

    @property
    def is_crisis(self) -> bool:
        return self.level == "crisis"
