"""SECURITY.md 13 and 26: failed logins slow the attacker, never lock the account's owner out.

Limits: 5 failures per account and client address in 15 minutes, 50 per account from
anywhere in an hour, 30 per client address in 15 minutes; a browser that logged in to the
account before counts apart for the last two.
"""

import base64
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import AuthToken, utcnow
from tests.conftest import link_in
from tests.factories import PASSWORD, make_user

OWNER = "coord@cvo.example"
ATTACKER, OWNER_ADDRESS, SCHOOL_NAT = "198.51.100.66", "203.0.113.10", "192.0.2.44"
CLOCK = re.compile(r"\d\d:\d\d")


def attempt(client, email: str, password: str, address: str):
    """A login posted from `address` (the client address after ProxyFix)."""
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email: str, address: str, times: int) -> None:
    for _ in range(times):
        assert attempt(client, email, "fout paswoord", address).status_code == 200


def owner_account(app) -> None:
    with app.app_context():
        make_user("school", email=OWNER)
        db.session.commit()


def test_sec_26_an_attackers_failures_do_not_stop_the_owner_logging_in_elsewhere(app):
    owner_account(app)
    attacker, owner = app.test_client(), app.test_client()
    fail(attacker, OWNER, ATTACKER, 5)
    assert attempt(attacker, OWNER, PASSWORD, ATTACKER).status_code == 429
    response = attempt(owner, OWNER, PASSWORD, OWNER_ADDRESS)
    assert response.status_code == 302
    assert response.headers["Location"] == "/start"
    assert OWNER in owner.get("/start").text


def test_sec_13_the_sixth_failure_of_an_account_and_address_answers_429_and_says_why(
    app,
):
    owner_account(app)
    client = app.test_client()
    fail(client, OWNER, ATTACKER, 5)
    blocked = attempt(client, OWNER, "nog een gok", ATTACKER)
    assert blocked.status_code == 429
    assert (
        "Te veel mislukte pogingen om met dit e-mailadres in te loggen vanaf deze "
        "verbinding. Probeer het opnieuw vanaf"
    ) in blocked.text
    assert CLOCK.search(blocked.text.split("Probeer het opnieuw vanaf")[1][:8])
    assert 'name="password"' in blocked.text  # the login form, not a dead end
    # The right password from the same pair waits too: the pair is refused, not checked.
    assert attempt(client, OWNER, PASSWORD, ATTACKER).status_code == 429
    # Another account from that address is not refused by this pair's limit.
    assert attempt(client, "ander@cvo.example", "fout", ATTACKER).status_code == 200


def test_sec_13_an_ipv6_client_counts_by_its_64_network(app):
    """One host owns a /64: changing the last 64 bits gains the attacker nothing."""
    owner_account(app)
    client = app.test_client()
    for n in range(5):
        address = f"2001:db8:1:2::{n + 1:x}"
        assert attempt(client, OWNER, "fout", address).status_code == 200
    assert attempt(client, OWNER, "fout", "2001:db8:1:2:ffff::9").status_code == 429
    assert attempt(client, OWNER, PASSWORD, "2001:db8:1:3::1").status_code == 302


def test_sec_13_the_per_account_cap_holds_for_an_attacker_on_many_addresses(app):
    owner_account(app)
    owner = app.test_client()
    assert attempt(owner, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 302
    owner.post("/logout")
    attacker = app.test_client()
    for n in range(10):  # 10 addresses x 5 failures: no pair limit reached
        fail(attacker, OWNER, f"198.51.100.{n + 1}", 5)
    blocked = attempt(attacker, OWNER, PASSWORD, "198.51.100.200")
    assert blocked.status_code == 429
    assert (
        "Te veel mislukte pogingen om met dit e-mailadres in te loggen. Probeer het "
        "opnieuw vanaf"
    ) in blocked.text
    # A new browser of the owner waits as well (it cannot be told from the attacker) ...
    assert attempt(app.test_client(), OWNER, PASSWORD, OWNER_ADDRESS).status_code == 429
    # ... but the browser the owner logged in with before is not locked out.
    assert attempt(owner, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 302


def test_sec_26_failures_for_unknown_accounts_behind_a_shared_address_lock_no_colleague_out(
    app,
):
    owner_account(app)
    colleague = app.test_client()
    assert attempt(colleague, OWNER, PASSWORD, SCHOOL_NAT).status_code == 302
    colleague.post("/logout")
    prankster = app.test_client()
    for n in range(30):
        assert (
            attempt(prankster, f"x{n}@cvo.example", "fout", SCHOOL_NAT).status_code
            == 200
        )
    blocked = attempt(prankster, "x99@cvo.example", "fout", SCHOOL_NAT)
    assert blocked.status_code == 429
    assert (
        "Te veel mislukte pogingen om in te loggen vanaf deze verbinding"
        in blocked.text
    )
    # A known account without a remembered browser gets the same answer (no enumeration).
    assert attempt(prankster, OWNER, "fout", SCHOOL_NAT).status_code == 429
    # The colleague's browser logs in as before; the school's own failures count apart.
    assert attempt(colleague, OWNER, "typfout", SCHOOL_NAT).status_code == 200
    assert attempt(colleague, OWNER, PASSWORD, SCHOOL_NAT).status_code == 302


def test_sec_26_a_password_chosen_through_the_mailed_link_lets_the_owner_past_the_cap(
    app, outbox
):
    from tests.conftest import link_in

    owner_account(app)
    attacker = app.test_client()
    for n in range(10):
        fail(attacker, OWNER, f"198.51.100.{n + 1}", 5)
    owner = app.test_client()
    assert attempt(owner, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 429
    owner.post(
        "/paswoord-vergeten",
        data={"email": OWNER},
        environ_base={"REMOTE_ADDR": OWNER_ADDRESS},
    )
    link = link_in(outbox()[-1][2])
    new_password = "een verse zin voor maandag"
    chosen = owner.post(link, data={"password": new_password, "confirm": new_password})
    assert chosen.status_code == 302
    assert attempt(owner, OWNER, new_password, OWNER_ADDRESS).status_code == 302


def test_sec_26_a_forged_or_foreign_device_cookie_does_not_lift_the_cap(app):
    owner_account(app)
    with app.app_context():
        make_user("school", email="ander@cvo.example")
        db.session.commit()
    other = app.test_client()  # remembered for another account only
    assert (
        attempt(other, "ander@cvo.example", PASSWORD, OWNER_ADDRESS).status_code == 302
    )
    forged = app.test_client()
    forged.set_cookie(
        "stagematching_device", "eyJhY2NvdW50cyI6W119.forged", path="/login"
    )
    attacker = app.test_client()
    for n in range(10):
        fail(attacker, OWNER, f"198.51.100.{n + 1}", 5)
    assert attempt(other, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 429
    assert attempt(forged, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 429


def test_sec_14_a_throttled_login_answers_the_same_for_known_and_unknown_addresses(app):
    owner_account(app)
    client = app.test_client()
    pages = []
    for email in (OWNER, "onbekend@cvo.example"):
        fail(client, email, ATTACKER, 5)
        page = attempt(client, email, "fout", ATTACKER)
        assert page.status_code == 429
        text = page.text.replace(email, "EMAIL")
        pages.append(re.sub(r'(value="|"X-CSRFToken": ")[^"]+"', "TOKEN", text))
    assert CLOCK.sub("HH:MM", pages[0]) == CLOCK.sub("HH:MM", pages[1])


def test_sec_13_only_failed_logins_count_towards_the_limits(app):
    """Only failures count: an owner who logs in often is never throttled."""
    owner_account(app)
    client = app.test_client()
    for _ in range(8):
        assert attempt(client, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 302
        client.post("/logout")
    fail(client, OWNER, OWNER_ADDRESS, 4)
    assert attempt(client, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 302


def test_sec_13_thirty_parallel_wrong_logins_get_five_password_checks(app, monkeypatch):
    """The count is taken before the password check, atomically: attempts that arrive
    together cannot all pass the limit before the first of them is counted."""
    import threading
    import time

    from app.auth import logic

    owner_account(app)
    checks = []
    real = logic.authenticate

    def slow_check(email, password):
        checks.append(email)
        time.sleep(0.2)  # every attempt is in flight before the first one is answered
        return real(email, password)

    monkeypatch.setattr(logic, "authenticate", slow_check)
    start = threading.Barrier(30)
    answers = []

    def one_attempt():
        client = app.test_client()
        start.wait()
        answers.append(attempt(client, OWNER, "fout paswoord", ATTACKER).status_code)

    threads = [threading.Thread(target=one_attempt) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == 5
    assert sorted(answers) == [200] * 5 + [429] * 25
    # The owner, elsewhere, still gets in.
    assert attempt(app.test_client(), OWNER, PASSWORD, OWNER_ADDRESS).status_code == 302


@pytest.mark.parametrize("app_overrides", [{"SESSION_COOKIE_SECURE": True}])
def test_sec_9_the_device_cookie_is_signed_secure_httponly_and_sent_to_login_only(
    app, app_overrides
):
    owner_account(app)
    response = attempt(app.test_client(), OWNER, PASSWORD, OWNER_ADDRESS)
    (cookie,) = [
        c
        for c in response.headers.getlist("Set-Cookie")
        if c.startswith("stagematching_device=")
    ]
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")}
    assert {"Secure", "HttpOnly", "Path", "Max-Age"} <= attributes
    assert "Path=/login;" in cookie + ";" and "SameSite=Lax" in cookie
    # Readable by anyone with the browser: it names the account by a keyed hash only.
    payload = cookie.split("=", 1)[1].split(".")[0]
    readable = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert '"accounts"' in readable and "cvo" not in readable


def ask_reset(client, email: str, address: str):
    return client.post(
        "/paswoord-vergeten",
        data={"email": email},
        environ_base={"REMOTE_ADDR": address},
    )


def device_cookie(client) -> dict:
    from itsdangerous import URLSafeSerializer

    raw = client.get_cookie("stagematching_device", path="/login").value
    payload = raw.rsplit(".", 2)[0]
    return URLSafeSerializer("x").load_payload(payload.encode())


@pytest.mark.parametrize("form", ["/paswoord-vergeten", "/activatie-opnieuw"])
def test_sec_26_an_attacker_elsewhere_cannot_use_up_the_owners_mail_requests(
    app, outbox, form
):
    with app.app_context():
        make_user("school", email=OWNER, activated=form == "/paswoord-vergeten")
        db.session.commit()
    attacker = app.test_client()
    post = {"data": {"email": OWNER}, "environ_base": {"REMOTE_ADDR": ATTACKER}}
    for _ in range(5):
        assert attacker.post(form, **post).status_code == 200
    assert attacker.post(form, **post).status_code == 429
    # The attacker's requests mailed the owner 3 links (the cap per hour): they work.
    assert [to for to, _, _ in outbox()] == [OWNER] * 3
    assert app.test_client().get(link_in(outbox()[-1][2])).status_code == 200
    owner = app.test_client()
    answer = owner.post(
        form, data={"email": OWNER}, environ_base={"REMOTE_ADDR": OWNER_ADDRESS}
    )
    assert (
        answer.status_code == 200
    )  # not refused: the owner's own limits are untouched
    assert len(outbox()) == 3  # the fresh links in the mailbox are the ones to use
    with app.app_context():  # half an hour later, the owner's request mails a new one
        db.session.execute(
            update(AuthToken).values(created_at=utcnow() - timedelta(minutes=31))
        )
        db.session.commit()
    owner.post(form, data={"email": OWNER}, environ_base={"REMOTE_ADDR": OWNER_ADDRESS})
    assert len(outbox()) == 4 and outbox()[-1][0] == OWNER


def test_sec_26_the_mail_forms_keep_a_cap_per_client_address(app, outbox):
    client = app.test_client()
    for n in range(30):
        assert ask_reset(client, f"x{n}@cvo.example", ATTACKER).status_code == 200
    assert ask_reset(client, "x99@cvo.example", ATTACKER).status_code == 429
    assert ask_reset(client, "x99@cvo.example", OWNER_ADDRESS).status_code == 200


def test_sec_26_an_attackers_reset_request_does_not_void_the_owners_link(app, outbox):
    owner_account(app)
    owner = app.test_client()
    ask_reset(owner, OWNER, OWNER_ADDRESS)
    owners_link = link_in(outbox()[-1][2])
    attacker = app.test_client()
    ask_reset(attacker, OWNER, ATTACKER)
    attackers_mail = link_in(outbox()[-1][2])
    assert attackers_mail != owners_link
    assert owner.get(owners_link).status_code == 200
    new_password = "een verse zin voor maandag"
    chosen = owner.post(
        owners_link, data={"password": new_password, "confirm": new_password}
    )
    assert chosen.status_code == 302
    # One reset spends every link of that round, and each link only once.
    assert owner.get(attackers_mail).status_code == 410
    assert owner.get(owners_link).status_code == 410


def test_sec_26_a_remembered_browser_is_not_locked_out_by_failures_behind_its_address(
    app,
):
    owner_account(app)
    colleague = app.test_client()
    assert attempt(colleague, OWNER, PASSWORD, SCHOOL_NAT).status_code == 302
    colleague.post("/logout")
    prankster = app.test_client()
    fail(prankster, OWNER, SCHOOL_NAT, 5)
    assert attempt(prankster, OWNER, PASSWORD, SCHOOL_NAT).status_code == 429
    assert attempt(colleague, OWNER, PASSWORD, SCHOOL_NAT).status_code == 302


def test_sec_26_a_password_change_makes_the_old_device_cookie_worthless(app):
    from app.auth import logic

    owner_account(app)
    thief = app.test_client()  # holds a copy of the owner's device cookie
    assert attempt(thief, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 302
    with app.app_context():
        logic.set_password(logic.find_user(OWNER), "een verse zin voor maandag")
        db.session.commit()
    attacker = app.test_client()
    for n in range(10):
        fail(attacker, OWNER, f"198.51.100.{n + 1}", 5)
    assert (
        attempt(thief, OWNER, "een verse zin voor maandag", ATTACKER).status_code == 429
    )


def test_sec_26_a_reset_gives_the_browser_a_fresh_device_id(app, outbox):
    owner_account(app)
    owner = app.test_client()
    assert attempt(owner, OWNER, PASSWORD, OWNER_ADDRESS).status_code == 302
    owner.post("/logout")
    before = device_cookie(owner)
    ask_reset(owner, OWNER, OWNER_ADDRESS)
    new_password = "een verse zin voor maandag"
    link = link_in(outbox()[-1][2])
    assert owner.post(link, data={"password": new_password, "confirm": new_password})
    after = device_cookie(owner)
    assert after["device"] != before["device"]
    assert after["accounts"] != before["accounts"]
