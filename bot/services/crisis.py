"""Crisis contacts by region, from config/crisis_resources.yaml, in the person's language
where the file has that region in it (an ``es:`` block with its own name and contacts),
else as written in English."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from bot.i18n import ENGLISH, LANGUAGES, N_, say

DEFAULT_REGION = "default"
HEADER = N_("Help you can reach now ({place}):")


@dataclass(frozen=True)
class Contact:
    name: str
    how: str
    when: str
    source: str


Listing = tuple[str, tuple[Contact, ...]]  # a region's name and contacts, in one language


class CrisisDirectory:
    def __init__(self, regions: dict[str, dict[str, Listing]]) -> None:
        """``regions``: region key -> language -> listing; English for every region."""
        if DEFAULT_REGION not in regions:
            raise ValueError("crisis resources need a 'default' region")
        self.regions = regions

    @classmethod
    def load(cls, path: Path) -> "CrisisDirectory":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        regions: dict[str, dict[str, Listing]] = {}
        for key, entry in data["regions"].items():
            english = (entry["name"], tuple(Contact(**contact) for contact in entry["contacts"]))
            regions[key] = {ENGLISH: english}
            for language in LANGUAGES.keys() - {ENGLISH}:
                if language in entry:  # its own name, and its own contacts (else the English ones)
                    version = entry[language]
                    contacts = tuple(Contact(**c) for c in version["contacts"]) if "contacts" in version \
                        else english[1]
                    regions[key][language] = (version["name"], contacts)
        return cls(regions)

    def choices(self, language: Optional[str] = None) -> list[tuple[str, str]]:
        """(key, name) of every region, 'default' (anywhere else) last, named in ``language``."""
        name = {key: self.contacts_for(key, language)[0] for key in self.regions}
        return [*((key, name[key]) for key in self.regions if key != DEFAULT_REGION), (DEFAULT_REGION, name[DEFAULT_REGION])]

    def names(self, key: str) -> set[str]:
        """Every name the region goes by, in each language (what a typed /region may say)."""
        return {listing[0] for listing in self.regions[key].values()}

    def contacts_for(self, region: Optional[str], language: Optional[str] = None) -> Listing:
        versions = self.regions.get((region or "").lower()) or self.regions[DEFAULT_REGION]
        return versions.get(language or ENGLISH) or versions[ENGLISH]

    def message_for(self, region: Optional[str], language: Optional[str] = None) -> str:
        """The contacts as plain text: what to do now, and when each service is there."""
        name, contacts = self.contacts_for(region, language)
        lines = [say(language, HEADER, place=name)]
        lines += [f"• {c.name}: {c.how} ({c.when})" for c in contacts]
        return "\n".join(lines)
