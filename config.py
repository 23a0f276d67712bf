"""Settings, read from environment variables with safe development defaults."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_ints(name: str, default: str) -> tuple[int, ...]:
    """A comma-separated list of whole numbers, e.g. "7,1"."""
    value = os.environ.get(name) or default
    return tuple(int(part) for part in value.split(",") if part.strip())


class Config:
    """Base configuration: development defaults, every value overridable by the environment."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me")
    # Fernet key (urlsafe base64, 32 bytes) for the national number; a fixed dev key otherwise.
    ENCRYPTION_KEY = os.environ.get(
        "ENCRYPTION_KEY", "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="
    )
    BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "dev-only-blind-index-key")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'stagematching.db'}"
    )
    # hide_parameters: SQL errors in logs never carry personal data.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    # Mail: without MAIL_SERVER, mails are printed to the console (development).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "info@stagematching.org"
    )

    # Reset and resend-activation mails go out in the request in development and tests; in
    # production the send-mail timer sends them, so timing does not reveal known addresses.
    OUTBOX_SEND_ANONYMOUS_INLINE = _env_bool("OUTBOX_SEND_ANONYMOUS_INLINE", True)
    # The admin dashboard's figures are kept this long per worker process (0: never kept).
    DASHBOARD_CACHE_SECONDS = _env_int("DASHBOARD_CACHE_SECONDS", 60)
    # A request that queued mail sends it right after its commit (development and tests);
    # production leaves every mail to the `flask send-mail` timer so that no request waits
    # for the mail server (README "Timers").
    OUTBOX_SEND_INLINE = _env_bool("OUTBOX_SEND_INLINE", True)
    ACTIVATION_TTL = timedelta(days=_env_int("ACTIVATION_TTL_DAYS", 7))
    RESET_TTL = timedelta(hours=_env_int("RESET_TTL_HOURS", 1))

    # Login throttling; storage shared by all worker processes in production (Redis).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"
    )
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get(
        "LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"
    )

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    LANGUAGES = ("nl", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_NAME = "stagematching_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_HOURS", 8))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    PREFERRED_URL_SCHEME = "http"
    HSTS = False
    PROXY_FIX = _env_bool("PROXY_FIX", False)

    # SECURITY.md 24: "required" (default), "optional" or "absent".
    NATIONAL_NUMBER_MODE = os.environ.get("NATIONAL_NUMBER_MODE", "required")
    RETENTION_YEARS = _env_int("RETENTION_YEARS", 5)

    # Student import (EXP-5): limits per file, where a checked file waits for "Importeer".
    IMPORT_MAX_BYTES = _env_int("IMPORT_MAX_BYTES", 2 * 1024 * 1024)
    IMPORT_MAX_ROWS = _env_int("IMPORT_MAX_ROWS", 2000)
    IMPORT_FOLDER = os.environ.get(
        "IMPORT_FOLDER", ""
    )  # empty: a folder in the temp directory
    IMPORT_KEEP_SECONDS = _env_int("IMPORT_KEEP_SECONDS", 3600)
    # Any request body larger than this is refused before it is read (413).
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    # `flask send-reminders`: schools are reminded this many days before their intake closes.
    REMINDER_DAYS_BEFORE_CLOSE = _env_ints("REMINDER_DAYS_BEFORE_CLOSE", "7,1")


class ProductionConfig(Config):
    """Production: secrets must come from the environment; secure cookies and HSTS."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True
    PROXY_FIX = True
    RATELIMIT_STORAGE_URI = os.environ.get(
        "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0"
    )
    OUTBOX_SEND_ANONYMOUS_INLINE = _env_bool("OUTBOX_SEND_ANONYMOUS_INLINE", False)
    OUTBOX_SEND_INLINE = _env_bool("OUTBOX_SEND_INLINE", False)
    REQUIRED_SECRETS = ("SECRET_KEY", "ENCRYPTION_KEY", "BLIND_INDEX_KEY")


class TestConfig(Config):
    """Tests: a database given by the fixture, CSRF off unless a test turns it on."""

    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    SERVER_NAME = None
    RATELIMIT_STORAGE_URI = "memory://"
    DASHBOARD_CACHE_SECONDS = 0  # a test sees its own changes at once
    MAIL_SERVER = ""
    BASE_URL = "http://localhost"


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by STAGEMATCHING_ENV (default: development)."""
    return CONFIGS[os.environ.get("STAGEMATCHING_ENV", "development")]
