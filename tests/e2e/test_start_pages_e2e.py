"""The start pages through the browser: "where do I stand".

A coordinator logs in and sees, for the term whose intake is open, how many requests were
entered, accepted (voorlopig), are waiting, were declined or stopped; one click on a count
opens the overview filtered on that status. A care service logs in and sees how many requests
wait for its answer, and after its next login how many came in since the previous one.
"""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
)

COORDINATOR = "coordinator@cvo.example"
LINDE = "onthaal@delinde.example"
# The overview's status filter (the sort list offers "Status" too, as an option).
STATUS_FILTER = re.compile(r"^Status")


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Afmelden").click()
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()


def a_school_and_a_service(seed):
    """CVO Antwerpen in an open intake: Sara and Tom accepted by De Linde, Ilse declined,
    Jan waiting, Eva stopped."""

    def build():
        from app.models import Decline

        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term()
        supervisor = make_supervisor(school, name="An Begeleider")
        linde = make_service("ANT", name="WZC De Linde")
        make_user("service", organisation=linde, email=LINDE)
        students = {
            name: make_student(
                school, term, supervisor, first_name=name, last_name=last
            )
            for name, last in (
                ("Sara", "Peeters"),
                ("Tom", "Janssens"),
                ("Ilse", "Claes"),
                ("Jan", "Maes"),
                ("Eva", "Wouters"),
            )
        }
        for name in ("Sara", "Tom"):
            make_placement(students[name], linde)
        from app.extensions import db

        db.session.add(
            Decline(
                student_id=students["Ilse"].id,
                care_service_id=linde.id,
                reason="Geen plaats in december.",
            )
        )
        students["Eva"].stopped_on = term.internship_start - timedelta(days=30)
        return term

    return seed(build)


def test_a_coordinator_sees_the_counts_and_opens_the_filtered_overview(
    page: Page, seed
):
    term = a_school_and_a_service(seed)
    log_in(page, COORDINATOR)
    counts = page.get_by_role("list", name=f"Stageaanvragen van {term.name} per status")
    expect(counts.get_by_role("link", name="5 ingegeven")).to_be_visible()
    expect(counts.get_by_role("link", name="1 wacht op een dienst")).to_be_visible()
    expect(
        counts.get_by_role("link", name="1 geweigerd, nog zonder stageplek")
    ).to_be_visible()
    expect(counts.get_by_role("link", name="1 gestopt")).to_be_visible()
    expect(page.get_by_text("Nog 10 dagen:")).to_be_visible()

    counts.get_by_role("link", name="2 aanvaard, voorlopig").click()
    expect(
        page.get_by_role("heading", name="Overzicht van de stageaanvragen")
    ).to_be_visible()
    expect(page.get_by_label(STATUS_FILTER)).to_have_value("voorlopig")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # the header and Sara and Tom
    expect(page.get_by_role("link", name="Peeters, Sara")).to_be_visible()
    expect(page.get_by_role("link", name="Janssens, Tom")).to_be_visible()
    expect(page.get_by_role("link", name="Maes, Jan")).to_have_count(0)

    # The declined one, from the to-do list, with the service's reason.
    page.get_by_role("link", name="Start", exact=True).click()
    page.get_by_role(
        "link", name="1 cursist werd geweigerd en heeft nog geen stageplek"
    ).click()
    expect(page.get_by_label(STATUS_FILTER)).to_have_value("geweigerd")
    expect(page.get_by_role("link", name="Claes, Ilse")).to_be_visible()
    expect(page.get_by_text("Geen plaats in december.")).to_be_visible()
    expect(page.get_by_role("link", name="Peeters, Sara")).to_have_count(0)


def test_a_care_service_sees_its_new_requests(page: Page, seed):
    a_school_and_a_service(seed)
    log_in(page, LINDE)
    # The first login: every request it may answer is new to it: Jan (it declined Ilse,
    # Eva stopped, Sara and Tom it accepted).
    expect(page.get_by_text("1 stageaanvraag wacht op je antwoord.")).to_be_visible()
    log_out(page)

    def another_request():
        from sqlalchemy import select

        from app.extensions import db
        from app.models import School, Supervisor, Term

        term = db.session.scalars(select(Term)).first()
        cvo = db.session.scalars(select(School)).first()
        supervisor = db.session.scalars(select(Supervisor)).first()
        make_student(cvo, term, supervisor, first_name="Nora", last_name="Jacobs")

    seed(another_request)
    log_in(page, LINDE)
    expect(
        page.get_by_text("1 nieuwe stageaanvraag sinds je vorige login op")
    ).to_be_visible()
    page.get_by_role("link", name="Naar de stageaanvragen").click()
    expect(page.get_by_role("link", name="Nora Jacobs")).to_be_visible()
    expect(page.get_by_role("link", name="Jan Maes")).to_be_visible()
