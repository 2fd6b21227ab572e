"""Crisis contacts by region, from config/crisis_resources.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_REGION = "default"


@dataclass(frozen=True)
class Contact:
    name: str
    how: str
    when: str
    source: str


class CrisisDirectory:
    def __init__(self, regions: dict[str, tuple[str, tuple[Contact, ...]]]) -> None:
        if DEFAULT_REGION not in regions:
            raise ValueError("crisis resources need a 'default' region")
        self.regions = regions

    @classmethod
    def load(cls, path: Path) -> "CrisisDirectory":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        regions = {
            key: (entry["name"], tuple(Contact(**contact) for contact in entry["contacts"]))
            for key, entry in data["regions"].items()
        }
        return cls(regions)

    def choices(self) -> list[tuple[str, str]]:
        """(key, name) of every region, 'default' (anywhere else) last."""
        named = [(key, name) for key, (name, _) in self.regions.items() if key != DEFAULT_REGION]
        return [*named, (DEFAULT_REGION, self.regions[DEFAULT_REGION][0])]

    def contacts_for(self, region: str | None) -> tuple[str, tuple[Contact, ...]]:
        return self.regions.get((region or "").lower()) or self.regions[DEFAULT_REGION]

    def message_for(self, region: str | None) -> str:
        """The contacts as plain text: what to do now, and when each service is there."""
        name, contacts = self.contacts_for(region)
        lines = [f"Help you can reach now ({name}):"]
        lines += [f"• {c.name}: {c.how} ({c.when})" for c in contacts]
        return "\n".join(lines)
