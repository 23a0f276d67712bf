"""VIVO runs the school year through the browser (R-TERM): terms and their windows, a new
school year, a late entry for one school, and a second round in which a care service of
another province accepts a student who was still unplaced."""

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from app.models import utcnow
from app.schedule.clock import school_year_label, school_year_of, to_local
from tests.e2e.test_school_flow import fill_contact, fill_period, fill_student
from tests.e2e.test_service_flow import (
    as_user,
    expect_message,
    log_in,
    new_page,
    open_menu,
    period_box,
    row_of,
)
from tests.factories import (
    make_mentor,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

ADMIN = "beheer@vivo.example"
COORDINATOR = "coordinator@cvo.example"
MAASLAND = "info@maasland.example"  # WZC Maasland, Limburg
SARA_NN = valid_national_number(date(1990, 5, 17), 123)


def local(moment) -> str:
    """A moment as typed into a datetime-local field (Brussels wall clock)."""
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def shown(moment) -> str:
    """A moment as the pages show it."""
    return to_local(moment).strftime("%d/%m/%Y %H:%M")


def test_admin_creates_a_term_with_its_windows_and_copies_the_school_year(
    page: Page, seed
):
    seed(lambda: make_user("admin", email=ADMIN))
    year = school_year_of(utcnow()) + 1
    log_in(page, ADMIN)
    open_menu(page, "Stageperiodes")
    page.get_by_role("button", name="Nieuwe stageperiode").click()
    expect(page.get_by_role("heading", name="Nieuwe stageperiode")).to_be_visible()

    page.get_by_label("Naam").fill(f"1 okt – 31 dec {year}")
    page.get_by_label("Schooljaar").select_option(label=school_year_label(year))
    page.get_by_label("Stage van").fill(f"{year}-10-01")
    page.get_by_label("Stage tot en met").fill(f"{year}-12-31")
    page.get_by_label("Ingave opent").fill(f"{year}-03-20T09:00")
    page.get_by_label("Ingave sluit").fill(f"{year}-09-05T12:00")
    page.get_by_label("Aanvragen zichtbaar voor diensten").fill(f"{year}-09-06T09:00")
    # Results before the intake closes: said next to the field, nothing saved.
    results = page.get_by_label("Resultaten definitief")
    results.fill(f"{year}-09-01T12:00")
    page.get_by_role("button", name="Opslaan").click()
    expect(results).to_have_attribute("aria-invalid", "true")
    expect(results).to_have_accessible_description(
        re.compile("De resultaten kunnen pas definitief worden nadat de ingave sluit.")
    )
    results.fill(f"{year}-09-30T12:00")
    page.get_by_role("button", name="Opslaan").click()

    expect_message(page, f"Stageperiode 1 okt – 31 dec {year} aangemaakt.")
    expect(page.get_by_role("heading", name=f"1 okt – 31 dec {year}")).to_be_visible()
    # Entered in Brussels time: winter and summer moments both read as typed.
    expect(page.get_by_role("row", name="Ingave stageaanvragen")).to_contain_text(
        f"20/03/{year} 09:00 – 05/09/{year} 12:00"
    )
    expect(page.get_by_role("row", name="Zichtbaar voor diensten")).to_contain_text(
        f"06/09/{year} 09:00"
    )
    expect(page.get_by_role("row", name="Resultaten definitief")).to_contain_text(
        f"30/09/{year} 12:00"
    )

    # Nieuw schooljaar: every term a year later, then adjust.
    open_menu(page, "Stageperiodes")
    page.get_by_label("Schooljaar om te kopiëren").select_option(
        label=school_year_label(year)
    )
    page.get_by_role("button", name="Kopieer naar het volgende schooljaar").click()
    expect_message(
        page, f"1 stageperiodes gekopieerd naar {school_year_label(year + 1)}."
    )
    copied = page.get_by_role(
        "region", name=f"Schooljaar {school_year_label(year + 1)}"
    )
    row = copied.get_by_role("row").filter(
        has=page.get_by_role("link", name=f"1 okt – 31 dec {year + 1}")
    )
    expect(row).to_contain_text(f"01/10/{year + 1} – 31/12/{year + 1}")
    expect(row).to_contain_text(f"20/03/{year + 1} 09:00 – 05/09/{year + 1} 12:00")
    expect(row).to_contain_text(f"30/09/{year + 1} 12:00")

    # Copying again is refused: that school year has terms now.
    page.get_by_label("Schooljaar om te kopiëren").select_option(
        label=school_year_label(year)
    )
    page.get_by_role("button", name="Kopieer naar het volgende schooljaar").click()
    expect_message(
        page, f"Het schooljaar {school_year_label(year + 1)} heeft al stageperiodes"
    )

    # Adjust the copy: the form shows the moments as they were typed.
    row.get_by_role("link", name="Bewerken").click()
    expect(page.get_by_label("Ingave sluit")).to_have_value(f"{year + 1}-09-05T12:00")
    page.get_by_label("Ingave sluit").fill(f"{year + 1}-09-04T12:00")
    page.get_by_role("button", name="Opslaan").click()
    expect_message(page, f"Stageperiode 1 okt – 31 dec {year + 1} opgeslagen.")
    expect(page.get_by_role("row", name="Ingave stageaanvragen")).to_contain_text(
        f"04/09/{year + 1} 12:00"
    )


def test_a_late_entry_opens_the_intake_for_one_school(
    page: Page, browser, live_server, seed
):
    def build():
        make_user("admin", email=ADMIN)
        school = make_school("CVO Laat")
        make_user("school", organisation=school, email=COORDINATOR)
        make_supervisor(school, name="An Peeters")
        make_school("CVO Op Tijd")
        return make_term(intake_open=False, name="1 jan – 31 maart")

    term = seed(build)
    until = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)

    # The coordinator sees that nothing is open.
    coordinator = new_page(browser, live_server)
    log_in(coordinator, COORDINATOR)
    expect(coordinator.get_by_text("geen ingave van stageaanvragen.")).to_be_visible()

    log_in(page, ADMIN)
    open_menu(page, "Late ingave")
    page.get_by_role("button", name="Late ingave toekennen").click()
    page.get_by_label("School").select_option(label="CVO Laat")
    page.get_by_label("Stageperiode").select_option(
        label=f"1 jan – 31 maart ({school_year_label(term.school_year)})"
    )
    page.get_by_label("Ingave open tot").fill(local(until))
    page.get_by_label("Reden").fill("Coördinator was ziek")
    page.get_by_role("button", name="Toekennen", exact=True).click()
    expect_message(page, f"Late ingave voor CVO Laat open tot {shown(until)}.")
    granted = (
        page.get_by_role("table", name="Nu open")
        .get_by_role("row")
        .filter(has_text="CVO Laat")
    )
    expect(granted).to_contain_text("Coördinator was ziek")
    expect(granted).to_contain_text(ADMIN)

    # The school's banner now shows the term, and its form accepts a request.
    coordinator.reload()
    expect(
        coordinator.get_by_text(
            f"stageaanvragen ingeven voor 1 jan – 31 maart, tot {shown(until)}."
        )
    ).to_be_visible()
    open_menu(coordinator, "Stageaanvraag ingeven")
    expect(
        coordinator.get_by_text(
            f"VIVO opende de ingave voor je school tot {shown(until)}."
        )
    ).to_be_visible()
    fill_student(coordinator, "Sara", "Janssens", SARA_NN, "Kerkstraat 1", "2000")
    expect(coordinator.get_by_label("Provincie")).to_have_value("ANT")
    fill_contact(coordinator, "Antwerpen", "0470 12 34 56", "sara@mail.example")
    coordinator.get_by_label("Fiets", exact=True).check()
    coordinator.get_by_label("Stage-/werkplekbegeleider").select_option(
        label="An Peeters"
    )
    coordinator.get_by_label("Stagevorm").select_option(label="alternerend")
    fill_period(
        coordinator,
        1,
        term.internship_start,
        term.internship_start + timedelta(days=30),
    )
    coordinator.get_by_label("Totaal aantal uren").fill("120")
    coordinator.get_by_role("button", name="Opslaan en sluiten").click()
    expect_message(coordinator, "Stageaanvraag van Sara Janssens opgeslagen.")

    # Revoked: the school's intake is closed again.
    granted.get_by_role("button", name=re.compile("intrekken")).click()
    expect_message(page, "Late ingave ingetrokken.")
    expect(page.get_by_role("table", name="Voorbij of ingetrokken")).to_contain_text(
        "CVO Laat"
    )
    coordinator.reload()
    expect(coordinator.get_by_text("geen ingave van stageaanvragen.")).to_be_visible()
    coordinator.context.close()


def test_a_second_round_lets_a_service_of_another_province_accept(page: Page, seed):
    def build():
        make_user("admin", email=ADMIN)
        school = make_school("CVO Antwerpen")
        term = make_term(
            intake_open=False,
            name="1 okt – 31 dec",
            results_at=utcnow() - timedelta(days=1),
        )
        make_student(
            school=school,
            term=term,
            first_name="Sara",
            last_name="Peeters",
            province="ANT",
        )
        maasland = make_service("LIM", name="WZC Maasland", city="Hasselt")
        make_user("service", organisation=maasland, email=MAASLAND)
        make_mentor(maasland, name="Mia Mentor")
        return term

    term = seed(build)
    deadline = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)

    # Before the second round, Limburg does not see the Antwerp student.
    log_in(page, MAASLAND)
    open_menu(page, "Stageaanvragen")
    expect(page.get_by_role("link", name="Sara Peeters")).to_have_count(0)

    as_user(page, ADMIN)
    open_menu(page, "Stageperiodes")
    page.get_by_role("link", name=term.name, exact=True).click()
    expect(page.get_by_role("heading", name=term.name)).to_be_visible()
    page.get_by_label("Tweede ronde tot").fill(local(deadline))
    page.get_by_role("button", name="Tweede ronde openen").click()
    expect_message(page, f"Tweede ronde voor {term.name} open tot {shown(deadline)}.")
    expect(
        page.get_by_text(f"De tweede ronde loopt tot {shown(deadline)}")
    ).to_be_visible()

    as_user(page, MAASLAND)
    open_menu(page, "Stageaanvragen")
    sara = row_of(page, "Sara Peeters")
    expect(sara).to_contain_text("tweede ronde")
    sara.get_by_role("link", name="Sara Peeters").click()
    expect(page.get_by_role("heading", name="Sara Peeters", level=1)).to_be_visible()
    expect(page.get_by_text("tweede ronde", exact=True)).to_be_visible()
    period_box(page, 1).check()
    page.get_by_role("group", name="Student aanvaarden").get_by_label(
        "Stagementor"
    ).select_option(label="Mia Mentor")
    page.get_by_role("button", name="Aanvaarden", exact=True).click()
    expect_message(page, "Aanvaard: periode 1.")
