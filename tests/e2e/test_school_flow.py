"""The school coordinator's flows through the browser (manual sections 3, 4 and 5).

A coordinator enters the school's supervisors, then the internship requests of its
students, follows them in the overview, changes, stops or deletes a request, and sees
what a care service decided once a student is accepted.
"""

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

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
SARA_NN = valid_national_number(date(1990, 5, 17), 123)
TOM_NN = valid_national_number(date(2001, 3, 9), 45)


# --- helpers ----------------------------------------------------------------------------


def a_coordinator(seed, *supervisors: str):
    """An activated coordinator of CVO Antwerpen, an open term and these supervisors."""

    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        for name in supervisors:
            make_supervisor(school, name=name)
        return make_term()

    return seed(build)


def log_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(COORDINATOR)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def open_menu(page: Page, item: str) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name=item
    ).click()


def remember_this_page(page: Page) -> None:
    """Mark the loaded document; a full reload would lose the mark."""
    page.evaluate("window.__sameDocument = true")


def expect_same_page(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def expect_message(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def supervisor_row(page: Page, name: str):
    return page.get_by_role("row").filter(has_text=name)


def student_row(page: Page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name))


def add_supervisor(page: Page, name: str, phone: str, email: str) -> None:
    """Fill 'Stage-/werkplekbegeleider toevoegen' on the supervisors page and submit it."""
    form = page.get_by_role("group", name="Stage-/werkplekbegeleider toevoegen")
    form.get_by_label("Naam").fill(name)
    form.get_by_label("Telefoon").fill(phone)
    form.get_by_label("E-mail").fill(email)
    form.get_by_role("button", name="Stage-/werkplekbegeleider toevoegen").click()


def fill_student(
    page: Page, first: str, last: str, national_number: str, street: str, postcode: str
) -> None:
    """GEGEVENS STUDENT and VERBLIJFADRES up to the postcode (which suggests the province)."""
    page.get_by_label("Voornaam").fill(first)
    page.get_by_label("Achternaam").fill(last)
    page.get_by_label("Rijksregisternummer").fill(national_number)
    address = page.get_by_role("group", name="Verblijfadres")
    address.get_by_label("Straat").fill(street)
    address.get_by_label("Postcode").fill(postcode)


def fill_contact(page: Page, city: str, phone: str, email: str) -> None:
    """The rest of VERBLIJFADRES: Plaats, Telefoon, E-mail (the student's, not a supervisor's)."""
    address = page.get_by_role("group", name="Verblijfadres")
    address.get_by_label("Plaats").fill(city)
    address.get_by_label("Telefoon").fill(phone)
    address.get_by_label("E-mail").fill(email)


def fill_period(page: Page, number: int, start: date, end: date) -> None:
    page.get_by_label(f"Startdatum periode {number}").fill(start.isoformat())
    page.get_by_label(f"Einddatum periode {number}").fill(end.isoformat())


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


# --- 3. supervisors ---------------------------------------------------------------------


def test_coordinator_adds_and_edits_supervisors_inline(page, seed):
    a_coordinator(seed)
    log_in(page)
    open_menu(page, "Stage-/werkplekbegeleiders")
    expect(
        page.get_by_role("heading", name="Stage-/werkplekbegeleiders")
    ).to_be_visible()
    expect(page.get_by_text("Nog geen stage-/werkplekbegeleiders.")).to_be_visible()
    remember_this_page(page)

    # A phone number that is no phone number: the message stands next to the field,
    # and what was typed is still there.
    add_supervisor(page, "An Peeters", "12345", "an.peeters@cvo.example")
    form = page.get_by_role("group", name="Stage-/werkplekbegeleider toevoegen")
    phone = form.get_by_label("Telefoon")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(
        re.compile("Geef een geldig telefoonnummer in, bv. 03 212 34 56")
    )
    expect(form.get_by_label("Naam")).to_have_value("An Peeters")
    expect(form.get_by_label("E-mail")).to_have_value("an.peeters@cvo.example")
    expect(page.get_by_text("Nog geen stage-/werkplekbegeleiders.")).to_be_visible()

    # Corrected, the supervisor appears in the table; the form is empty for the next one.
    phone.fill("03 212 34 56")
    form.get_by_role("button", name="Stage-/werkplekbegeleider toevoegen").click()
    expect_message(page, "Stage-/werkplekbegeleider An Peeters toegevoegd.")
    an = supervisor_row(page, "An Peeters")
    expect(an).to_contain_text("03 212 34 56")
    expect(an).to_contain_text("an.peeters@cvo.example")
    expect(form.get_by_label("Naam")).to_have_value("")
    expect(form.get_by_label("Telefoon")).not_to_have_attribute("aria-invalid", "true")

    add_supervisor(page, "Bert Claes", "0470 12 34 56", "bert.claes@cvo.example")
    expect_message(page, "Stage-/werkplekbegeleider Bert Claes toegevoegd.")
    expect(supervisor_row(page, "Bert Claes")).to_contain_text("0470 12 34 56")
    expect(supervisor_row(page, "An Peeters")).to_be_visible()
    expect_same_page(page)

    # Edit An inline: her row turns into a form, "Opslaan" turns it back into a row.
    supervisor_row(page, "An Peeters").get_by_role("button", name="Bewerken").click()
    editing = page.get_by_role("row").filter(
        has=page.get_by_role("button", name="Opslaan")
    )
    expect(editing.get_by_label("Naam")).to_have_value("An Peeters")
    editing.get_by_label("Telefoon").fill("03 299 88 77")
    editing.get_by_label("E-mail").fill("an@cvo.example")
    editing.get_by_role("button", name="Opslaan").click()
    expect(editing).to_have_count(0)
    an = supervisor_row(page, "An Peeters")
    expect(an).to_contain_text("03 299 88 77")
    expect(an).to_contain_text("an@cvo.example")
    expect(supervisor_row(page, "Bert Claes")).to_contain_text("bert.claes@cvo.example")
    expect_same_page(page)

    # Stored: after a reload the table shows the same.
    page.reload()
    expect(supervisor_row(page, "An Peeters")).to_contain_text("03 299 88 77")
    expect(page.get_by_role("row")).to_have_count(3)  # header + two supervisors


# --- 4. entering requests ---------------------------------------------------------------


def test_coordinator_enters_two_students_one_after_the_other(page, seed):
    term = a_coordinator(seed, "An Peeters", "Bert Claes")
    start = term.internship_start
    log_in(page)
    open_menu(page, "Stageaanvraag ingeven")
    expect(page.get_by_role("heading", name="Stageaanvraag ingeven")).to_be_visible()
    span = f"({day(term.internship_start)} – {day(term.internship_end)})"
    expect(page.get_by_text(span)).to_be_visible()

    # GEGEVENS STUDENT and VERBLIJFADRES. Typing the postcode suggests its province; the
    # province was still empty, so it is chosen. (Checked while the cursor is still in
    # the postcode field: leaving it asks for the hint a second time.)
    fill_student(page, "Sara", "Janssens", SARA_NN, "Kerkstraat 1", "2000")
    province = page.get_by_label("Provincie")
    expect(province).to_have_value("ANT")
    expect(page.get_by_text("Postcode 2000 hoort bij Antwerpen.")).to_be_visible()
    expect(province).to_have_accessible_description(
        re.compile("niet noodzakelijk waar hij of zij woont")
    )
    fill_contact(page, "Antwerpen", "0470 12 34 56", "sara@mail.example")

    page.get_by_label("Fiets", exact=True).check()
    page.get_by_label("Openbaar vervoer").check()

    # GEGEVENS STAGE: blok in two periods; the second period appears with "2 periodes".
    page.get_by_label("Stage-/werkplekbegeleider").select_option(label="An Peeters")
    page.get_by_label("Stagevorm").select_option(label="blok")
    periods = page.get_by_label("Aantal periodes")
    period_2_start = page.get_by_label("Startdatum periode 2")
    expect(period_2_start).to_be_hidden()
    periods.select_option(label="2 periodes")
    expect(period_2_start).to_be_visible()
    expect(page.get_by_label("Startdatum periode 3")).to_be_hidden()
    periods.select_option(label="1 periode")
    expect(period_2_start).to_be_hidden()
    periods.select_option(label="2 periodes")
    expect(period_2_start).to_be_visible()
    fill_period(page, 1, start, start + timedelta(days=20))
    fill_period(page, 2, start + timedelta(days=30), start + timedelta(days=50))
    page.get_by_label("Totaal aantal uren").fill("240")

    # "Aantal uren/week" forgotten: required for blok, the message stands next to it.
    page.get_by_role("button", name="Opslaan en volgende").click()
    expect(page.get_by_role("alert")).to_contain_text("Niet opgeslagen")
    hours = page.get_by_label("Aantal uren/week")
    expect(hours).to_have_attribute("aria-invalid", "true")
    expect(hours).to_have_accessible_description(
        re.compile("Vul het aantal uren per week in: verplicht bij blok")
    )
    # Everything typed is still there.
    expect(page.get_by_label("Voornaam")).to_have_value("Sara")
    expect(page.get_by_label("Achternaam")).to_have_value("Janssens")
    expect(page.get_by_label("Straat")).to_have_value("Kerkstraat 1")
    expect(page.get_by_label("Postcode")).to_have_value("2000")
    expect(province).to_have_value("ANT")
    expect(page.get_by_label("Fiets", exact=True)).to_be_checked()
    expect(page.get_by_label("Openbaar vervoer")).to_be_checked()
    expect(page.get_by_label("Auto")).not_to_be_checked()
    expect(page.get_by_label("Stagevorm")).to_have_value("blok")
    expect(periods).to_have_value("2")
    expect(period_2_start).to_be_visible()
    expect(period_2_start).to_have_value((start + timedelta(days=30)).isoformat())
    expect(page.get_by_label("Einddatum periode 1")).to_have_value(
        (start + timedelta(days=20)).isoformat()
    )
    expect(page.get_by_label("Totaal aantal uren")).to_have_value("240")

    hours.fill("30")
    page.get_by_role("button", name="Opslaan en volgende").click()
    expect_message(page, "Stageaanvraag van Sara Janssens opgeslagen.")
    expect(page.get_by_role("heading", name="Stageaanvraag ingeven")).to_be_visible()
    expect(page.get_by_label("Voornaam")).to_have_value("")
    expect(page.get_by_label("Achternaam")).to_have_value("")
    expect(page.get_by_label("Startdatum periode 1")).to_have_value("")
    expect(page.get_by_label("Aantal periodes")).to_have_value("1")

    # A second student, alternerend in one period, then "Opslaan en sluiten".
    fill_student(page, "Tom", "Peeters", TOM_NN, "Markt 5", "3500")
    expect(page.get_by_label("Provincie")).to_have_value("LIM")
    expect(page.get_by_text("Postcode 3500 hoort bij Limburg.")).to_be_visible()
    fill_contact(page, "Hasselt", "011 22 33 44", "tom@mail.example")
    page.get_by_label("Auto").check()
    page.get_by_label("Stage-/werkplekbegeleider").select_option(label="Bert Claes")
    page.get_by_label("Stagevorm").select_option(label="alternerend")
    fill_period(page, 1, start, start + timedelta(days=60))
    page.get_by_label("Totaal aantal uren").fill("120")
    page.get_by_role("button", name="Opslaan en sluiten").click()

    expect(
        page.get_by_role("heading", name="Overzicht van de stageaanvragen")
    ).to_be_visible()
    expect_message(page, "Stageaanvraag van Tom Peeters opgeslagen.")
    expect(page.get_by_text("2 studenten")).to_be_visible()
    expect(student_row(page, "Janssens, Sara")).to_contain_text(
        f"{day(start + timedelta(days=30))} – {day(start + timedelta(days=50))}"
    )
    expect(student_row(page, "Peeters, Tom")).to_contain_text(
        f"{day(start)} – {day(start + timedelta(days=60))}"
    )


def test_missing_supervisor_is_added_from_the_student_form(page, seed):
    term = a_coordinator(seed, "An Peeters")
    start = term.internship_start
    log_in(page)
    open_menu(page, "Stageaanvraag ingeven")

    fill_student(page, "Sara", "Janssens", SARA_NN, "Kerkstraat 1", "2000")
    expect(page.get_by_label("Provincie")).to_have_value("ANT")
    fill_contact(page, "Antwerpen", "0470 12 34 56", "sara@mail.example")
    page.get_by_label("Fiets", exact=True).check()
    page.get_by_label("Stagevorm").select_option(label="blok")
    page.get_by_label("Aantal periodes").select_option(label="2 periodes")
    page.get_by_label("Startdatum periode 1").fill(start.isoformat())
    page.get_by_label("Aantal uren/week").fill("30")

    # The supervisor is not in the list: add him right here.
    supervisors = page.get_by_label("Stage-/werkplekbegeleider")
    expect(supervisors.get_by_role("option", name="Bert Claes")).to_have_count(0)
    page.get_by_text("Stage-/werkplekbegeleider staat niet in de lijst?").click()
    internship = page.get_by_role("group", name="Gegevens stage")
    internship.get_by_role("textbox", name="Naam", exact=True).fill("Bert Claes")
    internship.get_by_label("Telefoon").fill("0470 98 76 54")
    internship.get_by_label("E-mail").fill("bert.claes@cvo.example")
    internship.get_by_role("button", name="Stage-/werkplekbegeleider toevoegen").click()

    # The page comes back with the new supervisor chosen and the student as typed.
    expect_message(page, "Stage-/werkplekbegeleider Bert Claes toegevoegd en gekozen.")
    expect(
        supervisors.get_by_role("option", name="Bert Claes", selected=True)
    ).to_have_count(1)
    expect(page.get_by_label("Voornaam")).to_have_value("Sara")
    expect(page.get_by_label("Achternaam")).to_have_value("Janssens")
    expect(page.get_by_label("Straat")).to_have_value("Kerkstraat 1")
    expect(page.get_by_label("Plaats")).to_have_value("Antwerpen")
    expect(page.get_by_label("Provincie")).to_have_value("ANT")
    expect(page.get_by_label("Fiets", exact=True)).to_be_checked()
    expect(page.get_by_label("Stagevorm")).to_have_value("blok")
    expect(page.get_by_label("Aantal periodes")).to_have_value("2")
    expect(page.get_by_label("Startdatum periode 1")).to_have_value(start.isoformat())
    expect(page.get_by_label("Aantal uren/week")).to_have_value("30")
    expect(page.get_by_role("alert")).to_have_count(
        0
    )  # no errors for the unfinished request

    # The request can be finished and saved with him.
    page.get_by_label("Einddatum periode 1").fill(
        (start + timedelta(days=20)).isoformat()
    )
    fill_period(page, 2, start + timedelta(days=30), start + timedelta(days=50))
    page.get_by_label("Totaal aantal uren").fill("240")
    page.get_by_role("button", name="Opslaan en sluiten").click()
    expect_message(page, "Stageaanvraag van Sara Janssens opgeslagen.")
    page.get_by_role("link", name="Janssens, Sara").click()
    expect(page.get_by_role("definition").filter(has_text="Bert Claes")).to_be_visible()


# --- 5. the overview --------------------------------------------------------------------


def test_coordinator_searches_edits_stops_and_deletes_in_the_overview(page, seed):
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term()
        an = make_supervisor(school, name="An Peeters")
        for first, last in [("Sara", "Janssens"), ("Tom", "Peeters"), ("Lies", "Maes")]:
            make_student(school, term, an, first_name=first, last_name=last)

    seed(build)
    log_in(page)
    open_menu(page, "Overzicht stageaanvragen")
    expect(
        page.get_by_role("heading", name="Overzicht van de stageaanvragen")
    ).to_be_visible()
    expect(page.get_by_text("3 studenten")).to_be_visible()

    # Searching by name narrows the table in place.
    remember_this_page(page)
    page.get_by_label("Zoek op naam").fill("jans")
    expect(student_row(page, "Peeters, Tom")).to_have_count(0)
    expect(student_row(page, "Maes, Lies")).to_have_count(0)
    expect(student_row(page, "Janssens, Sara")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\b1 student\b"))).to_be_visible()
    expect_same_page(page)
    page.get_by_label("Zoek op naam").fill("xyz")
    expect(page.get_by_text("Geen studenten gevonden voor ‘xyz’.")).to_be_visible()
    page.get_by_label("Zoek op naam").fill("jans")

    # Open Sara, edit her last name.
    page.get_by_role("link", name="Janssens, Sara").click()
    expect(page.get_by_role("heading", name="Sara Janssens")).to_be_visible()
    page.get_by_role("button", name="Bewerken").click()
    expect(page.get_by_role("heading", name="Stageaanvraag bewerken")).to_be_visible()
    expect(page.get_by_label("Voornaam")).to_have_value("Sara")
    expect(page.get_by_role("button", name="Opslaan en volgende")).to_have_count(0)
    page.get_by_label("Achternaam").fill("Janssens-Claes")
    page.get_by_role("button", name="Opslaan en sluiten").click()
    expect(
        page.get_by_role("heading", name="Overzicht van de stageaanvragen")
    ).to_be_visible()
    expect_message(page, "Stageaanvraag van Sara Janssens-Claes opgeslagen.")
    expect(student_row(page, "Janssens-Claes, Sara")).to_be_visible()
    expect(page.get_by_text("3 studenten")).to_be_visible()

    # Tom quit the course: "Student is gestopt" from the edit screen, with a date.
    page.get_by_role("link", name="Peeters, Tom").click()
    page.get_by_role("button", name="Bewerken").click()
    page.get_by_role("button", name="Student is gestopt").click()
    expect(page.get_by_role("heading", name="Tom Peeters stopzetten?")).to_be_visible()
    stopped_on = date.today() - timedelta(days=1)
    page.get_by_label("Gestopt op").fill(stopped_on.isoformat())
    page.get_by_label("Reden").fill("Werk gevonden")
    page.get_by_role("button", name="Markeer als gestopt").click()
    expect_message(page, "Tom Peeters is gemarkeerd als gestopt.")
    expect(student_row(page, "Peeters, Tom")).to_contain_text("gestopt")
    expect(student_row(page, "Janssens-Claes, Sara")).not_to_contain_text("gestopt")
    page.get_by_role("link", name="Peeters, Tom").click()
    expect(page.get_by_text(f"gestopt op {day(stopped_on)}")).to_be_visible()
    page.get_by_role("link", name="Terug naar het overzicht").click()

    # Lies was added by mistake: "Verwijder student", confirm, and she is gone.
    page.get_by_role("link", name="Maes, Lies").click()
    page.get_by_role("button", name="Bewerken").click()
    page.get_by_role("button", name="Verwijder student").click()
    expect(
        page.get_by_role("heading", name="Stageaanvraag van Lies Maes verwijderen?")
    ).to_be_visible()
    page.get_by_role("button", name="Ja, verwijder de student").click()
    expect(
        page.get_by_role("heading", name="Overzicht van de stageaanvragen")
    ).to_be_visible()
    expect_message(page, "Stageaanvraag van Lies Maes verwijderd.")
    expect(student_row(page, "Maes, Lies")).to_have_count(0)
    expect(page.get_by_text("2 studenten")).to_be_visible()
    expect(student_row(page, "Peeters, Tom")).to_be_visible()


def test_supervisor_with_students_cannot_be_removed(page, seed):
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term()
        an = make_supervisor(school, name="An Peeters")
        make_supervisor(school, name="Bert Claes")
        make_student(school, term, an)
        make_student(school, term, an)

    seed(build)
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    log_in(page)
    open_menu(page, "Stage-/werkplekbegeleiders")

    an = supervisor_row(page, "An Peeters")
    an.get_by_role("button", name="Verwijderen").click()
    expect(an.get_by_role("alert")).to_contain_text(
        "An Peeters kan niet verwijderd worden: er zijn nog 2 studenten aan gekoppeld."
    )
    assert dialogs == ["Stage-/werkplekbegeleider An Peeters verwijderen?"]

    # A supervisor without students goes.
    supervisor_row(page, "Bert Claes").get_by_role("button", name="Verwijderen").click()
    expect_message(page, "Stage-/werkplekbegeleider Bert Claes verwijderd.")
    expect(supervisor_row(page, "Bert Claes")).to_have_count(0)

    page.reload()
    expect(supervisor_row(page, "An Peeters")).to_be_visible()
    expect(supervisor_row(page, "Bert Claes")).to_have_count(0)


def test_accepted_student_shows_the_placement_and_can_no_longer_be_changed(page, seed):
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term()
        student = make_student(
            school,
            term,
            make_supervisor(school, name="An Peeters"),
            periods=2,
            first_name="Sara",
            last_name="Janssens",
        )
        service = make_service("ANT", name="WZC De Linde", city="Mechelen")
        mentor = make_mentor(service, name="Mieke Mentor")
        make_placement(
            student, service, period_number=2, mentor=mentor, notes="Start om 7u30"
        )
        periods = {p.number: (p.start_date, p.end_date) for p in student.periods}
        return student.id, periods

    student_id, periods = seed(build)
    log_in(page)
    open_menu(page, "Overzicht stageaanvragen")

    row = student_row(page, "Janssens, Sara")
    expect(row).to_contain_text("aanvaard")
    expect(row).to_contain_text("(voorlopig)")
    expect(row).to_contain_text("WZC De Linde, Mechelen")
    approved_start, approved_end = periods[2]
    expect(row).to_contain_text(
        f"periode 2: {day(approved_start)} – {day(approved_end)}"
    )
    expect(row).not_to_contain_text(day(periods[1][0]))  # only the approved period
    expect(row).to_contain_text("Mieke Mentor")
    expect(row).to_contain_text("Start om 7u30")

    row.get_by_role("link", name="Janssens, Sara").click()
    expect(page.get_by_role("heading", name="Sara Janssens")).to_be_visible()
    locked = (
        "Deze student werd aanvaard door een dienst; "
        "de gegevens kunnen niet meer gewijzigd worden."
    )
    expect(page.get_by_text(locked)).to_be_visible()
    expect(page.get_by_role("button", name="Bewerken")).to_have_count(0)
    expect(page.get_by_role("button", name="Verwijder student")).to_have_count(0)
    expect(page.get_by_text("mentor: Mieke Mentor")).to_be_visible()

    # Typing the edit address leads back to the read-only page.
    page.goto(f"/studenten/{student_id}/bewerken")
    expect(page).to_have_url(re.compile(rf"/studenten/{student_id}$"))
    expect(page.get_by_role("heading", name="Sara Janssens")).to_be_visible()
    expect(page.get_by_text(locked)).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
