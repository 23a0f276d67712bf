"""A care service answers VIVO's allocation proposal through the browser (issue 13, ALLOC-3).

After the results moment VIVO sent WZC De Linde two trainees who had no place: the service
accepts Sara with a mentor it adds on the spot (all her periods; then her contact data and
"Mijn stagiairs"), and declines Tom with a reason; the school hears of both.
"""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.models import AllocationLine, AllocationRun, utcnow
from tests.e2e.a11y import check, report
from tests.e2e.test_service_flow import (
    COORDINATOR,
    LINDE,
    SARA_PHONE_SHOWN,
    SARA_STREET,
    expect_message,
    log_in,
    open_menu,
    row_of,
)
from tests.factories import (
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
)


def proposal_to_linde(seed) -> dict:
    """A term past its results moment; a sent run proposing Sara (two periods) and Tom to
    WZC De Linde, to answer within 4 days."""

    def build():
        now = utcnow()
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term(
            intake_open=False,
            intake_opens_at=now - timedelta(days=60),
            intake_closes_at=now - timedelta(days=40),
            results_at=now - timedelta(days=20),
        )
        supervisor = make_supervisor(school, name="An Begeleider")
        linde = make_service("ANT", name="WZC De Linde", city="Antwerpen")
        make_user("service", organisation=linde, email=LINDE)
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
        )
        tom = make_student(
            school=school,
            term=term,
            supervisor=supervisor,
            first_name="Tom",
            last_name="Janssens",
            postcode="2600",
            city="Berchem",
        )
        run = AllocationRun(
            term_id=term.id,
            sent_at=now - timedelta(hours=1),
            answer_by=now + timedelta(days=4, hours=1),
            lines=[
                AllocationLine(
                    rank=1,
                    student_id=sara.id,
                    care_service_id=linde.id,
                    distance_km=2.4,
                ),
                AllocationLine(
                    rank=2, student_id=tom.id, care_service_id=linde.id, distance_km=5.0
                ),
            ],
        )
        from app.extensions import db

        db.session.add(run)
        return {
            "periods": [
                f"{p.start_date:%d/%m/%Y} – {p.end_date:%d/%m/%Y}"
                for p in sorted(sara.periods, key=lambda p: p.number)
            ]
        }

    return seed(build)


def test_a_service_accepts_one_proposed_trainee_with_a_new_mentor_and_declines_another(
    page: Page, live_server, seed, mailbox
):
    world = proposal_to_linde(seed)
    log_in(page, LINDE)
    axe: dict = {}

    # 1. "Voorstellen" lists both, with the distance and the deadline, without contact data.
    open_menu(page, "Voorstellen")
    expect(page.get_by_role("heading", name="Voorstellen", level=1)).to_be_visible()
    expect(page.get_by_text("2 voorstellen wachten op je antwoord")).to_be_visible()
    sara = row_of(page, "Sara Peeters")
    expect(sara).to_contain_text("2,4 km")
    expect(sara).to_contain_text("nog 4 dagen")
    expect(sara).to_contain_text("CVO Antwerpen")
    assert SARA_STREET not in page.content()
    check(page, "Voorstellen", axe)

    # 2. Accept Sara for both her periods, adding the mentor who is not in the list yet.
    page.get_by_role("link", name="Sara Peeters").click()
    expect(page.get_by_role("heading", name="Sara Peeters", level=1)).to_be_visible()
    accept = page.get_by_role("group", name="Student aanvaarden")
    for period in world["periods"]:
        expect(accept).to_contain_text(period)
    check(page, "Voorstel", axe)
    accept.get_by_text("Stagementor staat niet in de lijst?").click()
    accept.get_by_label("Naam").fill("Lies Claes")
    accept.get_by_label("Telefoon").fill("03 218 50 00")
    accept.get_by_label("E-mail").fill("lies.claes@delinde.example")
    accept.get_by_role("button", name="Stagementor toevoegen").click()
    expect_message(page, "Stagementor Lies Claes toegevoegd en gekozen.")
    accept = page.get_by_role("group", name="Student aanvaarden")
    expect(accept.get_by_label("Stagementor")).to_have_value(re.compile(r"^\d+$"))
    accept.get_by_label("Notities voor de school").fill("Eerste dag om 8 uur.")
    accept.get_by_role("button", name="Aanvaarden", exact=True).click()

    expect_message(page, "Aanvaard: periode 1, periode 2.")
    expect(
        page.get_by_role("heading", name="Aanvaard door jouw dienst")
    ).to_be_visible()
    expect(page.get_by_text(SARA_PHONE_SHOWN)).to_be_visible()
    open_menu(page, "Mijn stagiairs")
    expect(row_of(page, "Sara Peeters")).to_have_count(2)  # one row per period
    mail = mailbox.wait_for(COORDINATOR, subject="aanvaard")
    assert "Sara Peeters werd aanvaard door WZC De Linde" in mail.subject

    # 3. Decline Tom; without a reason first, told next to the field.
    open_menu(page, "Voorstellen")
    expect(page.get_by_text("1 voorstel wacht op je antwoord")).to_be_visible()
    page.get_by_role("link", name="Tom Janssens").click()
    decline = page.get_by_role("group", name="Voorstel weigeren")
    decline.get_by_role("button", name="Weigeren").click()
    reason = page.get_by_role("group", name="Voorstel weigeren").get_by_label("Reden")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(re.compile("Geef een reden op."))
    check(page, "Voorstel weigeren zonder reden", axe)
    reason.fill("Geen plaats op de afdeling.")
    page.get_by_role("group", name="Voorstel weigeren").get_by_role(
        "button", name="Weigeren"
    ).click()

    expect_message(
        page, "Je weigerde de aanvraag van Tom Janssens. De school ziet je reden."
    )
    expect(page.get_by_text("Er wacht geen voorstel op je antwoord.")).to_be_visible()
    tom = row_of(page, "Tom Janssens")
    expect(tom).to_contain_text("Geweigerd op")
    expect(tom).to_contain_text("Geen plaats op de afdeling.")
    expect(row_of(page, "Sara Peeters")).to_contain_text("Aanvaard op")
    mail = mailbox.wait_for(COORDINATOR, subject="niet aanvaarden")
    assert "Reden: Geen plaats op de afdeling." in mail.body
    check(page, "Voorstellen beantwoord", axe)
    assert not axe, report(axe)
