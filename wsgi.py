"""WSGI entry point: `gunicorn wsgi:app` (production) and `flask --app wsgi` (development).

It never runs silently with the public development keys (SECURITY.md 27). STAGEMATCHING_ENV
names the settings: `production` refuses development or malformed secrets, `development`
must be asked for. Unset, only the `flask` command (make run, flask db upgrade) falls back to
development, and says so; anything else, gunicorn first, refuses to start. A refusal is a
message on stderr and exit status 4, which gunicorn reads as "App failed to load" and stops on.
"""

import os
import sys

from app import create_app
from config import startup_config


def _default_environment() -> str | None:
    """Development for the `flask` command, which sets FLASK_RUN_FROM_CLI before it imports
    the app (flask.cli.FlaskGroup); none for gunicorn and any other server."""
    if (
        os.environ.get("STAGEMATCHING_ENV")
        or os.environ.get("FLASK_RUN_FROM_CLI") != "true"
    ):
        return None
    print(
        "STAGEMATCHING_ENV is not set: the flask command uses the development settings "
        "(public keys).",
        file=sys.stderr,
    )
    return "development"


def _refuse_the_test_settings(config) -> None:
    """The test settings switch CSRF off and use cheap password hashes: never served."""
    if config.ENV_NAME == "testing":
        print(
            "Stagematching will not start:\nSTAGEMATCHING_ENV=testing is for the test suite "
            "only; use production (or development on your own machine).",
            file=sys.stderr,
        )
        raise SystemExit(4)
    if (
        config.ENV_NAME == "development"
        and os.environ.get("FLASK_RUN_FROM_CLI") != "true"
    ):
        print(
            "Warning: Stagematching runs with the development settings and their public keys; "
            "never expose it.",
            file=sys.stderr,
        )


_config = startup_config(_default_environment())
_refuse_the_test_settings(_config)
app = create_app(_config)
