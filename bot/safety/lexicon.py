"""The curated risk lexicon (config/risk_lexicon.yaml): phrases that make a message
a crisis or a concern on their own, with idioms blanked out and negation handled."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

LEVELS = ("none", "concern", "crisis")
NEGATION_WINDOW = 25  # characters before a match in which a negation softens it


@dataclass(frozen=True)
class Category:
    name: str
    level: str
    patterns: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class LexiconMatch:
    category: str
    level: str
    phrase: str


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: the form the patterns expect."""
    return " ".join(text.lower().replace("\u2019", "'").replace("\u2018", "'").split())


class RiskLexicon:
    def __init__(self, categories: list[Category], idioms: list[re.Pattern], negations: list[str]) -> None:
        self.categories = categories
        self.idioms = idioms
        words = "|".join(re.escape(n) for n in negations)
        self.negation = re.compile(rf"(?<![a-z'])({words})(?![a-z])")

    @classmethod
    def load(cls, path: Path) -> "RiskLexicon":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        categories = []
        for name, entry in data["categories"].items():
            if entry["level"] not in LEVELS[1:]:
                raise ValueError(f"{path}: category {name}: level must be concern or crisis")
            categories.append(Category(name, entry["level"],
                                       tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"])))
        idioms = [re.compile(p, re.IGNORECASE) for p in data.get("idioms") or ()]
        return cls(categories, idioms, list(data.get("negations") or ()))

    def blank_idioms(self, text: str) -> str:
        for idiom in self.idioms:
            text = idiom.sub(lambda m: " " * len(m.group(0)), text)
        return text

    def negated(self, text: str, start: int) -> bool:
        return bool(self.negation.search(text[max(0, start - NEGATION_WINDOW):start]))

    def matches(self, text: str) -> list[LexiconMatch]:
        """Every category that matches, a negated crisis phrase counting as a concern."""
        clean = self.blank_idioms(normalise(text))
        found = []
        for category in self.categories:
            for pattern in category.patterns:
                match = pattern.search(clean)
                if match is None:
                    continue
                level = category.level
                if level == "crisis" and self.negated(clean, match.start()):
                    level = "concern"
                found.append(LexiconMatch(category.name, level, match.group(0).strip()))
                break
        return found
