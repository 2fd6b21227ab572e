"""Settings: one validated object built from a YAML file and the environment.

Configuration mistakes must stop the bot at start-up with a message that names
the key, never surface later as a confusing runtime error while someone is
waiting for help. So every model forbids unknown keys, and every failure is
turned into a ``ConfigError`` listing ``section.key: problem`` lines.

The section models are in ``sections``; reading the file and the environment is in
``loading``. The rest of the code imports what it needs from here.
"""
from bot.config.loading import config_path, load_settings, unread_variables
from bot.config.sections import ConfigError, EscalationSettings, Settings, clock_time

__all__ = ["ConfigError", "EscalationSettings", "Settings", "clock_time", "config_path", "load_settings",
           "unread_variables"]
