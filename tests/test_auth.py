"""Accounts by invitation: activation, resend, reset, throttling, sessions (R-AUTH)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import logic
from app.extensions import db
from app.models import AuthToken, User, utcnow
from tests.conftest import link_in
from tests.factories import PASSWORD, login, make_school, make_user

NEW_PASSWORD = "mijn nieuwe lange zin"
CSRF_TOKEN = re.compile(r'(value="|"X-CSRFToken": ")[^"]+"')


def same_page(html: str) -> str:
    """The page without its per-request CSRF tokens, for comparing answers."""
    return CSRF_TOKEN.sub("TOKEN", html)


def invite(app, email="nieuw@cvo.example"):
    with app.app_context():
        school = make_school()
        logic.invite_user(email, "school", school_id=school.id)
        db.session.commit()


def test_invited_user_activates_with_the_mailed_link_and_logs_in(app, client, outbox):
    invite(app)
    ((recipient, subject, body),) = outbox()
    assert recipient == "nieuw@cvo.example"
    assert "Activeer" in subject
    link = link_in(body)
    assert "Nieuw paswoord" in client.get(link).text
    response = client.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert (
        login(client, "nieuw@cvo.example", NEW_PASSWORD).headers["Location"] == "/start"
    )
    assert "nieuw@cvo.example" in client.get("/start").text


def test_activation_link_works_once(app, client, outbox):
    invite(app)
    link = link_in(outbox()[0][2])
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.get(link)
    assert again.status_code == 410
    assert "Deze link werkt niet meer" in again.text


def test_expired_activation_link_is_refused(app, client, outbox):
    invite(app)
    link = link_in(outbox()[0][2])
    with app.app_context():
        for token in db.session.scalars(select(AuthToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 410
    with app.app_context():
        assert db.session.scalar(select(User)).password_hash is None


def test_activation_link_expires_after_seven_days_by_default(app, outbox):
    invite(app)
    body = outbox()[0][2]
    with app.app_context():
        token = db.session.scalar(select(AuthToken))
        assert (
            timedelta(days=6, hours=23)
            < token.expires_at - utcnow()
            <= timedelta(days=7)
        )
        assert len(token.token_hash) == 64  # only the hash is stored
        assert token.token_hash not in body


@pytest.mark.parametrize(
    "password, message",
    [
        ("kort", "minstens 12"),
        ("password1234", "te algemeen"),
        ("x" * 129, "hoogstens 128"),
    ],
)
def test_weak_passwords_are_refused_next_to_the_field(
    app, client, outbox, password, message
):
    invite(app)
    link = link_in(outbox()[0][2])
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text


def test_resend_activation_from_the_login_form(app, client, outbox):
    """Manual: enter the not-yet-activated e-mail with any password, then 'resend'."""
    invite(app)
    old_link = link_in(outbox()[0][2])
    page = login(client, "nieuw@cvo.example", "willekeurig")
    assert "Activatiemail opnieuw versturen" in page.text
    client.post("/activatie-opnieuw", data={"email": "nieuw@cvo.example"})
    assert len(outbox()) == 2
    new_link = link_in(outbox()[1][2])
    assert client.get(old_link).status_code == 410  # a new token voids the older one
    assert client.get(new_link).status_code == 200


def test_login_and_resend_answer_the_same_for_unknown_addresses(app, client, outbox):
    invite(app)
    with app.app_context():
        make_user("school", email="actief@cvo.example")
        db.session.commit()
    pages = [
        same_page(login(client, email, "willekeurig").text.replace(email, "EMAIL"))
        for email in ("nieuw@cvo.example", "onbekend@cvo.example", "actief@cvo.example")
    ]
    assert pages[0] == pages[1] == pages[2]
    resends = [
        same_page(client.post("/activatie-opnieuw", data={"email": email}).text)
        for email in ("nieuw@cvo.example", "onbekend@cvo.example")
    ]
    assert resends[0] == resends[1]
    assert [mail[0] for mail in outbox()] == ["nieuw@cvo.example", "nieuw@cvo.example"]


def test_password_reset_flow(app, client, outbox):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    answer = client.post("/paswoord-vergeten", data={"email": "coord@cvo.example"})
    unknown = client.post("/paswoord-vergeten", data={"email": "niemand@cvo.example"})
    assert same_page(answer.text) == same_page(unknown.text)
    ((recipient, subject, body),) = outbox()
    link = link_in(body)
    assert "/paswoord-herstellen/" in link
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert login(client, "coord@cvo.example", NEW_PASSWORD).status_code == 302
    assert "gewijzigd" in outbox()[-1][1]  # SECURITY.md 17: the user is told
    assert client.get(link).status_code == 410


def test_reset_link_expires_after_an_hour(app, client, outbox):
    with app.app_context():
        user = make_user("school", email="coord@cvo.example")
        logic.send_reset(user)
        token = db.session.scalar(select(AuthToken))
        assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(link_in(outbox()[0][2])).status_code == 410


def test_token_can_be_consumed_only_once(ctx):
    user = make_user("school", activated=False)
    token = logic.issue_token(user, logic.ACTIVATE)
    db.session.commit()
    row = logic.valid_token(token, logic.ACTIVATE)
    assert logic.consume_token(row) is True
    assert logic.consume_token(row) is False


def test_failed_logins_are_throttled_per_account(app, client):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    for _ in range(5):
        assert login(client, "coord@cvo.example", "fout paswoord").status_code == 200
    blocked = login(client, "coord@cvo.example", PASSWORD)
    assert blocked.status_code == 429
    assert "Te veel mislukte pogingen" in blocked.text
    # Another account from the same address is not blocked by this account's limit.
    assert login(client, "ander@cvo.example", "fout").status_code == 200


def test_successful_logins_do_not_count_towards_the_limit(app, client):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    for _ in range(7):
        assert login(client, "coord@cvo.example", PASSWORD).status_code == 302
        client.post("/logout")


def test_session_is_renewed_at_login(app, client):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "coord@cvo.example")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_cookie_captured_before_logout_no_longer_works(app, client):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    login(client, "coord@cvo.example")
    with client.session_transaction() as session:
        captured = dict(session)
    client.post("/logout")
    with client.session_transaction() as session:
        session.update(captured)
    assert client.get("/start").status_code == 302


def test_deactivated_user_is_logged_out_on_the_next_request(app, client):
    with app.app_context():
        user = make_user("school", email="coord@cvo.example")
        db.session.commit()
        user_id = user.id
    login(client, "coord@cvo.example")
    assert client.get("/start").status_code == 200
    with app.app_context():
        logic.set_enabled(db.session.get(User, user_id), False)
        db.session.commit()
    assert client.get("/start").status_code == 302
    assert login(client, "coord@cvo.example").status_code == 200  # refused


def test_open_redirect_after_login_is_ignored(app, client):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": "coord@cvo.example", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/start"


def test_mail_links_use_the_configured_base_url_not_the_host_header(
    app, client, outbox
):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    client.post(
        "/paswoord-vergeten",
        data={"email": "coord@cvo.example"},
        headers={"Host": "evil.example"},
    )
    body = outbox()[0][2]
    assert "http://localhost/paswoord-herstellen/" in body
    assert "evil.example" not in body


def test_passwords_are_stored_as_argon2id(ctx):
    user = make_user("school", password="een ander lang paswoord")
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\\evil.example",
        "https://evil.example",
        "//evil.example",
        "/\r\nX: y",
    ],
)
def test_no_open_redirect_after_login_or_language_switch(app, client, target):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "coord@cvo.example", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/start"
    switched = client.post("/taal", data={"lang": "en", "next": target})
    assert switched.headers["Location"] == "/"


@pytest.mark.parametrize("app_overrides", [{"OUTBOX_SEND_ANONYMOUS_INLINE": False}])
def test_reset_mail_waits_for_the_timer_in_production(app, client, app_overrides):
    """Response time must not reveal known addresses: no SMTP work inside the request."""
    from app.models import OutboxMail

    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    client.post("/paswoord-vergeten", data={"email": "coord@cvo.example"})
    with app.app_context():
        queued = db.session.scalar(select(OutboxMail))
        assert queued.recipient == "coord@cvo.example" and queued.sent_at is None
