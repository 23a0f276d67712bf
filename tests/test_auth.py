"""Accounts by invitation: activation, resend, reset, throttling, sessions (R-AUTH)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

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
def test_sec_12_weak_passwords_are_refused_next_to_the_field(
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
    # Anyone can ask for a new mail: the older link keeps working (SECURITY.md 26) ...
    assert client.get(old_link).status_code == 200
    assert client.get(new_link).status_code == 200
    # ... until one of them is used: then both are spent.
    chosen = client.post(
        new_link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert chosen.status_code == 302
    assert client.get(old_link).status_code == 410
    assert client.get(new_link).status_code == 410


def test_sec_14_login_and_resend_answer_the_same_for_unknown_addresses(
    app, client, outbox
):
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


def test_sec_15_a_token_can_be_consumed_only_once(ctx):
    user = make_user("school", activated=False)
    token = logic.issue_token(user, logic.ACTIVATE)
    db.session.commit()
    row = logic.valid_token(token, logic.ACTIVATE)
    assert logic.consume_token(row) is True
    assert logic.consume_token(row) is False


def test_sec_13_failed_logins_are_throttled_per_account(app, client):
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


def test_sec_11_the_session_is_renewed_at_login_a_planted_value_is_gone(app, client):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "coord@cvo.example")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sec_10_a_cookie_captured_before_logout_no_longer_works(app, client):
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


def test_sec_05_a_deactivated_user_is_logged_out_on_the_next_request(app, client):
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


def test_sec_16_mail_links_use_the_configured_base_url_not_the_host_header(
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


def test_sec_12_passwords_are_stored_as_argon2id(ctx):
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
def test_sec_14_reset_and_resend_only_note_the_request_the_timer_sends_the_mail(
    app, client, app_overrides, outbox
):
    """Response time must not reveal known addresses: the request notes the address, known
    or not; the `send-mail` timer decides, queues and sends, and forgets the address."""
    from app.models import MailRequest, OutboxMail

    with app.app_context():
        make_user("school", email="coord@cvo.example")
        invited = make_user(
            "service", email="nieuw@dienst.example", password=None, activated=False
        )
        db.session.commit()
    for address in ("coord@cvo.example", "onbekend@cvo.example"):
        client.post("/paswoord-vergeten", data={"email": address})
    for address in ("nieuw@dienst.example", "onbekend@dienst.example"):
        client.post("/activatie-opnieuw", data={"email": address})
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMail.id))) == 0
        noted = db.session.execute(select(MailRequest.purpose, MailRequest.address))
        assert sorted(noted) == [
            ("activate", "nieuw@dienst.example"),
            ("activate", "onbekend@dienst.example"),
            ("reset", "coord@cvo.example"),
            ("reset", "onbekend@cvo.example"),
        ]
    with app.app_context():  # as `flask send-mail` runs it
        result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0 and "sent 2, failed 0" in result.output
    sent = {(to, subject) for to, subject, _ in outbox()}
    assert sent == {
        ("coord@cvo.example", "Nieuw paswoord voor Stagematching"),
        ("nieuw@dienst.example", "Activeer je account op Stagematching"),
    }
    assert link_in(outbox()[0][2])
    with app.app_context():
        assert db.session.scalar(select(func.count(MailRequest.id))) == 0
        assert invited  # a login without activation got its new mail


@pytest.mark.parametrize("app_overrides", [{"OUTBOX_SEND_ANONYMOUS_INLINE": False}])
@pytest.mark.parametrize("path", ["/paswoord-vergeten", "/activatie-opnieuw"])
def test_sec_14_known_and_unknown_addresses_run_the_same_statements(
    app, path, app_overrides
):
    """As deployed (mail to strangers left to the timer), the same SQL, statement for
    statement, whether the address has a login or not: the answer's timing tells nothing
    (before, a known address also wrote a token and a mail in the request)."""
    from sqlalchemy import event

    with app.app_context():
        make_user("school", email="coord@cvo.example")
        make_user(
            "service", email="nieuw@dienst.example", password=None, activated=False
        )
        db.session.commit()
        engine = db.engine

    def statements_for(address: str) -> list[str]:
        seen = []

        def note(conn, cursor, statement, *args):
            seen.append(statement)

        client = app.test_client()
        event.listen(engine, "before_cursor_execute", note)
        try:
            response = client.post(path, data={"email": address})
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert response.status_code == 200
        return seen

    known = "coord@cvo.example" if "paswoord" in path else "nieuw@dienst.example"
    with_login = statements_for(known)
    without = statements_for("niemand@nergens.example")
    assert with_login == without
    assert any("INSERT INTO mail_request" in s for s in with_login)
    assert not any("auth_token" in s or "outbox_mail" in s for s in with_login)


# --- SECURITY 10: a captured cookie dies with a password change and a deactivation --------


def test_sec_10_a_cookie_captured_before_a_password_change_no_longer_works(
    app, client, outbox
):
    """The owner sets a new password through the reset link in another browser: the cookie
    of the first browser (or of whoever copied it) is refused from then on."""
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    login(client, "coord@cvo.example")
    assert client.get("/start").status_code == 200
    elsewhere = app.test_client()
    elsewhere.post("/paswoord-vergeten", data={"email": "coord@cvo.example"})
    link = link_in(outbox()[-1][2])
    changed = elsewhere.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    stale = client.get("/start")
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/login")
    assert (
        login(app.test_client(), "coord@cvo.example", NEW_PASSWORD).status_code == 302
    )


def test_sec_10_a_cookie_captured_before_a_deactivation_is_not_revived_by_reactivation(
    app, client
):
    """VIVO deactivates a login and reactivates it: the cookie from before stays dead (its
    session token was rotated), while a fresh login works again."""
    with app.app_context():
        user = make_user("school", email="coord@cvo.example")
        make_user("admin", email="admin@vivo.example")
        db.session.commit()
        user_id = user.id
    login(client, "coord@cvo.example")
    assert client.get("/start").status_code == 200
    admin = app.test_client()
    login(admin, "admin@vivo.example")
    assert admin.post(f"/admin/logins/{user_id}/deactiveren").status_code < 400
    assert admin.post(f"/admin/logins/{user_id}/activeren").status_code < 400
    with app.app_context():
        assert db.session.get(User, user_id).enabled
    assert client.get("/start").status_code == 302
    assert login(app.test_client(), "coord@cvo.example").status_code == 302


# --- SECURITY 16: links in mails come from BASE_URL, whatever Host the request names -------

BASE_URL = "https://stages.vivo.example"
EVIL = "http://evil.example"
URL = re.compile(r"https?://[^\s<>\"')]+")


@pytest.mark.parametrize("app_overrides", [{"BASE_URL": BASE_URL}])
def test_sec_16_every_link_of_every_auth_mail_starts_with_the_configured_base_url(
    app, app_overrides, outbox
):
    """Invitation, activation resend, reset and password-changed mails, each caused by a
    request that names another host (Host and X-Forwarded-Host): every link in them starts
    with BASE_URL."""
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    with app.app_context():
        make_user("admin", email="admin@vivo.example")
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    admin = app.test_client()
    admin.post(
        "/login",
        base_url=EVIL,
        headers=forged,
        data={"email": "admin@vivo.example", "password": PASSWORD},
    )
    invited = admin.post(
        "/admin/logins",
        base_url=EVIL,
        headers=forged,
        data={"email": "nieuw@vivo.example", "role": "admin"},
    )
    assert invited.status_code < 400
    anonymous = app.test_client()
    for path, email in (
        ("/activatie-opnieuw", "nieuw@vivo.example"),
        ("/paswoord-vergeten", "coord@cvo.example"),
    ):
        anonymous.post(path, base_url=EVIL, headers=forged, data={"email": email})
    reset_link = next(
        URL.search(body).group(0)
        for recipient, _, body in outbox()
        if recipient == "coord@cvo.example"
    )
    anonymous.post(
        reset_link.removeprefix(BASE_URL),
        base_url=EVIL,
        headers=forged,
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    mails = outbox()
    subjects = [subject for _, subject, _ in mails]
    assert len(mails) == 4, subjects  # invitation, resend, reset, password changed
    for recipient, subject, body in mails:
        links = URL.findall(body)
        assert links, (recipient, subject)
        for link in links:
            assert link.startswith(BASE_URL + "/"), (subject, link)
        assert "evil" not in body, subject


# --- SECURITY 17: the user is told of a new password; admins never set one ----------------


def test_sec_17_a_changed_password_is_mailed_to_its_owner(app, client, outbox):
    """A password set through the reset link sends its owner a mail saying so, with the way
    back in if it was not them; the mail holds no password."""
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    client.post("/paswoord-vergeten", data={"email": "coord@cvo.example"})
    client.post(
        link_in(outbox()[-1][2]),
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    recipient, subject, body = outbox()[-1]
    assert recipient == "coord@cvo.example"
    assert "paswoord" in subject.lower() and "gewijzigd" in subject
    assert "/paswoord-vergeten" in body  # not you? set a new one
    assert NEW_PASSWORD not in body and PASSWORD not in body
    with app.app_context():
        from app.models import AuditEvent

        assert (
            "user.password_changed"
            in db.session.scalars(select(AuditEvent.action)).all()
        )


ADMIN_CHOSEN = "gekozen door de beheerder 42"


def test_sec_17_no_admin_request_sets_a_password(app):
    """VIVO's admin posts every form it may post (real ids of every tenant, a form that would
    succeed) with password fields added: no login gets a password, new logins included.
    Passwords are set only through the mailed links (the auth blueprint)."""
    from app.security import verify_password
    from tests.test_sec_01_cross_tenant import build_world
    from tests.test_sec_06_07_csrf_walk import post_requests

    world = build_world(app)
    with app.app_context():
        before = dict(db.session.execute(select(User.id, User.password_hash)).all())
    admin = app.test_client()
    assert login(admin, world.admin_email).status_code == 302
    extra = {
        "password": ADMIN_CHOSEN,
        "confirm": ADMIN_CHOSEN,
        "new_password": ADMIN_CHOSEN,
        "password_hash": ADMIN_CHOSEN,
    }
    posted = set()
    for endpoint, url, form in post_requests(app, world, "admin"):
        if endpoint.startswith("auth."):
            continue  # the user's own links and forms, not an admin's power
        posted.add(endpoint)
        response = admin.post(url, data={**form, **extra})
        response.get_data()
        response.close()
    assert {"admin.users", "admin.enable_user", "admin.resend_invitation"} <= posted
    with app.app_context():
        after = dict(db.session.execute(select(User.id, User.password_hash)).all())
    assert len(after) > len(before)  # the invitation made a login ...
    for user_id, password_hash in after.items():
        assert password_hash == before.get(user_id), user_id  # ... without a password
        assert not verify_password(password_hash, ADMIN_CHOSEN), user_id


def test_sec_17_only_the_auth_blueprint_sets_passwords_and_no_admin_page_asks_for_one():
    """The one function that sets a password is called from the activation and reset views
    only, and no admin template or admin form has a password field."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "app"
    calls, stores = set(), set()
    for path in root.rglob("*.py"):
        module = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name == "set_password":
                    calls.add(module)
            elif (
                isinstance(node, ast.Attribute)
                and node.attr == "password_hash"
                and isinstance(node.ctx, ast.Store)
            ):
                stores.add(module)
    assert calls == {"auth/routes.py"}  # the activation and reset views
    assert stores == {"auth/logic.py"}  # inside set_password
    admin_templates = root / "templates" / "admin"
    for template in admin_templates.rglob("*.html"):
        assert 'type="password"' not in template.read_text(), template.name
    assert "PasswordField" not in (root / "admin" / "forms.py").read_text()


@pytest.mark.parametrize("app_overrides", [{"OUTBOX_SEND_ANONYMOUS_INLINE": False}])
def test_sec_26_a_flood_of_reset_requests_from_many_addresses_mails_three_links(
    app, app_overrides, outbox
):
    """Each address pair may ask 5 times; 20 addresses asking for one account's reset link
    mail it 3 times (the links work); half an hour later one more request mails again."""
    from sqlalchemy import update

    from app.models import MailRequest

    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()

    def flood(first: int) -> None:
        for i in range(first, first + 20):
            app.test_client().post(
                "/paswoord-vergeten",
                data={"email": "coord@cvo.example"},
                environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"},
            )
        with app.app_context():
            logic.work_off_mail_requests()
            db.session.commit()
            assert db.session.scalar(select(func.count(MailRequest.id))) == 0

    flood(0)
    assert [to for to, _, _ in outbox()] == ["coord@cvo.example"] * 3
    first = app.test_client().get(link_in(outbox()[0][2]))
    assert first.status_code == 200 and 'name="password"' in first.text
    with app.app_context():  # half an hour passes
        db.session.execute(
            update(AuthToken).values(created_at=utcnow() - timedelta(minutes=31))
        )
        db.session.commit()
    flood(20)
    assert len(outbox()) == 4
    with app.app_context():
        assert db.session.scalar(select(func.count(AuthToken.id))) == 4
