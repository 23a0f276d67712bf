"""The long lists through the browser: "Mijn stagiairs" of a care service and a school's overview.

A care service with trainees in two terms picks the term in "Mijn stagiairs", sees only that
term's trainees, and pages on with the page links once a term holds more than 50 of them
(also with "Alle stageperiodes"). A coordinator with more than 50 requests in a term pages
the overview in place (htmx) and the browser's back and forward buttons land on the page,
sort and rows that were shown there.
"""

import re
from datetime import timedelta

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
)

COORDINATOR = "coordinator@cvo.example"
SERVICE = "onthaal@delinde.example"
PER_PAGE = 50


# --- helpers ----------------------------------------------------------------------------


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def open_menu(page: Page, item: str) -> None:
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name=item).click()
    expect(menu.get_by_role("link", name=item)).to_have_attribute(
        "aria-current", "page"
    )


def pager(page: Page):
    return page.get_by_role("navigation", name="Pagina's")


def go_to_page(page: Page, link: str) -> None:
    """Click a page link ("2", "Volgende", "Vorige") of the list's pager."""
    pager(page).get_by_role("link", name=link, exact=True).click()


def expect_current_page(page: Page, number: int) -> None:
    expect(pager(page).locator("[aria-current=page]")).to_have_text(str(number))


def row_of(page: Page, name: str):
    """The table row with a link named `name`."""
    return page.get_by_role("row").filter(
        has=page.get_by_role("link", name=name, exact=True)
    )


def student_rows(page: Page):
    """The rows of the list's table that name a student (a link each)."""
    return page.locator("table tbody tr").filter(has=page.get_by_role("link"))


def chosen_option(select) -> str:
    return select.evaluate("element => element.selectedOptions[0].textContent.trim()")


def remember_this_page(page: Page) -> None:
    """Mark the loaded document; a full reload would lose the mark."""
    page.evaluate("window.__sameDocument = true")


def expect_same_page(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def expect_whole_overview(page: Page) -> None:
    """The whole page, not only the table: heading, filters, menu."""
    expect(
        page.get_by_role("heading", name="Overzicht van de stageaanvragen")
    ).to_be_visible()
    expect(page.get_by_label("Zoek op naam")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()


# --- (a) Mijn stagiairs: one term at a time, 50 a page -----------------------------------


def service_with_trainees_in_two_terms(seed) -> dict:
    """WZC De Linde accepted 60 trainees in "Voorjaar" (the most recent internship span)
    and 3 in "Najaar", an earlier term whose results are final."""

    def build():
        school = make_school("CVO Antwerpen")
        supervisor = make_supervisor(school, name="An Begeleider")
        linde = make_service("ANT", name="WZC De Linde", city="Antwerpen")
        make_user("service", organisation=linde, email=SERVICE)
        mentor = make_mentor(linde, name="Lies Claes")
        spring = make_term(name="Voorjaar")
        autumn = make_term(
            now=spring.intake_opens_at - timedelta(days=120),
            intake_open=False,
            name="Najaar",
        )
        for term, last_name, count in ((spring, "Lente", 60), (autumn, "Herfst", 3)):
            for i in range(1, count + 1):
                student = make_student(
                    school,
                    term,
                    supervisor,
                    first_name="Sara",
                    last_name=f"{last_name}{i:02d}",
                )
                make_placement(student, service=linde, mentor=mentor)
        return {"spring": spring.id, "autumn": autumn.id}

    return seed(build)


def test_a_service_switches_the_term_in_my_trainees_and_pages_through_them(
    page: Page, seed
):
    terms = service_with_trainees_in_two_terms(seed)
    log_in(page, SERVICE)
    open_menu(page, "Mijn stagiairs")
    expect(page.get_by_role("heading", name="Mijn stagiairs", level=1)).to_be_visible()
    term_choice = page.get_by_label("Stageperiode")

    # The most recent term comes first: its first 50 trainees by name, no one of Najaar.
    assert chosen_option(term_choice) == "Voorjaar"
    expect(student_rows(page)).to_have_count(PER_PAGE)
    expect(row_of(page, "Sara Lente01")).to_be_visible()
    expect(row_of(page, "Sara Lente50")).to_be_visible()
    expect(row_of(page, "Sara Lente51")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Herfst"))).to_have_count(0)
    expect_current_page(page, 1)

    # Najaar: only its three trainees, on one page (no page links), final by now.
    term_choice.select_option(label="Najaar")
    page.get_by_role("button", name="Toon").click()
    expect(page).to_have_url(re.compile(rf"term={terms['autumn']}\b"))
    expect(student_rows(page)).to_have_count(3)
    for name in ("Sara Herfst01", "Sara Herfst02", "Sara Herfst03"):
        expect(row_of(page, name)).to_contain_text("definitief")
    expect(page.get_by_role("link", name=re.compile("Lente"))).to_have_count(0)
    expect(pager(page)).to_have_count(0)
    assert chosen_option(term_choice) == "Najaar"

    # Back to Voorjaar, then on to page 2 with the page links: the last ten, same term.
    term_choice.select_option(label="Voorjaar")
    page.get_by_role("button", name="Toon").click()
    expect(row_of(page, "Sara Lente01")).to_be_visible()
    go_to_page(page, "Volgende")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(rf"term={terms['spring']}\b"))
    expect_current_page(page, 2)
    expect(student_rows(page)).to_have_count(10)
    expect(row_of(page, "Sara Lente51")).to_be_visible()
    expect(row_of(page, "Sara Lente60")).to_be_visible()
    expect(row_of(page, "Sara Lente01")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Herfst"))).to_have_count(0)
    assert chosen_option(term_choice) == "Voorjaar"
    go_to_page(page, "Vorige")
    expect_current_page(page, 1)
    expect(row_of(page, "Sara Lente01")).to_be_visible()

    # Every term: 63 trainees, Najaar's internships first; the page links keep "every term".
    term_choice.select_option(label="Alle stageperiodes")
    page.get_by_role("button", name="Toon").click()
    expect(page).to_have_url(re.compile(r"term=alle"))
    expect(student_rows(page)).to_have_count(PER_PAGE)
    expect(row_of(page, "Sara Herfst01")).to_be_visible()
    expect(row_of(page, "Sara Lente47")).to_be_visible()
    expect(row_of(page, "Sara Lente48")).to_have_count(0)
    go_to_page(page, "2")
    expect(page).to_have_url(re.compile(r"term=alle"))
    expect_current_page(page, 2)
    expect(student_rows(page)).to_have_count(13)
    expect(row_of(page, "Sara Lente48")).to_be_visible()
    expect(row_of(page, "Sara Herfst01")).to_have_count(0)
    assert chosen_option(term_choice) == "Alle stageperiodes"


# --- (b) the school overview: page links in place, and the back button --------------------


def coordinator_with_sixty_requests(seed) -> None:
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term(name="Voorjaar")
        supervisor = make_supervisor(school, name="An Begeleider")
        for i in range(1, 61):
            make_student(
                school, term, supervisor, first_name="Sara", last_name=f"Cursist{i:02d}"
            )

    seed(build)


def test_a_coordinator_pages_the_overview_and_the_back_button_lands_on_the_right_page(
    page: Page, seed
):
    coordinator_with_sixty_requests(seed)
    log_in(page, COORDINATOR)
    open_menu(page, "Overzicht stageaanvragen")
    expect(page.get_by_text("60 studenten")).to_be_visible()
    expect(student_rows(page)).to_have_count(PER_PAGE)
    expect(row_of(page, "Cursist01, Sara")).to_be_visible()
    expect(row_of(page, "Cursist51, Sara")).to_have_count(0)
    expect_current_page(page, 1)

    # Page 2 through its link: the table is swapped in place and the address follows.
    remember_this_page(page)
    go_to_page(page, "2")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect_current_page(page, 2)
    expect(student_rows(page)).to_have_count(10)
    expect(row_of(page, "Cursist51, Sara")).to_be_visible()
    expect(row_of(page, "Cursist01, Sara")).to_have_count(0)
    expect_same_page(page)

    # "Vorige" back to page 1, in place as well.
    go_to_page(page, "Vorige")
    expect(page).to_have_url(re.compile(r"page=1"))
    expect_current_page(page, 1)
    expect(row_of(page, "Cursist01, Sara")).to_be_visible()
    expect_same_page(page)

    # The browser's back button: page 2 again, then the overview as first opened.
    page.go_back()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect_current_page(page, 2)
    expect(row_of(page, "Cursist51, Sara")).to_be_visible()
    expect(row_of(page, "Cursist01, Sara")).to_have_count(0)
    expect(page.get_by_text("60 studenten")).to_be_visible()
    expect_whole_overview(page)
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"page="))
    expect_current_page(page, 1)
    expect(row_of(page, "Cursist01, Sara")).to_be_visible()
    expect_whole_overview(page)
    page.go_forward()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect_current_page(page, 2)
    expect(row_of(page, "Cursist51, Sara")).to_be_visible()
    expect_whole_overview(page)

    # Sorted Z-A, the page links keep the sort; back returns to the sorted first page.
    go_to_page(page, "1")
    expect_current_page(page, 1)
    page.get_by_label("Sorteer").select_option(label="Naam Z-A")
    expect(page).to_have_url(re.compile(r"sort=-naam"))
    expect(student_rows(page).first).to_contain_text("Cursist60, Sara")
    go_to_page(page, "Volgende")
    expect(page).to_have_url(re.compile(r"sort=-naam"))
    expect_current_page(page, 2)
    expect(student_rows(page)).to_have_count(10)
    expect(student_rows(page).first).to_contain_text("Cursist10, Sara")
    expect(student_rows(page).last).to_contain_text("Cursist01, Sara")
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"page=2"))
    expect_current_page(page, 1)
    expect(student_rows(page).first).to_contain_text("Cursist60, Sara")
    expect_whole_overview(page)
    assert chosen_option(page.get_by_label("Sorteer")) == "Naam Z-A"
