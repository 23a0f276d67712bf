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


app = create_app(startup_config(_default_environment()))
