"""VIVO's desk in the browser (ADM-1..6): an admin creates a school and a care service,
invites a coordinator for the new school, imports a list of care services, reads the dashboard
and opens a school's overview from the helpdesk view."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_service_flow import expect_message, log_in, open_menu, row_of
from tests.factories import make_user

ADMIN = "beheer@vivo.example"
COORDINATOR = "coordinator@leerpunt.example"
SERVICES_FILE = (
    "\ufeffNaam;Type;Straat;Postcode;Plaats;Provincie;E-mail;Telefoon;Ondernemingsnummer;Capaciteit\r\n"
    "WZC Ter Duinen;Woonzorgcentrum;Zeedijk 1;8400;Oostende;West-Vlaanderen;;;BE 0100.000.070;2\r\n"
    "Thuiszorg Maasland;Thuiszorg;;3600;Genk;Limburg;;;0100000169;\r\n"
)


def test_admin_sets_up_a_school_a_service_a_login_and_imports_services(
    page: Page, seed, mailbox, tmp_path
):
    seed(lambda: make_user("admin", email=ADMIN))
    log_in(page, ADMIN)

    open_menu(page, "Scholen")
    page.get_by_role("button", name="Nieuwe school").click()
    page.get_by_label("Naam").fill("CVO Leerpunt")
    page.get_by_label("Postcode").fill("9000")
    page.get_by_label("Gemeente").fill("Gent")
    page.get_by_role("button", name="Bewaren").click()
    expect_message(page, "School CVO Leerpunt is bewaard.")
    expect(row_of(page, "CVO Leerpunt")).to_contain_text("actief")

    open_menu(page, "Diensten")
    page.get_by_role("button", name="Nieuwe dienst").click()
    page.get_by_label("Naam").fill("WZC De Linde")
    page.get_by_label("Type").select_option(label="Woonzorgcentrum")
    page.get_by_label("Provincie").select_option(label="Antwerpen")
    page.get_by_label("Ondernemingsnummer").fill("0403.170.702")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.get_by_label("Ondernemingsnummer")).to_have_accessible_description(
        re.compile("Dit ondernemingsnummer klopt niet")
    )
    page.get_by_label("Ondernemingsnummer").fill("0403.170.701")
    page.get_by_role("button", name="Bewaren").click()
    expect_message(page, "Dienst WZC De Linde is bewaard.")
    expect(row_of(page, "WZC De Linde")).to_contain_text("BE 0403.170.701")

    open_menu(page, "Scholen")
    row_of(page, "CVO Leerpunt").get_by_role("link", name="Login uitnodigen").click()
    invite = page.locator("form").filter(
        has=page.get_by_role("button", name="Uitnodigen", exact=True)
    )
    expect(invite.get_by_label("Organisatie")).to_have_value("CVO Leerpunt")
    invite.get_by_label("E-mailadres").fill(COORDINATOR)
    page.get_by_role("button", name="Uitnodigen", exact=True).click()
    expect_message(page, f"Uitnodiging verstuurd naar {COORDINATOR}.")
    assert mailbox.link_for(COORDINATOR).startswith("http")
    page.get_by_label("E-mailadres bevat").fill("leerpunt")
    expect(page.get_by_role("row").filter(has_text=COORDINATOR)).to_contain_text(
        "CVO Leerpunt"
    )

    open_menu(page, "Diensten")
    page.get_by_role("button", name="Diensten importeren").click()
    services_file = tmp_path / "diensten.csv"
    services_file.write_text(SERVICES_FILE, encoding="utf-8")
    page.get_by_label("Bestand (CSV of Excel)").set_input_files(services_file)
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_text("Alle 2 regels zijn in orde.")).to_be_visible()
    page.get_by_role("button", name="Importeren").click()
    expect_message(page, "2 diensten toegevoegd, 0 bijgewerkt.")
    expect(row_of(page, "WZC Ter Duinen")).to_contain_text("West-Vlaanderen")
    expect(row_of(page, "Thuiszorg Maasland")).to_contain_text("Limburg")

    # The invite list is filled as the admin types: the imported service is offered by its
    # unambiguous label (name, city, enterprise number) and can be invited.
    open_menu(page, "Logins")
    page.get_by_role("button", name="Nieuwe login uitnodigen").click()
    invite = page.locator("form").filter(
        has=page.get_by_role("button", name="Uitnodigen", exact=True)
    )
    invite.get_by_label("Rol").select_option(label="Dienst")
    invite.get_by_label("Organisatie").press_sequentially("Duinen")
    label = "WZC Ter Duinen (Oostende) — BE 0100.000.070"
    expect(
        page.locator(f'#organisation-options option[value="{label}"]')
    ).to_have_count(1)
    expect(page.locator("#organisation-options option")).to_have_count(1)
    invite.get_by_label("Organisatie").fill(label)
    invite.get_by_label("E-mailadres").fill("team@terduinen.example")
    page.get_by_role("button", name="Uitnodigen", exact=True).click()
    expect_message(page, "Uitnodiging verstuurd naar team@terduinen.example.")


def test_admin_reads_the_dashboard_and_opens_a_school_as_helpdesk(page: Page, seed):
    from tests.factories import (
        make_placement,
        make_school,
        make_service,
        make_student,
        make_term,
    )

    def build():
        make_user("admin", email=ADMIN)
        term = make_term(name="1 okt – 31 dec 2026")
        school = make_school("CVO Gent")
        service = make_service("OVL", name="WZC Zonnebloem")
        placed = make_student(
            school=school,
            term=term,
            first_name="Sara",
            last_name="Geplaatst",
            province="OVL",
        )
        make_placement(placed, service=service)
        make_student(
            school=school, term=term, first_name="Tom", last_name="Open", province="OVL"
        )

    seed(build)
    log_in(page, ADMIN)
    open_menu(page, "Dashboard")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Per school")).to_be_visible()
    # CVO Gent: 2 requests, 1 accepted, 1 open.
    expect(page.get_by_role("row").filter(has_text="CVO Gent").first).to_contain_text(
        "2"
    )
    expect(page.get_by_role("img").first).to_be_visible()  # the charts are drawn

    open_menu(page, "Scholen")
    row_of(page, "CVO Gent").get_by_role(
        "link", name="Bekijk CVO Gent als ondersteuning"
    ).click()
    expect(page.get_by_text("Je bekijkt dit als ondersteuning")).to_be_visible()
    expect(page.get_by_role("link", name="Geplaatst, Sara")).to_be_visible()
    expect(page.get_by_role("button", name="Stageaanvraag ingeven")).to_have_count(0)
    expect(
        page.get_by_role("link", name="Stageaanvraag ingeven", exact=True)
    ).to_have_count(0)
