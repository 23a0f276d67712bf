"""SECURITY.md 9 (issue 11, hole 10): a session ends 12 hours after its login, however active;
the user reads why and logs in again."""

import time
from datetime import timedelta

import pytest

from app.extensions import db
from tests.factories import login, make_user

HOUR = 3600


def logged_in(app, client) -> None:
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    assert login(client, "coord@cvo.example").status_code == 302


def age_session(client, seconds: int) -> None:
    """Move the session's login moment `seconds` into the past."""
    with client.session_transaction() as session:
        session["login_at"] -= seconds


def test_sec_9_a_session_is_refused_12_hours_after_login_even_while_active(app, client):
    logged_in(app, client)
    age_session(client, 11 * HOUR + 59 * 60)
    assert client.get("/start").status_code == 200  # active all day: still in
    age_session(client, 2 * 60)
    response = client.get("/start")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"])
    assert "Je sessie is verlopen: na 12 uur moet je opnieuw inloggen." in page.text
    assert client.get("/start").status_code == 302  # the old session is gone for good
    assert login(client, "coord@cvo.example").status_code == 302
    assert client.get("/start").status_code == 200  # a new login starts a new 12 hours


def test_sec_9_an_expired_htmx_request_is_sent_to_the_login_page(app, client):
    logged_in(app, client)
    age_session(client, 13 * HOUR)
    response = client.get("/start", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_sec_9_a_session_without_a_login_moment_counts_as_expired(app, client):
    """Sessions made before the rule existed cannot slide on for ever either."""
    logged_in(app, client)
    with client.session_transaction() as session:
        del session["login_at"]
    assert client.get("/start").status_code == 302


def test_sec_9_a_login_moment_in_the_future_is_not_trusted(app, client):
    logged_in(app, client)
    age_session(client, -HOUR)
    assert client.get("/start").status_code == 302


@pytest.mark.parametrize(
    "app_overrides", [{"SESSION_ABSOLUTE_LIFETIME": timedelta(hours=2)}]
)
def test_sec_9_the_absolute_lifetime_is_configurable(app, client, app_overrides):
    logged_in(app, client)
    age_session(client, 2 * HOUR - 60)
    assert client.get("/start").status_code == 200
    age_session(client, 120)
    assert client.get("/start").status_code == 302
    assert "na 2 uur" in client.get("/login").text


def test_sec_9_the_login_moment_is_set_at_login(app, client):
    before = int(time.time())
    logged_in(app, client)
    with client.session_transaction() as session:
        assert before <= session["login_at"] <= int(time.time())


def test_sec_9_the_language_choice_survives_the_expiry(app, client):
    logged_in(app, client)
    client.post("/taal", data={"lang": "en", "next": "/start"})
    age_session(client, 13 * HOUR)
    client.get("/start")
    with client.session_transaction() as session:
        assert session.get("lang") == "en"
        assert "_user_id" not in session
