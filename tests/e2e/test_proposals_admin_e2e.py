"""VIVO places the leftovers of a term through the browser (issue 13, ALLOC-1/2): makes a
proposal, reads "Waarom?", removes a line and sends the proposal to the services."""

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Decline, utcnow
from app.schedule.clock import local_date
from tests.e2e.test_service_flow import expect_message, log_in, open_menu
from tests.factories import (
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
    valid_national_number,
)

ADMIN = "beheer@vivo.example"
SCHELDE = "info@schelde.example"
BERCHEM = "info@berchem.example"


def leftovers():
    """A term past its results: Ann and Bart (Antwerpen) unplaced; WZC Schelde in
    Antwerpen declined Bart before, WZC Berchem is the next one for both."""
    make_user("admin", email=ADMIN)
    term = make_term(
        intake_open=False, results_at=utcnow() - timedelta(hours=1), name="Najaar"
    )
    school = make_school(name="CVO Kempen")
    schelde = make_service(name="WZC Schelde", postcode="2000", capacity_default=2)
    berchem = make_service(name="WZC Berchem", postcode="2600", capacity_default=2)
    make_user("service", organisation=berchem, email=BERCHEM)
    make_user("service", organisation=schelde, email=SCHELDE)
    for serial, first in ((1, "Ann"), (2, "Bart")):
        make_student(
            school=school,
            term=term,
            first_name=first,
            last_name="Peeters",
            postcode="2000",
            preferred_service_id=schelde.id,
            national_number=valid_national_number(date(1995, 3, 4), serial),
        )
    return term.id


def test_admin_makes_explains_trims_and_sends_a_proposal(page: Page, seed, mailbox):
    def world():
        term_id = leftovers()
        from sqlalchemy import select

        from app.models import CareService, Student

        bart = db.session.scalar(select(Student).where(Student.first_name == "Bart"))
        schelde = db.session.scalar(
            select(CareService).where(CareService.name == "WZC Schelde")
        )
        db.session.add(
            Decline(student_id=bart.id, care_service_id=schelde.id, reason="Vol")
        )
        return term_id

    seed(world)
    log_in(page, ADMIN)
    open_menu(page, "Stageperiodes")
    page.get_by_role("link", name="Najaar", exact=True).click()
    page.get_by_role("link", name="Voorstel maken").click()
    expect(page.get_by_role("heading", name="Voorstel maken")).to_be_visible()
    expect(page.get_by_text("2 cursisten wachten op een stageplek.")).to_be_visible()

    page.get_by_label("Volgorde van de studenten").select_option(label="Loting")
    page.get_by_label("Startgetal van de loting").fill("7")
    page.get_by_label("Maximum km met de fiets").fill("20")
    page.get_by_role("button", name="Voorstel maken").click()

    expect_message(page, "Voorstel gemaakt.")
    expect(page.get_by_text("loting met startgetal 7")).to_be_visible()
    expect(
        page.get_by_role("img", name="Afstand tot de voorgestelde dienst")
    ).to_be_visible()
    expect(page.get_by_role("link", name="GeoNames")).to_be_visible()

    bart = page.get_by_role("row").filter(has_text="Bart Peeters")
    expect(bart.get_by_role("cell", name="WZC Berchem")).to_be_visible()
    bart.get_by_text("Waarom?").click()
    expect(bart.get_by_text("WZC Schelde")).to_be_visible()
    expect(bart.get_by_text("weigerde deze student eerder")).to_be_visible()

    ann = page.get_by_role("row").filter(has_text="Ann Peeters")
    expect(ann.get_by_role("cell", name="WZC Schelde")).to_be_visible()
    ann.get_by_role("button", name="Lijn verwijderen").click()
    expect_message(page, "Lijn verwijderd uit het voorstel.")
    expect(
        page.get_by_role("row").filter(has_text="Ann Peeters").get_by_text("verwijderd")
    ).to_be_visible()
    expect(page.get_by_text("1 lijn verwijderd")).to_be_visible()

    day = local_date(utcnow()) + timedelta(days=5)
    page.get_by_label("Antwoorden tot en met").fill(day.isoformat())
    page.get_by_role("button", name="Voorstel versturen").click()
    expect_message(page, "Voorstel verstuurd naar 1 dienst.")
    expect(page.get_by_text("Verstuurd op")).to_be_visible()
    expect(page.get_by_role("button", name="Lijn verwijderen")).to_have_count(0)
    expect(
        page.get_by_role("row")
        .filter(has_text="Bart Peeters")
        .get_by_text("wacht op antwoord")
    ).to_be_visible()
    mail = mailbox.wait_for(BERCHEM, "1 voorgestelde stagiair voor Najaar")
    assert "VIVO stelt WZC Berchem 1 stagiair voor" in mail.body
    # Ann's line was removed: WZC Schelde gets no proposal, so no mail.
    assert mailbox.to(SCHELDE) == []
