"""The error summary of a refused form (GOV.UK's pattern), in the browser.

A refused form opens with a box "Er is een probleem" at its top that takes the focus, so a
screen reader reads it and the keyboard starts there; each error in it is a link that puts
the focus in its field. The fields keep their own messages. It works the same when htmx
swaps the refused form in.
"""

from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    make_school,
    make_supervisor,
    make_term,
    make_user,
)

COORDINATOR = "coordinator@cvo.example"


def a_coordinator_logged_in(page: Page, seed) -> None:
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        make_supervisor(school, name="An Peeters")
        return make_term()

    seed(build)
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(COORDINATOR)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def summary(page: Page):
    return page.get_by_role("alert").filter(has_text="Er is een probleem")


def test_a_refused_request_form_focuses_the_summary_whose_links_focus_the_fields(
    page, seed
):
    a_coordinator_logged_in(page, seed)
    page.goto("/studenten/nieuw")
    page.get_by_label("Voornaam").fill("Sara")
    page.get_by_role("button", name="Opslaan en volgende").click()

    box = summary(page)
    expect(box).to_be_focused()
    expect(box).to_contain_text("Niet opgeslagen")
    # Every refused field is listed; the one filled in is not.
    expect(
        box.get_by_role("link", name="Achternaam: Dit veld is verplicht.")
    ).to_be_visible()
    expect(
        box.get_by_role(
            "link", name="Vervoersmiddel: Duid minstens één vervoersmiddel aan."
        )
    ).to_be_visible()
    expect(box.get_by_role("link", name="Voornaam:")).to_have_count(0)

    box.get_by_role("link", name="Achternaam: Dit veld is verplicht.").click()
    last_name = page.get_by_label("Achternaam")
    expect(last_name).to_be_focused()
    expect(last_name).to_have_accessible_description("Dit veld is verplicht.")

    # A group of checkboxes: the link leads to its first box.
    box.get_by_role(
        "link", name="Vervoersmiddel: Duid minstens één vervoersmiddel aan."
    ).click()
    expect(page.get_by_label("Auto")).to_be_focused()


def test_a_form_refused_through_htmx_focuses_its_summary(page, seed):
    a_coordinator_logged_in(page, seed)
    page.goto("/begeleiders")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Telefoon").fill("03 123 45 67")
    page.get_by_role("button", name="Stage-/werkplekbegeleider toevoegen").click()

    box = summary(page)
    expect(box).to_be_focused()
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    box.get_by_role("link", name="Naam: ").click()
    expect(page.get_by_role("textbox", name="Naam", exact=True)).to_be_focused()


def test_the_inline_edit_row_links_to_its_own_fields(page, seed):
    a_coordinator_logged_in(page, seed)
    page.goto("/begeleiders")
    page.get_by_role("button", name="Bewerken An Peeters").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("button", name="Opslaan"))
    row.get_by_label("E-mail").fill("geen-adres")
    row.get_by_role("button", name="Opslaan").click()

    box = summary(page)
    expect(box).to_be_focused()
    box.get_by_role("link", name="E-mail:").click()
    expect(row.get_by_label("E-mail")).to_be_focused()
