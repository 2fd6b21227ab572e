"""Configuration: mistakes stop start-up with a message naming the key."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel

from bot.cli import cli
from bot.config import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "settings.example.yaml"


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(content, encoding="utf-8")
    return path


def test_with_no_file_and_no_environment_the_built_in_defaults_apply():
    settings = load_settings(environ={})
    assert settings.database.url == "sqlite:///var/peerbot.db"
    assert settings.telegram.token is None
    assert settings.service.default_timezone == "Europe/London"


def test_a_typo_in_a_key_is_refused_naming_that_key(tmp_path):
    path = write(tmp_path, "telegram:\n  tokne: abc\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert "telegram.tokne" in str(error.value)
    assert "unknown setting" in str(error.value)
    assert str(path) in str(error.value)


def test_an_unknown_section_is_refused_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="databse: unknown setting"):
        load_settings(write(tmp_path, "databse:\n  url: sqlite://\n"), environ={})


def test_a_wrong_type_is_refused_naming_the_key_and_the_problem(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, "telegram:\n  webhook_port: lots\n"), environ={})
    assert "telegram.webhook_port: value is not a valid integer" in str(error.value)


def test_a_bad_timezone_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, "service:\n  default_timezone: Europe/Londn\n"), environ={})
    assert "service.default_timezone: unknown timezone 'Europe/Londn'" in str(error.value)


def test_a_plan_key_that_is_not_a_fernet_key_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match="privacy.plan_key: not a Fernet key"):
        load_settings(environ={"PEERBOT_PRIVACY__PLAN_KEY": "hunter2"})


def test_an_unsupported_database_url_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="database.url: must be a sqlite:// or postgresql:// URL"):
        load_settings(write(tmp_path, "database:\n  url: mysql://x/y\n"), environ={})


def test_several_problems_are_all_reported_at_once(tmp_path):
    path = write(tmp_path, "service:\n  default_timezone: Mars/Base\nlogging:\n  level: LOUD\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert "service.default_timezone" in str(error.value)
    assert "logging.level" in str(error.value)


def test_a_file_that_is_not_yaml_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path, "service: [unclosed\n"), environ={})


def test_a_file_whose_top_level_is_not_a_mapping_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_settings(write(tmp_path, "- just\n- a list\n"), environ={})


def test_peerbot_config_names_the_file_to_read(tmp_path):
    path = write(tmp_path, "service:\n  name: Riverside Peer Support\n")
    settings = load_settings(environ={"PEERBOT_CONFIG": str(path)})
    assert settings.service.name == "Riverside Peer Support"


def test_peerbot_config_pointing_nowhere_is_refused_naming_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="PEERBOT_CONFIG: no such file"):
        load_settings(environ={"PEERBOT_CONFIG": str(tmp_path / "missing.yaml")})


def test_conventional_environment_variables_override_the_file(tmp_path):
    path = write(tmp_path, "database:\n  url: sqlite:///from-file.db\n")
    settings = load_settings(
        path,
        environ={
            "DATABASE_URL": "postgresql://db.example/peerbot",
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "PEERBOT_WEBHOOK_URL": "https://bot.example/hook",
            "PEERBOT_TELEGRAM__WEBHOOK_SECRET": "s3cret",
            "RASA_URL": "http://127.0.0.1:5005",
        },
    )
    assert settings.database.url == "postgresql://db.example/peerbot"
    assert settings.telegram.token == "123:abc"
    assert settings.telegram.base_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram.webhook_url == "https://bot.example/hook"
    assert settings.dialogue.rasa_url == "http://127.0.0.1:5005"


def test_peerbot_section_key_variables_set_any_setting_with_yaml_values():
    settings = load_settings(
        environ={"PEERBOT_ROLES__BOOTSTRAP_COORDINATORS": "[42, 43]", "PEERBOT_TELEGRAM__WEBHOOK_PORT": "8080"}
    )
    assert settings.roles.bootstrap_coordinators == [42, 43]
    assert settings.telegram.webhook_port == 8080


def test_a_typo_in_an_environment_override_names_the_variable():
    with pytest.raises(ConfigError) as error:
        load_settings(environ={"PEERBOT_SERVICE__DEFAULT_REGON": "ie"})
    assert "service.default_regon: unknown setting" in str(error.value)
    assert "environment variable PEERBOT_SERVICE__DEFAULT_REGON" in str(error.value)


def test_a_webhook_without_its_secret_token_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match="telegram.webhook_secret: is required when webhook_url is set"):
        load_settings(environ={"PEERBOT_WEBHOOK_URL": "https://bot.example/hook"})


def test_a_rota_with_a_bad_day_or_time_is_refused_naming_the_shift(tmp_path):
    path = write(tmp_path, "escalation:\n  rota:\n    - {days: [mon, funday], start: '09:00', end: '25:00', psws: [1]}\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert "escalation.rota.0.days.1: unknown day 'funday'" in str(error.value)
    assert "escalation.rota.0.end: '25:00' is not a time" in str(error.value)


def test_a_bad_value_from_the_environment_names_the_variable():
    with pytest.raises(ConfigError) as error:
        load_settings(environ={"TELEGRAM_BASE_URL": "127.0.0.1:8081"})
    assert "telegram.base_url: must start with http:// or https://" in str(error.value)
    assert "TELEGRAM_BASE_URL" in str(error.value)


def _leaf_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.__fields__.items():
        outer = field.outer_type_
        if isinstance(outer, type) and not hasattr(outer, "__origin__") and issubclass(outer, BaseModel):
            keys |= _leaf_keys(field.type_, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def _yaml_keys(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        if isinstance(value, dict):
            keys |= _yaml_keys(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_the_example_file_is_valid_and_documents_every_setting():
    load_settings(EXAMPLE, environ={})
    documented = _yaml_keys(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    assert documented == _leaf_keys(Settings)


def test_peerbot_config_check_exits_with_status_2_and_names_the_key(tmp_path):
    path = write(tmp_path, "telegram:\n  tokne: abc\n")
    result = CliRunner().invoke(cli, ["config", "check"], env={"PEERBOT_CONFIG": str(path)})
    assert result.exit_code == 2
    assert "telegram.tokne: unknown setting" in result.stderr


def test_peerbot_config_check_reports_a_valid_configuration_without_secrets(tmp_path):
    path = write(tmp_path, "telegram:\n  token: '123:very-secret'\n")
    result = CliRunner().invoke(cli, ["config", "check"], env={"PEERBOT_CONFIG": str(path)})
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output
    assert "telegram token: set" in result.output
    assert "very-secret" not in result.output


def test_a_peerbot_variable_with_one_underscore_is_warned_about_naming_the_intended_one(tmp_path):
    path = write(tmp_path, "service:\n  name: Test\n")
    result = CliRunner().invoke(cli, ["config", "check"],
                                env={"PEERBOT_CONFIG": str(path), "PEERBOT_TELEGRAM_TOKEN": "123:abc"})
    assert result.exit_code == 0, result.output
    assert "PEERBOT_TELEGRAM_TOKEN is not a setting" in result.stderr
    assert "did you mean PEERBOT_TELEGRAM__TOKEN?" in result.stderr
    assert "telegram token: not set" in result.output  # and so it really was ignored
