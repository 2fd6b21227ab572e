"""Reading the settings: the YAML file, then the environment over it (with a warning
for a ``PEERBOT_`` variable that names no key), validated into one ``Settings``."""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml
from pydantic import ValidationError

from bot.config.sections import ConfigError, Settings

DEFAULT_CONFIG_PATH = Path("config/settings.yaml")

# Conventional environment variables that map onto settings keys.
ENV_ALIASES: dict[str, tuple[str, str]] = {
    "DATABASE_URL": ("database", "url"),
    "TELEGRAM_BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "PEERBOT_WEBHOOK_URL": ("telegram", "webhook_url"),
    "RASA_URL": ("dialogue", "rasa_url"),
}
ENV_PREFIX = "PEERBOT_"
# Read by the test suite, not the bot: no warning when they are set.
TEST_VARIABLES = ("PEERBOT_TEST_POSTGRES_URL",)
ENV_SEPARATOR = "__"


def config_path(environ: Mapping[str, str]) -> Optional[Path]:
    """The YAML file to read: ``PEERBOT_CONFIG``, else config/settings.yaml if present."""
    explicit = environ.get("PEERBOT_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"PEERBOT_CONFIG: no such file {explicit!r}")
        return path
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.is_file() else None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def _env_overrides(environ: Mapping[str, str]) -> dict[tuple[str, str], tuple[str, Any]]:
    """Settings set by environment variables, keyed by (section, key), with the variable name.

    ``PEERBOT_<SECTION>__<KEY>`` sets any key; values are parsed as YAML scalars so
    that numbers, booleans and lists work (``PEERBOT_ROLES__BOOTSTRAP_COORDINATORS=[42]``).
    """
    found: dict[tuple[str, str], tuple[str, Any]] = {}
    for name, value in environ.items():
        if name in ENV_ALIASES:
            found[ENV_ALIASES[name]] = (name, value)
        elif name.startswith(ENV_PREFIX) and ENV_SEPARATOR in name:
            section, _, key = name[len(ENV_PREFIX):].lower().partition(ENV_SEPARATOR)
            found[(section, key)] = (name, yaml.safe_load(value) if value else None)
    return found


def variable_names() -> list[str]:
    """Every environment variable the settings read: the aliases and PEERBOT_<SECTION>__<KEY>."""
    names = [*ENV_ALIASES, "PEERBOT_CONFIG", *TEST_VARIABLES]
    for section, field in Settings.__fields__.items():
        names += [f"{ENV_PREFIX}{section}{ENV_SEPARATOR}{key}".upper() for key in field.type_.__fields__]
    return names


def unread_variables(environ: Mapping[str, str]) -> list[str]:
    """Warnings for PEERBOT_* variables that no setting reads, each naming the likely
    intended variable. A misspelt section or key is refused by the settings model, but a
    name without the double underscore ("PEERBOT_TELEGRAM_TOKEN") would otherwise be
    ignored without a word, and the bot would start with the setting unchanged."""
    known = variable_names()
    warnings = []
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and ENV_SEPARATOR not in name and name not in known:
            guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {guess[0]}?" if guess else ""
            warnings.append(f"environment variable {name} is not a setting and is ignored "
                            f"(settings are PEERBOT_<SECTION>__<KEY>, with two underscores){hint}")
    return warnings


def _format_errors(exc: ValidationError, sources: Mapping[str, str]) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"] if part != "__root__")
        message = error["msg"]
        if error["type"] == "value_error.extra":
            message = "unknown setting (check the spelling against config/settings.example.yaml)"
        origin = f" (from {sources[key]})" if key in sources else ""
        lines.append(f"  {key}: {message}{origin}")
    return "invalid configuration:\n" + "\n".join(lines)


def load_settings(path: Optional[Path] = None, environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Build the settings from the YAML file and the environment, or raise ConfigError."""
    environ = os.environ if environ is None else environ
    path = path if path is not None else config_path(environ)
    data = _read_yaml(path) if path is not None else {}
    origin = str(path) if path is not None else "built-in defaults"
    sources = {f"{section}.{key}": origin for section, keys in data.items() if isinstance(keys, dict) for key in keys}
    for (section, key), (variable, value) in _env_overrides(environ).items():
        target = data.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(f"{section}: must be a mapping of settings (from {origin})")
        target[key] = value
        sources[f"{section}.{key}"] = f"environment variable {variable}"
    try:
        return Settings.parse_obj(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, sources)) from exc
