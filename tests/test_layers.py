"""The code keeps its shape: each room imports only the rooms below it, and no two
modules import each other (not even inside a function, the usual way to hide a cycle)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import PROJECT_ROOT

BOT = PROJECT_ROOT / "bot"
# Top to bottom; a package may import its own layer and any layer below it.
LAYERS = (
    {"cli", "runtime", "sandbox", "scheduler", "deploy"},  # entry points and wiring
    {"telegram"},  # the adapter
    {"app"},  # use cases
    {"services", "safety"},  # the domain
    {"dialogue"},  # the Rasa boundary
    {"storage", "config", "logging_setup", "i18n"},
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in BOT.rglob("*.py")}


def imports_of(path: Path) -> set[str]:
    """Every bot module ``path`` imports, anywhere in it (``from bot.x import y`` counts
    as importing ``bot.x.y`` when that is a module, else ``bot.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bot":
            found.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                         for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "bot")
    return found - {module_name(path)}


GRAPH = {name: imports_of(path) & MODULES.keys() for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    room = module.split(".")[1] if "." in module else "bot"
    return next((index for index, rooms in enumerate(LAYERS) if room in rooms), -1)


def test_every_package_of_bot_has_a_place_in_the_layers():
    assert [name for name in MODULES if name != "bot" and layer_of(name) < 0] == []


def test_no_module_imports_a_layer_above_its_own():
    upward = [f"{name} -> {target}" for name, targets in GRAPH.items() for target in targets
              if layer_of(target) < layer_of(name)]
    assert upward == []


def test_the_domain_and_the_use_cases_know_nothing_of_telegram():
    below_the_adapter = [name for name in MODULES if layer_of(name) >= LAYERS.index({"app"})]
    assert [name for name in below_the_adapter
            if re.search(r"^\s*(import|from) telegram\b", MODULES[name].read_text(encoding="utf-8"), re.M)] == []


def test_no_two_modules_import_each_other_even_indirectly():
    cycles = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycles.append(" -> ".join(path[path.index(module):] + [module]))
            return
        if module in done:
            return
        for target in sorted(GRAPH[module]):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])
    assert cycles == []
