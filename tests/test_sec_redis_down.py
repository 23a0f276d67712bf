"""Redis down in production (issue 11, hole 5): logging in stays possible, throttling goes on
in each process's memory, and the outage is logged (SECURITY.md 13)."""

import logging
import re

import pytest

from app.extensions import db, limiter
from tests.factories import PASSWORD, make_user
from tests.test_sec_27_config import dispose, free_port, make_production_app

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def production_app(backend, tmp_path):
    """Production settings whose Redis is a closed port (nothing listens there)."""
    app = make_production_app(
        backend, tmp_path, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0"
    )
    yield app
    dispose(app)
    # The limiter object outlives this app: the next app starts from a live storage.
    limiter._storage_dead = False


def login_form(client, email: str, password: str):
    """The login form as a browser posts it over HTTPS (the test client's scheme is
    production's PREFERRED_URL_SCHEME): with the CSRF token and its own page as referer."""
    token = TOKEN.search(client.get("/login").text).group(1)
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers={"Referer": "https://localhost/login"},
    )


def test_sec_13_login_works_while_redis_is_down_and_the_outage_is_logged(
    production_app, caplog
):
    with production_app.app_context():
        email = make_user("school").email
        db.session.commit()
    client = production_app.test_client()
    with caplog.at_level(logging.WARNING):
        wrong = login_form(client, email, "niet het paswoord")
        assert wrong.status_code == 200
        assert "horen niet bij een actieve login" in wrong.text
        right = login_form(client, email, PASSWORD)
    assert right.status_code == 302, right.text[:500]
    assert client.get("/start").status_code == 200
    outage = [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and "storage unreachable" in record.message
    ]
    assert outage, [record.message for record in caplog.records]


def test_sec_13_failed_logins_are_still_throttled_while_redis_is_down(production_app):
    with production_app.app_context():
        email = make_user("school").email
        db.session.commit()
    client = production_app.test_client()
    answers = []
    for _attempt in range(35):  # more than any login limit allows from one address
        answers.append(login_form(client, email, "niet het paswoord").status_code)
        if answers[-1] == 429:
            break
    assert set(answers) == {200, 429}, answers


def test_sec_21_library_warnings_reach_stderr_with_time_and_level():
    """Flask-Limiter reports a Redis outage on its own logger (with a NullHandler): the app's
    logging setup must still write it out, as it does the security lines."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import logging; from app import create_app; from config import Config; "
        "create_app(Config); "
        "logging.getLogger('flask-limiter').warning('Rate limit storage unreachable'); "
        "logging.getLogger('stagematching.access').warning('failed login')"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
    )
    assert "WARNING flask-limiter: Rate limit storage unreachable" in result.stderr
    assert "WARNING stagematching.access: failed login" in result.stderr
