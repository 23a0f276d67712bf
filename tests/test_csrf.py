"""CSRF protection on every state change, htmx header included (SECURITY 6-7)."""

import re

import pytest

from app.extensions import db
from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


def header_token(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_login_without_token_is_refused(app, client):
    with app.app_context():
        make_user("admin", email="admin@vivo.example")
        db.session.commit()
    response = client.post(
        "/login", data={"email": "admin@vivo.example", "password": PASSWORD}
    )
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session


def logged_in(app, client):
    with app.app_context():
        make_user("admin", email="admin@vivo.example")
        db.session.commit()
    token = form_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": "admin@vivo.example", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_post_without_token_is_refused_after_login(app, client):
    logged_in(app, client)
    response = client.post(
        "/admin/logins", data={"email": "x@y.example", "role": "admin"}
    )
    assert response.status_code == 400
    assert "x@y.example" not in client.get("/admin/logins").text


def test_htmx_post_with_only_the_header_token_succeeds(app, client):
    logged_in(app, client)
    token = header_token(client.get("/admin/logins").text)
    response = client.post(
        "/admin/logins",
        data={"email": "nieuw@cvo.example", "role": "admin"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302
    assert "nieuw@cvo.example" in client.get("/admin/logins").text


def test_htmx_csrf_failure_asks_for_a_refresh(app, client):
    logged_in(app, client)
    response = client.post(
        "/admin/logins", data={"email": "x@y.example"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"
