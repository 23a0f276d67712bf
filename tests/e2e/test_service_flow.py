"""The care service's flows through the browser (R-SVC), and what the school then sees (R-OVR).

A staff member of a care service browses the open requests of its province, accepts a
trainee for a period with a mentor added on the spot, declines or withdraws; the school
follows the result in its overview. Services of the same province no longer get the taken
period; a service of another province never sees the request.
"""

import re
from dataclasses import dataclass
from datetime import date

from playwright.sync_api import Browser, Page, expect

from tests.factories import (
    PASSWORD,
    make_mentor,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

COORDINATOR = "coordinator@cvo.example"
LINDE = "onthaal@delinde.example"  # WZC De Linde, Antwerpen
SCHELDE = "planning@schelde.example"  # Thuiszorg Schelde, Antwerpen
MAASLAND = "info@maasland.example"  # WZC Maasland, Limburg

SARA_NN = valid_national_number(date(1995, 5, 17), 123)
SARA_NN_SHOWN = (
    f"{SARA_NN[:2]}.{SARA_NN[2:4]}.{SARA_NN[4:6]}-{SARA_NN[6:9]}.{SARA_NN[9:]}"
)
SARA_PHONE, SARA_PHONE_SHOWN = "+32470123456", "0470 12 34 56"
SARA_EMAIL = "sara.peeters@mail.example"
SARA_STREET = "Lange Leemstraat 12"
SARA_PERSONAL = [
    SARA_NN,
    SARA_NN_SHOWN,
    SARA_PHONE,
    SARA_PHONE_SHOWN,
    SARA_EMAIL,
    SARA_STREET,
]


# --- the world -----------------------------------------------------------------------------


@dataclass
class Province:
    """CVO Antwerpen with Sara (2 periods, prefers De Linde) and Tom; three services."""

    term_name: str
    sara_id: int
    periods: list[str]  # "dd/mm/jjjj – dd/mm/jjjj" per period
    linde_id: int


def antwerp_with_sara(seed, placed_with_linde: bool = False) -> Province:
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term()
        supervisor = make_supervisor(school, name="An Begeleider")
        linde = make_service("ANT", name="WZC De Linde", city="Antwerpen")
        schelde = make_service("ANT", name="Thuiszorg Schelde", city="Mortsel")
        maasland = make_service("LIM", name="WZC Maasland", city="Hasselt")
        for service, login in (
            (linde, LINDE),
            (schelde, SCHELDE),
            (maasland, MAASLAND),
        ):
            make_user("service", organisation=service, email=login)
        sara = make_student(
            school=school,
            term=term,
            supervisor=supervisor,
            periods=2,
            first_name="Sara",
            last_name="Peeters",
            street=SARA_STREET,
            postcode="2018",
            city="Antwerpen",
            province="ANT",
            phone=SARA_PHONE,
            email=SARA_EMAIL,
            national_number=SARA_NN,
            internship_form="blok",
            hours_per_week=20,
            preferred_service_id=linde.id,
        )
        make_student(
            school=school,
            term=term,
            supervisor=supervisor,
            periods=1,
            first_name="Tom",
            last_name="Janssens",
            postcode="2600",
            city="Berchem",
            province="ANT",
            internship_form="alternerend",
        )
        if placed_with_linde:
            make_placement(
                sara,
                service=linde,
                period_number=1,
                mentor=make_mentor(linde, name="Lies Claes"),
            )
        return {
            "term_name": term.name,
            "sara_id": sara.id,
            "periods": [
                f"{p.start_date:%d/%m/%Y} – {p.end_date:%d/%m/%Y}"
                for p in sorted(sara.periods, key=lambda p: p.number)
            ],
            "linde_id": linde.id,
        }

    return Province(**seed(build))


# --- helpers -------------------------------------------------------------------------------


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Afmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Je bent afgemeld.")


def as_user(page: Page, email: str) -> None:
    """Log out whoever is logged in, then log in as `email`."""
    if page.get_by_role("button", name="Afmelden").count():
        log_out(page)
    log_in(page, email)


def new_page(browser: Browser, live_server) -> Page:
    """A second person at another computer: a context of their own."""
    context = browser.new_context(locale="nl-BE", base_url=live_server.url)
    context.set_default_timeout(5_000)
    return context.new_page()


def open_menu(page: Page, item: str) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name=item
    ).click()
    expect(
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=item)
    ).to_have_attribute("aria-current", "page")


def expect_message(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def row_of(page: Page, name: str):
    """The table row with a link named `name`."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name))


def accept_group(page: Page):
    return page.get_by_role("group", name="Student aanvaarden")


def period_box(page: Page, number: int):
    return accept_group(page).get_by_role(
        "checkbox", name=re.compile(rf"^Periode {number}:")
    )


def chosen_option(select) -> str:
    return select.evaluate("element => element.selectedOptions[0].textContent.trim()")


def open_sara(page: Page) -> None:
    open_menu(page, "Stageaanvragen")
    page.get_by_role("link", name="Sara Peeters").click()
    expect(page.get_by_role("heading", name="Sara Peeters", level=1)).to_be_visible()


def expect_no_personal_data(page: Page) -> None:
    content = page.content()
    for secret in SARA_PERSONAL:
        assert secret not in content, f"{secret!r} is shown before acceptance"


# --- the acceptance test -------------------------------------------------------------------


def test_service_accepts_a_period_with_a_new_mentor_and_the_school_sees_it(
    page, browser, live_server, seed, mailbox
):
    world = antwerp_with_sara(seed)
    period_1, period_2 = world.periods

    # 1. WZC De Linde browses the requests of Antwerpen; Sara prefers De Linde.
    log_in(page, LINDE)
    open_menu(page, "Stageaanvragen")
    expect(
        page.get_by_role("heading", name="Stageaanvragen in Antwerpen")
    ).to_be_visible()
    expect(page.get_by_text("2 open aanvragen")).to_be_visible()
    sara = row_of(page, "Sara Peeters")
    expect(sara).to_contain_text("kiest voor je dienst")
    expect(sara).to_contain_text("2018 Antwerpen")
    expect(sara).to_contain_text("CVO Antwerpen")
    expect(sara).to_contain_text("An Begeleider")
    expect(sara).to_contain_text(period_1)
    expect(sara).to_contain_text(period_2)
    expect(row_of(page, "Tom Janssens")).to_contain_text("2600 Berchem")

    # Only who prefers us: Tom disappears, Sara stays (the list is filtered in place).
    page.get_by_label("Enkel wie voor je dienst kiest").check()
    expect(page.get_by_text("1 open aanvraag")).to_be_visible()
    expect(page.get_by_role("link", name="Tom Janssens")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"voorkeur=1"))
    page.get_by_label("Enkel wie voor je dienst kiest").uncheck()
    expect(page.get_by_role("link", name="Tom Janssens")).to_be_visible()
    # Stagevorm "blok": only Sara.
    page.get_by_label("Stagevorm").select_option(label="blok")
    expect(page.get_by_text("1 open aanvraag")).to_be_visible()
    expect(page.get_by_role("link", name="Tom Janssens")).to_have_count(0)
    expect(row_of(page, "Sara Peeters")).to_contain_text("blok")

    # The request shows the internship data, but none of Sara's personal contact data.
    page.get_by_role("link", name="Sara Peeters").click()
    expect(page.get_by_role("heading", name="Sara Peeters", level=1)).to_be_visible()
    expect(page.get_by_text("CVO Antwerpen")).to_be_visible()
    expect(page.get_by_text("2018 Antwerpen")).to_be_visible()
    expect_no_personal_data(page)

    # 2. Accept period 1, adding the mentor who is not yet in the list.
    accept = accept_group(page)
    expect(period_box(page, 1)).to_have_accessible_name(f"Periode 1: {period_1}")
    period_box(page, 1).check()
    accept.get_by_text("Stagementor staat niet in de lijst?").click()
    accept.get_by_label("Naam").fill("Lies Claes")
    accept.get_by_label("Telefoon").fill("03 218 50 00")
    accept.get_by_label("E-mail").fill("lies.claes@delinde.example")
    accept.get_by_role("button", name="Stagementor toevoegen").click()
    expect_message(page, "Stagementor Lies Claes toegevoegd en gekozen.")
    expect(period_box(page, 1)).to_be_checked()  # the choices made are kept
    expect(period_box(page, 2)).not_to_be_checked()
    assert chosen_option(accept.get_by_label("Stagementor")) == "Lies Claes"
    accept.get_by_label("Notities voor de school").fill(
        "Eerste dag om 8 uur aan het onthaal."
    )
    accept.get_by_role("button", name="Aanvaarden", exact=True).click()

    expect_message(page, "Aanvaard: periode 1.")
    expect(
        page.get_by_role("heading", name="Aanvaard door jouw dienst")
    ).to_be_visible()
    expect(
        page.get_by_text(f"Periode 1: {period_1} · mentor: Lies Claes")
    ).to_be_visible()
    # Now, and only now, the contact data.
    expect(page.get_by_text(SARA_PHONE_SHOWN)).to_be_visible()
    expect(page.get_by_text(SARA_EMAIL)).to_be_visible()
    expect(page.get_by_text(f"{SARA_STREET}, 2018 Antwerpen")).to_be_visible()
    expect(page.get_by_text(SARA_NN_SHOWN)).to_be_visible()
    # Period 2 is still on offer to us.
    expect(period_box(page, 1)).to_have_count(0)
    expect(period_box(page, 2)).to_be_visible()

    open_menu(page, "Mijn stagiairs")
    trainee = row_of(page, "Sara Peeters")
    expect(trainee).to_contain_text(f"periode 1: {period_1}")
    expect(trainee).to_contain_text("Lies Claes")
    expect(trainee).to_contain_text(SARA_PHONE_SHOWN)
    expect(trainee).to_contain_text(SARA_EMAIL)
    expect(trainee).to_contain_text(SARA_NN_SHOWN)
    expect(trainee).to_contain_text("CVO Antwerpen")

    # The school got a mail about it.
    mail = mailbox.wait_for(COORDINATOR, subject="aanvaard")
    assert mail.subject == "Stagematching: Sara Peeters werd aanvaard door WZC De Linde"
    assert "WZC De Linde aanvaardde Sara Peeters" in mail.body

    # 3. The school sees the result in its overview and can no longer change Sara.
    as_user(page, COORDINATOR)
    open_menu(page, "Overzicht stageaanvragen")
    result = row_of(page, "Peeters, Sara")
    expect(result).to_contain_text("aanvaard")
    expect(result).to_contain_text("voorlopig")
    expect(result).to_contain_text("WZC De Linde")
    expect(result).to_contain_text(f"periode 1: {period_1}")
    expect(result).not_to_contain_text(period_2)
    expect(result).to_contain_text("Lies Claes")
    expect(result).to_contain_text("03 218 50 00")
    expect(result).to_contain_text("Eerste dag om 8 uur aan het onthaal.")
    expect(row_of(page, "Janssens, Tom")).not_to_contain_text("aanvaard")

    result.get_by_role("link", name="Peeters, Sara").click()
    expect(page.get_by_role("heading", name="Sara Peeters")).to_be_visible()
    expect(page.get_by_text("werd aanvaard door een dienst")).to_be_visible()
    expect(page.get_by_role("link", name="Bewerken")).to_have_count(0)
    expect(page.get_by_role("button", name="Bewerken")).to_have_count(0)
    page.goto(f"/studenten/{world.sara_id}/bewerken")
    expect(page).to_have_url(re.compile(rf"/studenten/{world.sara_id}$"))
    expect(page.get_by_label("Voornaam")).to_have_count(0)

    # 4. Thuiszorg Schelde still sees Sara, but only period 2 is on offer.
    as_user(page, SCHELDE)
    open_menu(page, "Stageaanvragen")
    sara = row_of(page, "Sara Peeters")
    expect(sara).to_contain_text(period_2)
    expect(sara).not_to_contain_text(period_1)
    expect(sara).not_to_contain_text("kiest voor je dienst")
    sara.get_by_role("link", name="Sara Peeters").click()
    expect(page.get_by_role("heading", name="Sara Peeters", level=1)).to_be_visible()
    expect(period_box(page, 2)).to_have_accessible_name(f"Periode 2: {period_2}")
    expect(accept_group(page).get_by_role("checkbox")).to_have_count(1)
    expect(page.get_by_text("al geplaatst")).to_be_visible()
    expect_no_personal_data(page)

    # WZC Maasland (Limburg) never sees her, not even by URL.
    as_user(page, MAASLAND)
    open_menu(page, "Stageaanvragen")
    expect(
        page.get_by_role("heading", name="Stageaanvragen in Limburg")
    ).to_be_visible()
    expect(
        page.get_by_text("Geen open stageaanvragen die aan de filters voldoen.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Sara Peeters")).to_have_count(0)
    response = page.goto(f"/dienst/aanvragen/{world.sara_id}")
    assert response.status == 404
    expect(page.get_by_role("heading", name=re.compile("bestaat niet"))).to_be_visible()
    expect_no_personal_data(page)


# --- decline -------------------------------------------------------------------------------


def test_declined_request_shows_the_reason_to_the_school_and_stays_open_for_others(
    page, live_server, seed, mailbox
):
    antwerp_with_sara(seed)

    log_in(page, LINDE)
    open_sara(page)
    decline = page.get_by_role("group", name="Aanvraag weigeren")
    expect(decline.get_by_label("Reden")).to_have_accessible_description(
        re.compile("De school ziet deze reden.")
    )
    # Without a reason: told next to the field.
    decline.get_by_role("button", name="Weigeren").click()
    decline = page.get_by_role("group", name="Aanvraag weigeren")
    reason = decline.get_by_label("Reden")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(re.compile("Geef een reden op."))
    reason.fill("Geen plaats in die periode.")
    decline.get_by_role("button", name="Weigeren").click()

    expect_message(
        page, "Je weigerde de aanvraag van Sara Peeters. De school ziet je reden."
    )
    expect(
        page.get_by_role("heading", name="Stageaanvragen in Antwerpen")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Sara Peeters")).to_have_count(0)
    expect(page.get_by_role("link", name="Tom Janssens")).to_be_visible()

    mail = mailbox.wait_for(COORDINATOR, subject="niet aanvaarden")
    assert (
        mail.subject == "Stagematching: WZC De Linde kan Sara Peeters niet aanvaarden"
    )
    assert "Reden: Geen plaats in die periode." in mail.body

    # The other service of the province still gets both periods.
    as_user(page, SCHELDE)
    open_sara(page)
    expect(accept_group(page).get_by_role("checkbox")).to_have_count(2)

    # The school reads the reason in its overview and on the request.
    as_user(page, COORDINATOR)
    open_menu(page, "Overzicht stageaanvragen")
    result = row_of(page, "Peeters, Sara")
    expect(result).to_contain_text(
        "Geweigerd door WZC De Linde: Geen plaats in die periode."
    )
    expect(result).not_to_contain_text("aanvaard")
    result.get_by_role("link", name="Peeters, Sara").click()
    expect(page.get_by_role("heading", name="Geweigerd door")).to_be_visible()
    expect(
        page.get_by_text("WZC De Linde: Geen plaats in die periode.")
    ).to_be_visible()
    expect(
        page.get_by_role("button", name="Bewerken")
    ).to_be_visible()  # still the school's to change


# --- withdraw ------------------------------------------------------------------------------


def test_withdrawn_acceptance_opens_the_period_again_for_the_other_service(
    page, live_server, seed, mailbox
):
    world = antwerp_with_sara(seed, placed_with_linde=True)
    period_1, _period_2 = world.periods

    # Thuiszorg Schelde is offered only period 2 while De Linde has period 1.
    log_in(page, SCHELDE)
    open_sara(page)
    expect(accept_group(page).get_by_role("checkbox")).to_have_count(1)
    expect(period_box(page, 1)).to_have_count(0)

    as_user(page, LINDE)
    open_menu(page, "Mijn stagiairs")
    trainee = row_of(page, "Sara Peeters")
    expect(trainee).to_contain_text(f"periode 1: {period_1}")
    trainee.get_by_role("button", name="Aanvaarding intrekken").click()
    expect(
        page.get_by_role("heading", name="Aanvaarding van Sara Peeters intrekken?")
    ).to_be_visible()
    page.get_by_role("button", name="Ja, trek de aanvaarding in").click()
    expect_message(
        page, "Aanvaarding van Sara Peeters ingetrokken; de periode staat weer open."
    )
    expect(page.get_by_text("Je aanvaardde nog geen stagiairs.")).to_be_visible()

    mail = mailbox.wait_for(COORDINATOR, subject="trok de aanvaarding")
    assert (
        mail.subject
        == "Stagematching: WZC De Linde trok de aanvaarding van Sara Peeters in"
    )

    # De Linde no longer sees her contact data.
    open_sara(page)
    expect(page.get_by_role("heading", name="Aanvaard door jouw dienst")).to_have_count(
        0
    )
    expect_no_personal_data(page)

    # Period 1 is open again: Thuiszorg Schelde takes it with a mentor from its list.
    seed(lambda: make_mentor(_service_named("Thuiszorg Schelde"), name="Jan Wouters"))
    as_user(page, SCHELDE)
    open_sara(page)
    expect(accept_group(page).get_by_role("checkbox")).to_have_count(2)
    period_box(page, 1).check()
    accept_group(page).get_by_label("Stagementor").select_option(label="Jan Wouters")
    accept_group(page).get_by_role("button", name="Aanvaarden", exact=True).click()
    expect_message(page, "Aanvaard: periode 1.")
    expect(page.get_by_text(SARA_PHONE_SHOWN)).to_be_visible()

    as_user(page, COORDINATOR)
    open_menu(page, "Overzicht stageaanvragen")
    result = row_of(page, "Peeters, Sara")
    expect(result).to_contain_text("Thuiszorg Schelde")
    expect(result).not_to_contain_text("WZC De Linde")
    expect(result).to_contain_text("Jan Wouters")


def _service_named(name: str):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CareService

    return db.session.scalar(select(CareService).where(CareService.name == name))


# --- two services at the same moment -------------------------------------------------------


def test_of_two_services_accepting_the_same_period_one_wins_the_other_is_told(
    page, browser, live_server, seed
):
    antwerp_with_sara(seed)
    seed(
        lambda: (
            make_mentor(_service_named("WZC De Linde"), name="Lies Claes"),
            make_mentor(_service_named("Thuiszorg Schelde"), name="Jan Wouters"),
        )
    )

    # Both have the request open with period 1 ticked and a mentor chosen.
    other = new_page(browser, live_server)
    try:
        for who, login, mentor in (
            (page, LINDE, "Lies Claes"),
            (other, SCHELDE, "Jan Wouters"),
        ):
            log_in(who, login)
            open_sara(who)
            period_box(who, 1).check()
            accept_group(who).get_by_label("Stagementor").select_option(label=mentor)

        accept_group(page).get_by_role("button", name="Aanvaarden", exact=True).click()
        expect_message(page, "Aanvaard: periode 1.")

        accept_group(other).get_by_role("button", name="Aanvaarden", exact=True).click()
        expect(other.get_by_role("alert")).to_contain_text(
            "Periode 1 werd intussen door een andere dienst aanvaard."
        )
        expect(other.get_by_role("status")).not_to_contain_text("Aanvaard:")
        open_sara(other)
        expect(
            other.get_by_role("heading", name="Aanvaard door jouw dienst")
        ).to_have_count(0)
        expect(period_box(other, 1)).to_have_count(0)
        expect_no_personal_data(other)
    finally:
        other.context.close()


# --- the accept form explains what is missing ----------------------------------------------


def test_accepting_without_a_period_or_mentor_says_what_is_missing(
    page, live_server, seed
):
    antwerp_with_sara(seed)

    log_in(page, LINDE)
    open_sara(page)
    accept_group(page).get_by_role("button", name="Aanvaarden", exact=True).click()

    accept = accept_group(page)
    mentor = accept.get_by_label("Stagementor")
    expect(mentor).to_have_attribute("aria-invalid", "true")
    expect(mentor).to_have_accessible_description(
        re.compile("Kies de stagementor \\(of voeg er een toe\\).")
    )
    expect(page.get_by_role("heading", name="Aanvaard door jouw dienst")).to_have_count(
        0
    )
    # The missing period is told where a screen reader user finds it: on the checkboxes.
    expect(accept.get_by_text("Kies minstens één periode.", exact=True)).to_be_visible()
    for number in (1, 2):
        box = period_box(page, number)
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(box).to_have_accessible_description(
            re.compile("Kies minstens één periode.")
        )


def test_a_bad_phone_for_the_inline_mentor_is_told_and_nothing_is_lost(
    page, live_server, seed
):
    antwerp_with_sara(seed)

    log_in(page, LINDE)
    open_sara(page)
    accept = accept_group(page)
    period_box(page, 2).check()
    accept.get_by_text("Stagementor staat niet in de lijst?").click()
    accept.get_by_label("Naam").fill("Lies Claes")
    accept.get_by_label("Telefoon").fill("12345")
    accept.get_by_label("E-mail").fill("lies.claes@delinde.example")
    accept.get_by_role("button", name="Stagementor toevoegen").click()
    phone = accept_group(page).get_by_label("Telefoon")
    expect(phone).to_be_visible()  # the inline form stays open
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(
        re.compile("Geef een geldig telefoonnummer in")
    )
    expect(accept_group(page).get_by_label("Naam")).to_have_value("Lies Claes")
    expect(period_box(page, 2)).to_be_checked()
    expect(page.get_by_role("status")).not_to_contain_text("toegevoegd")


# --- mentors and capacity ------------------------------------------------------------------


def test_service_manages_its_mentors_and_offered_places(page, live_server, seed):
    world = antwerp_with_sara(seed)

    log_in(page, LINDE)
    open_menu(page, "Stagementoren")
    expect(page.get_by_role("heading", name="Stagementoren", level=1)).to_be_visible()
    expect(page.get_by_text("Nog geen stagementoren.")).to_be_visible()

    add = page.get_by_role("group", name="Stagementor toevoegen")
    add.get_by_label("Naam").fill("Lies Claes")
    add.get_by_label("Telefoon").fill("12345")
    add.get_by_label("E-mail").fill("lies.claes@delinde.example")
    add.get_by_role("button", name="Stagementor toevoegen").click()

    add = page.get_by_role("group", name="Stagementor toevoegen")
    phone = add.get_by_label("Telefoon")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(
        re.compile(
            r"Geef een geldig telefoonnummer in, bv\. 03 212 34 56 of 0470 12 34 56\."
        )
    )
    expect(add.get_by_label("Naam")).to_have_value("Lies Claes")
    expect(page.get_by_text("Nog geen stagementoren.")).to_be_visible()
    phone.fill("0470 98 76 54")
    add.get_by_role("button", name="Stagementor toevoegen").click()

    expect_message(page, "Stagementor Lies Claes toegevoegd.")
    mentor = page.get_by_role("row").filter(has_text="Lies Claes")
    expect(mentor).to_contain_text("0470 98 76 54")
    expect(mentor).to_contain_text("lies.claes@delinde.example")
    expect(mentor.get_by_role("button", name="Verwijderen Lies Claes")).to_be_visible()

    # The new mentor is offered when accepting.
    open_sara(page)
    accept_group(page).get_by_label("Stagementor").select_option(label="Lies Claes")

    # Capacity: the places offered for the term, a wrong number first.
    open_menu(page, "Capaciteit")
    expect(page.get_by_role("heading", name="Aangeboden stageplaatsen")).to_be_visible()
    page.get_by_label("Stageperiode").select_option(label=world.term_name)
    page.get_by_label("Aantal stageplaatsen").fill("-1")
    page.get_by_role("button", name="Opslaan").click()
    places = page.get_by_label("Aantal stageplaatsen")
    expect(places).to_have_attribute("aria-invalid", "true")
    expect(places).to_have_accessible_description(
        re.compile("Geef een aantal van 0 tot 500.")
    )
    places.fill("1")
    page.get_by_role("button", name="Opslaan").click()
    expect_message(page, "Capaciteit opgeslagen.")
    expect(capacity_row(page, world.term_name)).to_have_text(
        [
            world.term_name,
            "1",
            "0",
            "Je biedt 1 plaats aan: 0 zijn ingenomen door stagiairs die je aanvaardde, 1 is nog vrij.",
        ]
    )

    open_menu(page, "Stageaanvragen")
    expect(capacity_summary(page, world.term_name)).to_have_text(
        f"{world.term_name}: Je biedt 1 plaats aan: 0 zijn ingenomen door stagiairs die je aanvaardde, 1 is nog vrij."
    )

    # The one place goes to Sara.
    open_sara(page)
    accept = accept_group(page)
    expect(accept).to_contain_text(
        "Je biedt 1 plaats aan: 0 zijn ingenomen door stagiairs die je aanvaardde, 1 is nog vrij."
    )
    period_box(page, 1).check()
    accept.get_by_label("Stagementor").select_option(label="Lies Claes")
    accept.get_by_role("button", name="Aanvaarden", exact=True).click()
    expect_message(page, "Aanvaard: periode 1.")
    open_menu(page, "Stageaanvragen")
    expect(capacity_summary(page, world.term_name)).to_have_text(
        f"{world.term_name}: Je enige plaats is ingenomen: je biedt 1 plaats aan en aanvaardde 1 stagiair. Wie je toch aanvaardt, komt boven je aanbod: "
        "de tool vraagt je dat eerst te bevestigen."
    )

    # Tom would be one more than offered: the service confirms it on purpose.
    page.get_by_role("link", name="Tom Janssens").click()
    accept = accept_group(page)
    expect(accept).to_contain_text(
        "Je enige plaats is ingenomen: je biedt 1 plaats aan en aanvaardde 1 stagiair."
    )
    period_box(page, 1).check()
    accept.get_by_label("Stagementor").select_option(label="Lies Claes")
    accept.get_by_role("button", name="Aanvaarden", exact=True).click()
    confirm = accept_group(page).get_by_label(
        "Ik aanvaard toch, boven de aangeboden capaciteit."
    )
    expect(confirm).to_have_accessible_description(
        re.compile(
            r"Je aangeboden capaciteit \(1\) is bereikt\. Bevestig dat je toch aanvaardt\."
        )
    )
    expect(page.get_by_role("heading", name="Aanvaard door jouw dienst")).to_have_count(
        0
    )
    expect(period_box(page, 1)).to_be_checked()
    confirm.check()
    accept_group(page).get_by_role("button", name="Aanvaarden", exact=True).click()
    expect_message(page, "Aanvaard: periode 1.")

    open_menu(page, "Capaciteit")
    expect(capacity_row(page, world.term_name)).to_have_text(
        [
            world.term_name,
            "1",
            "2",
            "Je aanvaardde 2 stagiairs, meer dan de 1 plaats die je aanbiedt: "
            "je zit 1 boven je aanbod.",
        ]
    )


def test_a_second_period_of_our_own_trainee_takes_no_extra_place(
    page, live_server, seed
):
    world = antwerp_with_sara(seed, placed_with_linde=True)
    seed(lambda: _offer_places(world.linde_id, world.term_name, 1))

    log_in(page, LINDE)
    open_sara(page)
    accept = accept_group(page)
    expect(accept).to_contain_text(
        "Je enige plaats is ingenomen: je biedt 1 plaats aan en aanvaardde 1 stagiair."
    )
    period_box(page, 2).check()
    accept.get_by_label("Stagementor").select_option(label="Lies Claes")
    accept.get_by_role("button", name="Aanvaarden", exact=True).click()
    # Sara already counts as our trainee: period 2 does not exceed the offered places.
    expect_message(page, "Aanvaard: periode 2.")
    open_menu(page, "Stageaanvragen")
    expect(capacity_summary(page, world.term_name)).to_have_text(
        f"{world.term_name}: Je enige plaats is ingenomen: je biedt 1 plaats aan en aanvaardde 1 stagiair. Wie je toch aanvaardt, komt boven je aanbod: "
        "de tool vraagt je dat eerst te bevestigen."
    )


def test_each_withdraw_button_says_which_acceptance_it_withdraws(
    page, live_server, seed
):
    antwerp_with_sara(seed, placed_with_linde=True)

    log_in(page, LINDE)
    open_menu(page, "Mijn stagiairs")
    # In a list of trainees a screen reader user hears the button names without the rows,
    # as the mentors page does with "Verwijderen <naam>".
    expect(
        page.get_by_role(
            "button", name=re.compile(r"Aanvaarding intrekken.*Sara Peeters")
        )
    ).to_be_visible()


def capacity_row(page: Page, term_name: str):
    return page.get_by_role("row").filter(has_text=term_name).get_by_role("cell")


def capacity_summary(page: Page, term_name: str):
    return page.get_by_role("listitem").filter(has_text=f"{term_name}: ")


def _offer_places(service_id: int, term_name: str, places: int):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ServiceCapacity, Term

    term = db.session.scalar(select(Term).where(Term.name == term_name))
    db.session.add(
        ServiceCapacity(care_service_id=service_id, term_id=term.id, places=places)
    )
