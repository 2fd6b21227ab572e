"""The settings' shape: one pydantic model per section, each forbidding unknown keys
and checking its values, so a mistake is reported by key at start-up."""
from __future__ import annotations

from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import BaseModel, Extra, validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """A setting is missing, unknown or invalid; the message names the key."""


class _Section(BaseModel):
    class Config:
        extra = Extra.forbid
        validate_assignment = True


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/London")
    return value


def clock_time(value: str) -> tuple[int, int]:
    """(hour, minute) of an "HH:MM" time of day, or ValueError saying what is expected."""
    hour, _, minute = value.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ValueError(f"{value!r} is not a time like 09:00")
    return int(hour), int(minute)


def more_than_zero(cls, value: float) -> float:
    """Shared validator for durations and counts that must be positive."""
    if value <= 0:
        raise ValueError("must be more than 0")
    return value


def existing_file(cls, value: Optional[Path]) -> Optional[Path]:
    """Shared validator for content files the service reads (None: an optional file left out)."""
    if value is not None and not value.is_file():
        raise ValueError(f"file {value} does not exist")
    return value


class ServiceSettings(_Section):
    """Who runs this bot and where, used in notices and crisis replies."""

    name: str = "Peer Support Service"
    default_region: str = "uk"
    default_timezone: str = "Europe/London"

    _tz = validator("default_timezone", allow_reuse=True)(_check_timezone)


class TelegramSettings(_Section):
    """How the bot reaches Telegram (or the sandbox standing in for it)."""

    token: Optional[str] = None
    base_url: Optional[str] = None
    webhook_url: Optional[str] = None
    webhook_secret: Optional[str] = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # An update being handled is leased to its worker for this long; after a crash it
    # is handled again once the lease has run out.
    handling_lease_seconds: float = 20
    # Handling that fails this many times quarantines the update (logged, skipped).
    max_attempts: int = 3
    # Beyond this many updates a minute from one person, theirs wait behind everyone else's.
    flood_per_minute: int = 30
    # Updates handled at once by one process; each conversation's still one at a time, in order.
    workers: int = 8
    # This process's share of Telegram's limit of about 30 messages a second: with N
    # processes sending for one bot, about 29 / N each.
    messages_per_second: int = 29

    _positive = validator("handling_lease_seconds", "max_attempts", "flood_per_minute", "workers",
                          "messages_per_second", allow_reuse=True)(more_than_zero)

    @validator("base_url", "webhook_url")
    def _http_url(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @validator("webhook_secret", always=True)
    def _secret_with_webhook(cls, value: Optional[str], values: dict) -> Optional[str]:
        # Without the secret anyone who finds the URL could inject updates.
        if values.get("webhook_url") and not value:
            raise ValueError("is required when webhook_url is set (Telegram sends it with every update)")
        return value

    @validator("webhook_port")
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("must be a TCP port between 1 and 65535")
        return value

    def secret_for_webhook(self) -> str:
        """The webhook's secret token, asked for in webhook mode: the validator above makes
        it present whenever ``webhook_url`` is set (ValueError if it was ever bypassed)."""
        if not self.webhook_secret:
            raise ValueError("telegram.webhook_secret is required when webhook_url is set")
        return self.webhook_secret


class MonitoringSettings(_Section):
    """Where /healthz, /readyz and /metrics (Prometheus) are served; port 0 turns them off."""

    listen: str = "127.0.0.1"
    port: int = 9464

    @validator("port")
    def _port(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("must be a TCP port between 1 and 65535, or 0 for off")
        return value


class DatabaseSettings(_Section):
    """Where the application's tables live: a SQLite file by default, PostgreSQL to scale out."""

    url: str = "sqlite:///var/peerbot.db"

    @validator("url")
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg2://")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value


class DialogueSettings(_Section):
    """The Rasa project and model, and an optional remote Rasa server."""

    project_dir: Path = Path("rasa_project")
    model_dir: Path = Path("rasa_project/models")
    rasa_url: Optional[str] = None
    # With rasa_url: the database of the Rasa servers' SQL tracker store (default:
    # database.url), so /mydata and /forgetme reach the dialogue history.
    tracker_url: Optional[str] = None
    # A turn or a parse taking longer than this counts as a failure of the dialogue
    # engine: the safety screen goes on without it and the person is told honestly.
    timeout_seconds: float = 3
    # With several bot processes (each with the model in process): a Redis server
    # (redis://host:port/db) holding each conversation's lock, so two processes never
    # change one conversation's dialogue state at once. Unset: locks in this process.
    lock_store_url: Optional[str] = None

    _positive = validator("timeout_seconds", allow_reuse=True)(more_than_zero)

    @validator("lock_store_url")
    def _redis_url(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @property
    def nlu_dir(self) -> Path:
        """The NLU training data: one file per topic (``bot.dialogue.model.nlu_files``)."""
        return self.project_dir / "data" / "nlu"


class SafetySettings(_Section):
    """The safety screen's learned layer: what it is trained from."""

    # Crisis and everyday lines (*.yaml) the sentence classifier learns from, besides
    # the dialogue model's NLU data. Never the evaluation set.
    training_dir: Path = Path("safety_data")

    @validator("training_dir")
    def _directory(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"directory {value} does not exist")
        return value


class RoleSettings(_Section):
    """Staff roles are never self-declared: the first coordinator comes from here."""

    bootstrap_coordinators: list[int] = []
    invite_expiry_hours: int = 72

    @validator("invite_expiry_hours")
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1 hour")
        return value


class RotaShift(_Section):
    """PSWs on duty at these local times (service timezone), on these days."""

    days: list[str]
    start: str
    end: str
    psws: list[int]

    @validator("days", each_item=True)
    def _day(cls, value: str) -> str:
        if value.lower()[:3] not in WEEKDAYS:
            raise ValueError(f"unknown day {value!r}; use mon, tue, wed, thu, fri, sat or sun")
        return value.lower()[:3]

    @validator("start", "end")
    def _clock(cls, value: str) -> str:
        clock_time(value)
        return value


class EscalationSettings(_Section):
    """How risk and requests reach people, and how far up the chain they go."""

    # Re-page an unclaimed urgent case after this long, moving along the chain
    # (on-duty PSWs -> backup PSWs -> coordinators).
    repage_after_minutes: float = 10
    # How often the database is checked for cases due a re-page.
    check_interval_seconds: float = 30
    backup_psws: list[int] = []
    # A Telegram staff group that also receives every page (optional).
    staff_chat_id: Optional[int] = None
    caseload_cap: int = 5
    # An offer of a person left without any answer this long becomes a follow-up.
    unanswered_offer_minutes: float = 60
    support_hours: str = "Monday to Friday, 9am to 5pm"
    rota: list[RotaShift] = []
    # A crisis unclaimed this long logs a CRITICAL alert line every minute (for log-based alerting).
    alert_after_minutes: float = 15

    _positive = validator("repage_after_minutes", "check_interval_seconds", "caseload_cap",
                          "unanswered_offer_minutes", "alert_after_minutes", allow_reuse=True)(more_than_zero)


class SessionSettings(_Section):
    """Group sessions: the kinds a service runs, and where series are defined."""

    kinds: list[str] = ["walking", "crafts", "gardening", "perinatal support", "open group", "peer support group"]
    definitions: Optional[Path] = None
    # Reminders before each session (minutes); a series may set its own.
    reminder_offsets_minutes: list[int] = [1440, 60]
    # After downtime, reminders due less than this long ago are sent late; older ones are skipped.
    reminder_grace_minutes: float = 30
    # How often the scheduler looks for reminders that are due.
    reminder_check_seconds: float = 30
    # A check-in or check-out round left open closes itself after this long,
    # and the facilitators then get the session summary.
    round_minutes: float = 15

    _positive = validator("reminder_grace_minutes", "reminder_check_seconds", "round_minutes",
                          allow_reuse=True)(more_than_zero)


class SchedulerSettings(_Section):
    """Several bot processes may share one database; one of them leads the scheduler."""

    # How long the leader's lease lasts without renewal before another process takes over.
    lease_seconds: float = 30

    _positive = validator("lease_seconds", allow_reuse=True)(more_than_zero)


class ContentSettings(_Section):
    """Service content kept as files so coordinators can edit it without code."""

    crisis_resources: Path = Path("config/crisis_resources.yaml")
    risk_lexicon: Path = Path("config/risk_lexicon.yaml")
    role_guide: Path = Path("config/role_guide.md")
    coping_strategies: Path = Path("config/coping_strategies.yaml")
    ground_rules: Path = Path("config/ground_rules.md")

    _exists = validator("crisis_resources", "risk_lexicon", "role_guide", "coping_strategies", "ground_rules",
                        allow_reuse=True)(existing_file)


class PrivacySettings(_Section):
    """What is kept, and for how long."""

    # Raw words (check-in notes, messages kept on cases, the dialogue history)
    # older than this are deleted at start-up and then daily; counts and moods are kept.
    retention_days: int = 365
    # The local time (service timezone, HH:MM) of the daily retention run.
    retention_time: str = "03:30"
    # The key that seals safety plans in the database (a Fernet key: 32 url-safe base64 bytes,
    # e.g. from `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
    # Unset: a key file is created at plan_key_file on first start. Processes on more than one
    # machine must share one key, so set it there. Lose it and the plans cannot be read.
    plan_key: Optional[str] = None
    plan_key_file: Path = Path("var/plan.key")

    _positive = validator("retention_days", allow_reuse=True)(more_than_zero)

    @validator("plan_key")
    def _fernet_key(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            try:
                Fernet(value.encode())
            except (ValueError, TypeError):
                raise ValueError("not a Fernet key (32 url-safe base64-encoded bytes)") from None
        return value

    @validator("retention_time")
    def _clock_time(cls, value: str) -> str:
        clock_time(value)
        return value


class OutcomeSettings(_Section):
    """The optional, consented outcome questionnaire (a measure defined as data)."""

    # The measure's file (items, scale, scoring, licence); null turns the questionnaire off.
    measure: Optional[Path] = Path("config/outcomes/ons4.yaml")
    # Asked at joining, then again every this many weeks.
    every_weeks: int = 12

    _positive = validator("every_weeks", allow_reuse=True)(more_than_zero)
    _exists = validator("measure", allow_reuse=True)(existing_file)


class ReportSettings(_Section):
    """Reports and exports show totals only; small groups could identify people."""

    # Groups or cells with fewer people than this are suppressed in aggregates.
    small_cell: int = 5

    _positive = validator("small_cell", allow_reuse=True)(more_than_zero)


class ModerationSettings(_Section):
    """PSW tools in groups, and members' reports of posts."""

    # With no PSW on duty, a post flagged by this many different members is hidden at once.
    flags_to_hide: int = 3
    # /pause without a number pauses for this many hours; a PSW may choose up to max_pause_hours.
    pause_hours: int = 24
    max_pause_hours: int = 168

    _positive = validator("flags_to_hide", "pause_hours", "max_pause_hours", allow_reuse=True)(more_than_zero)


class SandboxSettings(_Section):
    """The local stand-in for Telegram that `make run` starts when no token is set."""

    host: str = "127.0.0.1"
    port: int = 8080
    demo_data: bool = True
    # The sandbox's own database, emptied at every start (its chats live in memory).
    database_url: str = "sqlite:///var/sandbox.db"

    @validator("database_url")
    def _sqlite_file(cls, value: str) -> str:
        if not value.startswith("sqlite:///") or value == "sqlite:///":
            raise ValueError("must be a sqlite:/// file URL (the sandbox empties it at every start)")
        return value


class LoggingSettings(_Section):
    level: str = "INFO"

    @validator("level")
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return upper


class Settings(_Section):
    service: ServiceSettings = ServiceSettings()
    telegram: TelegramSettings = TelegramSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    database: DatabaseSettings = DatabaseSettings()
    dialogue: DialogueSettings = DialogueSettings()
    safety: SafetySettings = SafetySettings()
    roles: RoleSettings = RoleSettings()
    escalation: EscalationSettings = EscalationSettings()
    sessions: SessionSettings = SessionSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    privacy: PrivacySettings = PrivacySettings()
    outcomes: OutcomeSettings = OutcomeSettings()
    reports: ReportSettings = ReportSettings()
    moderation: ModerationSettings = ModerationSettings()
    content: ContentSettings = ContentSettings()
    sandbox: SandboxSettings = SandboxSettings()
    logging: LoggingSettings = LoggingSettings()
