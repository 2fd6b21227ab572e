"""The documentation someone who clones the project reads: every link in the README
and in docs/ leads to a file inside the repository (nothing points at folders only
the developers have)."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import PROJECT_ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")


def documents() -> list[Path]:
    return [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]


def test_every_relative_link_in_the_readme_and_docs_leads_to_a_file_in_the_repository():
    broken = []
    for document in documents():
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            path = (document.parent / target.split("#")[0]).resolve()
            if not path.exists() or PROJECT_ROOT.resolve() not in path.parents:
                broken.append(f"{document.name}: {target}")
    assert broken == []


def test_the_readme_points_to_the_product_overview_in_docs():
    assert "(docs/product.md)" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
