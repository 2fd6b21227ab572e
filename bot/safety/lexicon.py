"""The curated risk lexicon (config/risk_lexicon.yaml): phrases that make a message
a crisis or a concern on their own, with idioms blanked out and negation handled.

It needs no model, so it still works when the dialogue engine is slow or down.
Each message is read in several forms (``normalise.forms``) so that spacing,
leetspeak, invisible characters, stretched letters and emoji do not hide a phrase.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.safety.normalise import forms

LEVELS = ("none", "concern", "crisis")
NEGATION_WINDOW = 25  # characters before a match in which a negation softens it


@dataclass(frozen=True)
class Category:
    name: str
    level: str
    patterns: tuple[re.Pattern[str], ...]
    about_others: bool = False  # the risk is to someone else (a friend, a neighbour)


@dataclass(frozen=True)
class LexiconMatch:
    category: str
    level: str
    phrase: str
    about_others: bool = False


class RiskLexicon:
    def __init__(self, categories: list[Category], idioms: list[re.Pattern[str]], negations: list[str]) -> None:
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
                                       tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"]),
                                       bool(entry.get("about_others", False))))
        idioms = [re.compile(p, re.IGNORECASE) for p in data.get("idioms") or ()]
        return cls(categories, idioms, list(data.get("negations") or ()))

    def blank_idioms(self, text: str) -> str:
        for idiom in self.idioms:
            text = idiom.sub(lambda m: " " * len(m.group(0)), text)
        return text

    def negated(self, text: str, start: int) -> bool:
        return bool(self.negation.search(text[max(0, start - NEGATION_WINDOW):start]))

    def matches(self, text: str) -> list[LexiconMatch]:
        """Every category that matches in any form of the text, a negated crisis phrase
        counting as a concern."""
        found: dict[str, LexiconMatch] = {}
        for form in forms(text):
            clean = self.blank_idioms(form)
            for category in self.categories:
                match = self._first(category, clean)
                if match is None:
                    continue
                level = category.level
                if level == "crisis" and self.negated(clean, match.start()):
                    level = "concern"
                earlier = found.get(category.name)
                if earlier is None or LEVELS.index(level) > LEVELS.index(earlier.level):
                    found[category.name] = LexiconMatch(category.name, level, match.group(0).strip(),
                                                        category.about_others)
        return list(found.values())

    @staticmethod
    def _first(category: Category, text: str) -> re.Match[str] | None:
        for pattern in category.patterns:
            match = pattern.search(text)
            if match is not None:
                return match
        return None
