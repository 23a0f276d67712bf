"""Settings, read from environment variables with safe development defaults.

Production refuses the development defaults of the secrets and malformed keys (SECURITY.md
27): configuration_problems() says what is wrong; create_app() raises ConfigError with it, and
startup_config(), which wsgi.py calls, prints it and exits.
"""

import base64
import os
import sys
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

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


class ConfigError(RuntimeError):
    """The settings are unusable; the message says which and how to fix them."""


# Public (they are in this file): fine for development and tests, refused by production.
DEVELOPMENT_SECRETS = {
    "SECRET_KEY": "dev-only-secret-key-change-me",
    # Fernet key (urlsafe base64 of 32 bytes) for the national number.
    "ENCRYPTION_KEY": "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=",
    "BLIND_INDEX_KEY": "dev-only-blind-index-key",
}
# SECURITY.md 24: what VIVO's data-protection officer decided about the national number.
NATIONAL_NUMBER_MODES = ("required", "optional", "absent")


class Config:
    """Base configuration: development defaults, every value overridable by the environment."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRETS["SECRET_KEY"])
    ENCRYPTION_KEY = os.environ.get(
        "ENCRYPTION_KEY", DEVELOPMENT_SECRETS["ENCRYPTION_KEY"]
    )
    BLIND_INDEX_KEY = os.environ.get(
        "BLIND_INDEX_KEY", DEVELOPMENT_SECRETS["BLIND_INDEX_KEY"]
    )
    # Production sets this: the secrets must be real keys (configuration_problems()).
    STRONG_SECRETS_REQUIRED = False
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
    # A stranger's request for a reset or activation link mails nothing once the login had
    # this many such links in the last hour, the newest under half an hour old.
    MAIL_LINKS_PER_HOUR = _env_int("MAIL_LINKS_PER_HOUR", 3)

    # Login throttling; storage shared by all worker processes in production (Redis).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Storage down (Redis stopped): every limit goes on in this process's memory, with its
    # own rate, instead of every login answering 500; Flask-Limiter logs the switch as a
    # warning and goes back to the storage once it answers again. No RATELIMIT_IN_MEMORY_
    # FALLBACK: those limits would replace the login limits and apply to every page.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Failed logins (README "Login throttling and passwords"): per typed address and client
    # address, per typed address from anywhere, per client address.
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "5 per 15 minutes"
    )
    LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE", "50 per hour"
    )
    LOGIN_DEVICE_DAYS = _env_int("LOGIN_DEVICE_DAYS", 90)
    # Reset and resend-activation forms, per typed address.
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
    # However active, a session ends this long after its login.
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    PREFERRED_URL_SCHEME = "http"
    HSTS = False
    PROXY_FIX = _env_bool("PROXY_FIX", False)

    # SECURITY.md 24: "required" (default), "optional" or "absent" (NATIONAL_NUMBER_MODES);
    # "absent" also hides the numbers stored before (app/crypto.py).
    NATIONAL_NUMBER_MODE = (
        os.environ.get("NATIONAL_NUMBER_MODE", "required").strip().lower()
    )
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
    # Redis answers in well under a millisecond: a Redis that does not answer within a
    # second is down, and the in-memory fallback takes over instead of the request waiting.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    OUTBOX_SEND_ANONYMOUS_INLINE = _env_bool("OUTBOX_SEND_ANONYMOUS_INLINE", False)
    OUTBOX_SEND_INLINE = _env_bool("OUTBOX_SEND_INLINE", False)
    STRONG_SECRETS_REQUIRED = True


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


def config_from_env(default: str | None = "development") -> type[Config]:
    """The configuration class named by STAGEMATCHING_ENV, or by `default` when it is unset
    (None: unset is refused)."""
    name = os.environ.get("STAGEMATCHING_ENV", "").strip() or default
    if name is None:
        raise ConfigError(
            "STAGEMATCHING_ENV is not set. Set STAGEMATCHING_ENV=production with "
            "SECRET_KEY, ENCRYPTION_KEY and BLIND_INDEX_KEY (README, Deploying on a VPS), "
            "or STAGEMATCHING_ENV=development to run with the public development keys."
        )
    if name not in CONFIGS:
        raise ConfigError(
            f"STAGEMATCHING_ENV={name!r} is unknown: use one of {', '.join(CONFIGS)}."
        )
    return CONFIGS[name]


# --- Checks at start-up -------------------------------------------------------------------

MIN_SECRET_CHARS = 32
# A generated key of 32 characters or more uses many different characters (32 random hex
# digits: 8 or more in all but a few keys in 100 million); a typed one ("changeme" * 4) few.
MIN_DISTINCT_CHARS = 8
GENERATE_SECRET = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
GENERATE_FERNET = (
    "python3 -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)
APP_LOAD_ERROR = 4  # the exit status gunicorn reads as "App failed to load" (it stops)


def startup_config(default: str | None) -> type[Config]:
    """The configuration class the environment names (`default` when STAGEMATCHING_ENV is
    unset), checked. On a problem: the problems on stderr, no traceback, exit status 4."""
    try:
        config = config_from_env(default)
        settings = {
            name: getattr(config, name) for name in dir(config) if name.isupper()
        }
        problems = configuration_problems(settings)
        if problems:
            raise ConfigError("\n".join(problems))
    except ConfigError as error:
        print(f"Stagematching will not start:\n{error}", file=sys.stderr)
        raise SystemExit(APP_LOAD_ERROR) from None
    return config


def configuration_problems(config) -> list[str]:
    """What is wrong with these settings (a mapping such as app.config); empty when fine.

    Messages name the setting and never show its value."""
    problems = []
    mode = config.get("NATIONAL_NUMBER_MODE")
    if mode not in NATIONAL_NUMBER_MODES:
        problems.append(
            f"NATIONAL_NUMBER_MODE={mode!r} is unknown: use one of "
            f"{', '.join(NATIONAL_NUMBER_MODES)}."
        )
    if config.get("STRONG_SECRETS_REQUIRED"):
        problems += secret_problems(config)
    return problems


def secret_problems(config) -> list[str]:
    """Production's secrets: set, not the public development values, of the right size."""
    problems = []
    for name in ("SECRET_KEY", "BLIND_INDEX_KEY"):
        value = config.get(name) or ""
        if value == DEVELOPMENT_SECRETS[name]:
            problems.append(
                f"{name} is the public development value: generate one with {GENERATE_SECRET}"
            )
        elif len(value) < MIN_SECRET_CHARS:
            problems.append(
                f"{name} has {len(value)} characters, at least {MIN_SECRET_CHARS} are "
                f"needed: generate one with {GENERATE_SECRET}"
            )
        elif len(set(value)) < MIN_DISTINCT_CHARS:
            problems.append(
                f"{name} does not look random (too few different characters): "
                f"generate one with {GENERATE_SECRET}"
            )
    if config.get("SECRET_KEY") and config.get("SECRET_KEY") == config.get(
        "BLIND_INDEX_KEY"
    ):
        problems.append("SECRET_KEY and BLIND_INDEX_KEY must be two different keys.")
    problems += _encryption_key_problems(config.get("ENCRYPTION_KEY") or "")
    return problems


def _encryption_key_problems(value: str) -> list[str]:
    if value == DEVELOPMENT_SECRETS["ENCRYPTION_KEY"]:
        return [
            f"ENCRYPTION_KEY is the public development value: generate one with {GENERATE_FERNET}"
        ]
    try:
        Fernet(value)  # what app/crypto.py will do with it
    except ValueError:  # also binascii.Error and UnicodeEncodeError
        return [
            "ENCRYPTION_KEY is not a Fernet key (32 bytes in urlsafe base64, 44 characters): "
            f"generate one with {GENERATE_FERNET}"
        ]
    key = base64.urlsafe_b64decode(value)
    if len(set(key)) < 16 or all(32 <= byte < 127 for byte in key):
        # Random bytes are almost never all printable: this key was typed, not generated.
        return [
            f"ENCRYPTION_KEY does not look random: generate one with {GENERATE_FERNET}"
        ]
    return []
