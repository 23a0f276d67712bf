"""The allocation proposal end to end in the browser (issue 13): VIVO makes and sends a
proposal for a term's leftovers; WZC Schelde accepts Ann with a mentor it adds on the spot;
WZC Berchem declines Bart with a reason; VIVO sees both answers on the proposal; the school
sees the placement and the decline in its overview; the next run does not propose WZC
Berchem to Bart again."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.models import utcnow
from app.schedule.clock import local_date
from tests.e2e.test_service_flow import as_user, expect_message, log_in, open_menu
from tests.factories import (
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)

ADMIN = "beheer@vivo.example"
SCHOOL = "secretariaat@leerrijk.example"
SCHELDE = "planning@schelde.example"
BERCHEM = "onthaal@berchem.example"
GENT = "info@wzcgent.example"
REASON = "Geen plaats op de afdeling in die weken."


def leftovers():
    """A term past its results moment: Ann and Bart (Antwerpen; Bart prefers WZC Berchem)
    and Dirk (Gent) have no place; three services with room, none with a stagementor."""
    now = utcnow()
    make_user("admin", email=ADMIN)
    term = make_term(
        intake_open=False,
        intake_opens_at=now - timedelta(days=60),
        intake_closes_at=now - timedelta(days=40),
        results_at=now - timedelta(days=20),
        name="Najaar",
    )
    school = make_school(name="CVO Leerrijk")
    make_user("school", organisation=school, email=SCHOOL)
    services = {}
    for email, province, name, postcode in (
        (SCHELDE, "ANT", "WZC Schelde", "2000"),
        (BERCHEM, "ANT", "WZC Berchem", "2600"),
        (GENT, "OVL", "WZC Gent", "9000"),
    ):
        services[name] = make_service(
            province, name=name, postcode=postcode, capacity_default=2
        )
        make_user("service", organisation=services[name], email=email)
    make_student(school, term, first_name="Ann", last_name="Peeters")
    make_student(
        school,
        term,
        first_name="Bart",
        last_name="Claes",
        preferred_service_id=services["WZC Berchem"].id,
    )
    make_student(
        school,
        term,
        first_name="Dirk",
        last_name="Maes",
        province="OVL",
        postcode="9000",
        city="Gent",
    )


def line(page: Page, name: str):
    """The proposal's table row of this student."""
    return page.get_by_role("row").filter(has_text=name)


def test_a_proposal_is_made_sent_accepted_and_declined_through_the_browser(
    page: Page, seed, mailbox
):
    seed(leftovers)

    # 1. VIVO makes the proposal from the term's page and sends it.
    log_in(page, ADMIN)
    open_menu(page, "Stageperiodes")
    page.get_by_role("link", name="Najaar", exact=True).click()
    page.get_by_role("link", name="Voorstel maken").click()
    expect(page.get_by_text("3 cursisten wachten op een stageplek.")).to_be_visible()
    page.get_by_role("button", name="Voorstel maken").click()
    expect_message(page, "Voorstel gemaakt.")
    expect(line(page, "Ann Peeters")).to_contain_text("WZC Schelde")
    expect(line(page, "Bart Claes")).to_contain_text("WZC Berchem")
    expect(line(page, "Dirk Maes")).to_contain_text("WZC Gent")
    day = local_date(utcnow()) + timedelta(days=7)
    page.get_by_label("Antwoorden tot en met").fill(day.isoformat())
    page.get_by_role("button", name="Voorstel versturen").click()
    expect_message(page, "Voorstel verstuurd naar 3 diensten.")
    proposal_url = page.url
    for email in (SCHELDE, BERCHEM, GENT):
        mail = mailbox.wait_for(email, "1 voorgestelde stagiair voor Najaar")
        assert "/dienst/voorstellen" in mail.body

    # 2. WZC Schelde finds "Voorstellen" in its menu and accepts Ann with a new mentor.
    as_user(page, SCHELDE)
    open_menu(page, "Voorstellen")
    expect(page.get_by_text("1 voorstel wacht op je antwoord")).to_be_visible()
    expect(page.get_by_role("link", name="Bart Claes")).to_have_count(0)
    page.get_by_role("link", name="Ann Peeters").click()
    accept = page.get_by_role("group", name="Student aanvaarden")
    accept.get_by_text("Stagementor staat niet in de lijst?").click()
    accept.get_by_label("Naam").fill("Lies Claes")
    accept.get_by_label("Telefoon").fill("03 218 50 00")
    accept.get_by_label("E-mail").fill("lies@schelde.example")
    accept.get_by_role("button", name="Stagementor toevoegen").click()
    expect_message(page, "Stagementor Lies Claes toegevoegd en gekozen.")
    accept = page.get_by_role("group", name="Student aanvaarden")
    accept.get_by_label("Notities voor de school").fill("Eerste dag om 8 uur.")
    accept.get_by_role("button", name="Aanvaarden", exact=True).click()
    expect_message(page, "Aanvaard: periode 1.")
    expect(
        page.get_by_role("heading", name="Aanvaard door jouw dienst")
    ).to_be_visible()
    open_menu(page, "Mijn stagiairs")
    expect(page.get_by_role("row").filter(has_text="Ann Peeters")).to_have_count(1)
    mail = mailbox.wait_for(SCHOOL, subject="aanvaard")
    assert "Ann Peeters werd aanvaard door WZC Schelde" in mail.subject

    # 3. WZC Berchem declines Bart with a reason.
    as_user(page, BERCHEM)
    open_menu(page, "Voorstellen")
    page.get_by_role("link", name="Bart Claes").click()
    decline = page.get_by_role("group", name="Voorstel weigeren")
    decline.get_by_label("Reden").fill(REASON)
    decline.get_by_role("button", name="Weigeren").click()
    expect_message(
        page, "Je weigerde de aanvraag van Bart Claes. De school ziet je reden."
    )
    expect(line(page, "Bart Claes")).to_contain_text("Geweigerd op")
    mail = mailbox.wait_for(SCHOOL, subject="niet aanvaarden")
    assert f"Reden: {REASON}" in mail.body

    # 4. VIVO sees the answers on the proposal; Dirk's line still waits for WZC Gent.
    as_user(page, ADMIN)
    open_menu(page, "Stageperiodes")
    page.get_by_role("link", name="Najaar", exact=True).click()
    page.get_by_role("link", name="Voorstel maken").click()
    expect(page.get_by_text("1 cursist wacht op een stageplek.")).to_be_visible()
    page.get_by_role("link", name="Voorstel van").click()
    assert page.url == proposal_url
    expect(line(page, "Ann Peeters").get_by_role("cell").last).to_have_text("aanvaard")
    expect(line(page, "Bart Claes").get_by_role("cell").last).to_have_text("geweigerd")
    expect(line(page, "Dirk Maes")).to_contain_text("wacht op antwoord")
    # The next run holds Bart only, not with WZC Berchem again, and says why.
    page.get_by_role("link", name="Terug naar de voorstellen van Najaar").click()
    page.get_by_role("button", name="Voorstel maken").click()
    expect_message(page, "Voorstel gemaakt.")
    expect(page.get_by_role("row").filter(has_text="Peeters")).to_have_count(0)
    bart = line(page, "Bart Claes")
    expect(bart.get_by_role("cell", name="WZC Schelde")).to_be_visible()
    bart.get_by_text("Waarom?").click()
    expect(bart.get_by_role("listitem")).to_contain_text(
        re.compile(r"WZC Berchem \(\d+,\d km\): weigerde deze student eerder")
    )

    # 5. The school sees the placement and the decline in its overview.
    as_user(page, SCHOOL)
    open_menu(page, "Overzicht stageaanvragen")
    ann = page.get_by_role("row").filter(has_text="Peeters, Ann")
    expect(ann).to_contain_text("aanvaard")
    expect(ann).to_contain_text("WZC Schelde")
    expect(ann).to_contain_text("Lies Claes")
    expect(ann).to_contain_text("Eerste dag om 8 uur.")
    bart = page.get_by_role("row").filter(has_text="Claes, Bart")
    expect(bart).to_contain_text(f"Geweigerd door WZC Berchem: {REASON}")
    expect(bart).not_to_contain_text("aanvaard")
