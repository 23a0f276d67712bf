"""Accounts through the browser, as the manual describes them (manual section 1, R-AUTH).

An admin invites a coordinator, who activates the account from the mail; a forgotten
activation mail is sent again from the login form; a forgotten password is reset by mail.
"""

import re

from playwright.sync_api import Page, expect

from app.auth import logic
from tests.factories import PASSWORD, make_school, make_user

NEW_PASSWORD = "zonnebloemen in de tuin van het cvo"
PASSWORD_SET = "Je paswoord is ingesteld. Je kan nu inloggen."


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Paswoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Afmelden").click()
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Je bent afgemeld.")


def choose_password(page: Page, password: str) -> None:
    page.get_by_label("Nieuw paswoord").fill(password)
    page.get_by_label("Herhaal het paswoord").fill(password)
    page.get_by_role("button", name="Paswoord opslaan").click()


def expect_link_no_longer_works(page: Page, link: str) -> None:
    response = page.goto(link)
    assert response.status == 410
    expect(
        page.get_by_role("heading", name="Deze link werkt niet meer")
    ).to_be_visible()


def test_admin_invites_a_coordinator_who_activates_the_account(
    page, live_server, seed, mailbox
):
    _admin, school = seed(
        lambda: (
            make_user("admin", email="admin@vivo.example"),
            make_school("CVO Antwerpen"),
        )
    )

    # The admin invites the coordinator of CVO Antwerpen.
    log_in(page, "admin@vivo.example", PASSWORD)
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Logins"
    ).click()
    expect(page.get_by_role("heading", name="Logins")).to_be_visible()
    page.get_by_role("button", name="Nieuwe login uitnodigen").click()
    invite = page.locator("form").filter(
        has=page.get_by_role("button", name="Uitnodigen", exact=True)
    )
    invite.get_by_label("E-mailadres").fill("coordinator@cvo.example")
    invite.get_by_label("Rol").select_option(label="School (CVO)")
    invite.get_by_label("Organisatie").fill(school.name)
    invite.get_by_role("button", name="Uitnodigen", exact=True).click()
    expect(
        page.get_by_role("status").filter(
            has_text="Uitnodiging verstuurd naar coordinator@cvo.example."
        )
    ).to_be_visible()
    invited = page.get_by_role("row").filter(has_text="coordinator@cvo.example")
    expect(invited).to_contain_text("CVO Antwerpen")
    expect(invited).to_contain_text("uitgenodigd")

    # The invitation arrives by mail, with the activation link.
    invitation = mailbox.wait_for("coordinator@cvo.example")
    assert invitation.subject == "Activeer je account op Stagematching"
    assert "CVO Antwerpen" in invitation.body
    link = invitation.link
    assert link.startswith(live_server.url + "/activeer/")

    log_out(page)

    # The coordinator opens the link and chooses a password; a too short one is refused.
    page.goto(link)
    expect(page.get_by_role("heading", name="Account activeren")).to_be_visible()
    expect(page.get_by_text("coordinator@cvo.example")).to_be_visible()
    choose_password(page, "te kort")
    password_field = page.get_by_label("Nieuw paswoord")
    expect(password_field).to_have_attribute("aria-invalid", "true")
    expect(password_field).to_have_accessible_description(
        re.compile("Kies een paswoord van minstens 12 tekens.")
    )
    choose_password(page, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(PASSWORD_SET)

    # Logging in leads to the start page; logging out ends the session.
    log_in(page, "coordinator@cvo.example", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()
    expect(
        page.get_by_text(
            "Je bent ingelogd als coordinator@cvo.example voor CVO Antwerpen."
        )
    ).to_be_visible()
    log_out(page)
    page.goto("/start")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)start$"))
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()

    # The link works once.
    expect_link_no_longer_works(page, link)


def test_invited_user_asks_for_a_new_activation_mail_on_the_login_form(
    page, live_server, seed, mailbox
):
    def invite():
        school = make_school("CVO Gent")
        logic.invite_user("coordinator@cvo.example", "school", school_id=school.id)

    seed(invite)
    first_link = mailbox.link_for("coordinator@cvo.example")

    # As the manual says: the e-mail address and any password, then "resend activation".
    log_in(page, "coordinator@cvo.example", "om het even wat")
    expect(page.get_by_role("alert")).to_contain_text(
        "Dit e-mailadres en paswoord horen niet bij een actieve login."
    )
    page.get_by_role("button", name="Activatiemail opnieuw versturen").click()
    expect(page.get_by_role("heading", name="Activatiemail")).to_be_visible()
    expect(
        page.get_by_text(
            "Als dit e-mailadres een account heeft dat nog niet geactiveerd is"
        )
    ).to_be_visible()

    second = mailbox.wait_for("coordinator@cvo.example", nth=2)
    assert second.subject == "Activeer je account op Stagematching"
    assert second.link != first_link

    # A new link leaves the first one working (a stranger's resend cannot void the mail
    # the owner has); the new one activates the account, and then neither works again.
    assert page.goto(first_link).status == 200
    page.goto(second.link)
    expect(page.get_by_role("heading", name="Account activeren")).to_be_visible()
    choose_password(page, NEW_PASSWORD)
    expect(page.get_by_role("status")).to_contain_text(PASSWORD_SET)
    expect_link_no_longer_works(page, first_link)
    log_in(page, "coordinator@cvo.example", NEW_PASSWORD)
    expect(
        page.get_by_text("Je bent ingelogd als coordinator@cvo.example voor CVO Gent.")
    ).to_be_visible()


def test_forgotten_password_is_reset_through_the_mailed_link(
    page, live_server, seed, mailbox
):
    seed(
        lambda: make_user(
            "school",
            organisation=make_school("CVO Leuven"),
            email="coordinator@cvo.example",
        )
    )

    page.goto("/login")
    page.get_by_role("link", name="Paswoord vergeten?").click()
    expect(page.get_by_role("heading", name="Paswoord vergeten")).to_be_visible()
    page.get_by_label("E-mailadres").fill("coordinator@cvo.example")
    page.get_by_role("button", name="Stuur de link").click()
    expect(page.get_by_text("Als dit e-mailadres bij ons gekend is")).to_be_visible()

    reset = mailbox.wait_for("coordinator@cvo.example", subject="Nieuw paswoord")
    assert reset.link.startswith(live_server.url + "/paswoord-herstellen/")

    page.goto(reset.link)
    expect(page.get_by_role("heading", name="Nieuw paswoord kiezen")).to_be_visible()
    choose_password(page, NEW_PASSWORD)
    expect(page.get_by_role("status")).to_contain_text(PASSWORD_SET)

    changed = mailbox.wait_for("coordinator@cvo.example", subject="is gewijzigd")
    assert changed.subject == "Je paswoord voor Stagematching is gewijzigd"

    # The old password no longer works, the new one does; the reset link works once.
    log_in(page, "coordinator@cvo.example", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text(
        "horen niet bij een actieve login"
    )
    log_in(page, "coordinator@cvo.example", NEW_PASSWORD)
    expect(
        page.get_by_text(
            "Je bent ingelogd als coordinator@cvo.example voor CVO Leuven."
        )
    ).to_be_visible()
    expect_link_no_longer_works(page, reset.link)
