"""SECURITY.md 21 (issue 11, hole 6): every security log line says who, from where and on
which route, and the national number never appears in the log."""

import logging
import re
from datetime import date

import pytest

from app.extensions import db
from tests.factories import make_school, make_student, make_user, valid_national_number

CLIENT = "203.0.113.77"  # the address nginx passes on in X-Forwarded-For
NUMBER = valid_national_number(date(2001, 4, 12), 123)
# The digits in any grouping: 01.04.12-123.45, 010412 123 45, ...
NUMBER_PATTERN = re.compile(r"\D?".join(NUMBER))


@pytest.fixture
def app_overrides() -> dict:
    return {"PROXY_FIX": True, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def proxied(app):
    """A client behind the reverse proxy."""
    client = app.test_client()
    client.environ_base.update(
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": CLIENT}
    )
    return client


def csrf_token(client, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).text)[1]


def log_in(client, email: str) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": "een lang genoeg paswoord",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302


def security_lines(caplog, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]


def two_schools(app) -> dict:
    with app.app_context():
        own, other = make_school(), make_school()
        user = make_user("school", own, email="coord@cvo.example")
        student = make_student(other, national_number=NUMBER)
        db.session.commit()
        return {"user": user.id, "student": student.id}


def test_sec_21_a_failed_login_names_the_account_by_id_or_hash_the_address_and_route(
    app, proxied, caplog
):
    ids = two_schools(app)
    caplog.set_level(logging.INFO)
    token = csrf_token(proxied, "/login")
    for email in ("coord@cvo.example", NUMBER, f"{NUMBER}@cvo.example"):
        proxied.post(
            "/login", data={"email": email, "password": NUMBER, "csrf_token": token}
        )
    known, *unknown = security_lines(caplog, "failed login")
    assert re.fullmatch(
        rf"failed login: user={ids['user']} account=[0-9a-f]{{16}} from={CLIENT} "
        r"route=POST /login",
        known,
    )
    for line in unknown:
        assert re.fullmatch(
            rf"failed login: user=anonymous account=[0-9a-f]{{16}} from={CLIENT} "
            r"route=POST /login",
            line,
        )
    assert "coord@cvo.example" not in caplog.text
    assert not NUMBER_PATTERN.search(caplog.text)


def test_sec_21_another_tenants_id_is_logged_with_user_address_and_route(
    app, proxied, caplog
):
    ids = two_schools(app)
    log_in(proxied, "coord@cvo.example")
    caplog.set_level(logging.INFO)
    assert proxied.get(f"/studenten/{ids['student']}").status_code == 404
    (line,) = security_lines(caplog, "not found or other tenant")
    assert line == (
        f"not found or other tenant: Student {ids['student']} user={ids['user']} "
        f"from={CLIENT} route=GET /studenten/<int:student_id>"
    )
    assert not NUMBER_PATTERN.search(caplog.text)


def test_sec_21_a_csrf_failure_is_logged_without_the_posted_values(
    app, proxied, caplog
):
    ids = two_schools(app)
    log_in(proxied, "coord@cvo.example")
    caplog.set_level(logging.INFO)
    response = proxied.post(
        "/studenten/nieuw",
        data={"national_number": NUMBER, "first_name": "Sara", "last_name": "Peeters"},
    )
    assert response.status_code == 400
    (line,) = security_lines(caplog, "csrf failure")
    assert line == (
        f"csrf failure: The CSRF token is missing. user={ids['user']} from={CLIENT} "
        "route=POST /studenten/nieuw"
    )
    assert not NUMBER_PATTERN.search(caplog.text)
    assert "Peeters" not in caplog.text


def test_sec_21_a_refused_role_is_logged_with_user_address_and_route(
    app, proxied, caplog
):
    ids = two_schools(app)
    log_in(proxied, "coord@cvo.example")
    caplog.set_level(logging.INFO)
    assert proxied.get("/admin/logins").status_code == 403
    (line,) = security_lines(caplog, "access refused")
    assert line == (
        f"access refused: 403 user={ids['user']} from={CLIENT} route=GET /admin/logins"
    )


def test_sec_21_a_throttled_login_and_an_expired_session_are_logged(
    app, proxied, caplog
):
    ids = two_schools(app)
    caplog.set_level(logging.INFO)
    token = csrf_token(proxied, "/login")
    for _ in range(6):
        proxied.post(
            "/login",
            data={"email": "coord@cvo.example", "password": "x", "csrf_token": token},
        )
    (line,) = security_lines(caplog, "throttled")
    assert re.fullmatch(
        rf"throttled: 5 per 15 minute user=anonymous account=[0-9a-f]{{16}} "
        rf"from={CLIENT} route=POST /login",
        line,
    )
    # A client from elsewhere logs in and outlives its 12 hours.
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    log_in(client, "coord@cvo.example")
    with client.session_transaction() as session:
        session["login_at"] -= 13 * 3600
    client.get("/start")
    (line,) = security_lines(caplog, "session ended")
    assert line == (
        f"session ended after its absolute lifetime: user={ids['user']} "
        "from=198.51.100.1 route=GET /start"
    )
