"""A coordinator imports the students of a term from a file, through the preview (EXP-5)."""

import csv
import io
import re
from datetime import date

from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    make_school,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

COORDINATOR = "coordinator@cvo.example"
TOM_NN = valid_national_number(date(2001, 3, 9), 45)


def a_coordinator(seed):
    """An activated coordinator of CVO Antwerpen with one supervisor and an open term."""

    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        make_supervisor(school, name="An Peeters")
        return make_term()

    return seed(build)


def log_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(COORDINATOR)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def write_csv(path, rows: list[list[str]]) -> str:
    """Save rows the way Excel saves "CSV UTF-8": BOM, semicolons, CRLF."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode())
    return str(path)


def check_file(page: Page, path: str) -> None:
    page.get_by_label("Bestand (CSV of Excel)").set_input_files(path)
    page.get_by_role("button", name="Controleer het bestand").click()


def test_the_coordinator_fixes_a_bad_row_and_imports_the_term(
    page: Page, seed, tmp_path
):
    term = a_coordinator(seed)
    log_in(page)
    page.goto(f"/studenten?term={term.id}")
    page.get_by_role("button", name="Importeer", exact=True).click()
    expect(
        page.get_by_role("heading", name="Stageaanvragen importeren")
    ).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV voor Excel").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    headers, example = lines
    assert example[headers.index("Stage-/werkplekbegeleider")] == "An Peeters"
    # The example row itself is refused; Sara with her own e-mail address is a real student.
    sara = list(example)
    sara[headers.index("E-mail")] = "sara@mail.example"
    tom = list(example)
    for header, value in (
        ("Voornaam", "Tom"),
        ("Achternaam", "Peeters"),
        ("Postcode", "200"),
        ("Rijksregisternummer", TOM_NN),
        ("E-mail", "tom@mail.example"),
    ):
        tom[headers.index(header)] = value

    check_file(page, write_csv(tmp_path / "studenten.csv", [headers, example, tom]))
    expect(
        page.get_by_text(
            "Rij 2: Voornaam: Dit is de voorbeeldrij van het sjabloon; verwijder ze."
        )
    ).to_be_visible()

    check_file(page, write_csv(tmp_path / "studenten.csv", [headers, sara, tom]))
    expect(
        page.get_by_text("Rij 3: Postcode: Een Belgische postcode heeft 4 cijfers")
    ).to_be_visible()
    tom_row = page.get_by_role("row").filter(has_text="Tom")
    expect(tom_row).to_contain_text("Postcode: Een Belgische postcode heeft 4 cijfers")
    expect(page.get_by_role("row").filter(has_text="Sara")).to_contain_text("in orde")
    expect(
        page.get_by_role("alert").filter(has_text="Er werd niets opgeslagen")
    ).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Importeer"))).to_have_count(0)

    tom[headers.index("Postcode")] = "2018"
    check_file(
        page, write_csv(tmp_path / "studenten-verbeterd.csv", [headers, sara, tom])
    )
    expect(page.get_by_text("2 rijen in orde")).to_be_visible()
    page.get_by_role("button", name="Importeer 2 stageaanvragen").click()

    expect(page).to_have_url(re.compile(rf"/studenten\?term={term.id}$"))
    expect(
        page.get_by_role("status").filter(has_text="2 stageaanvragen geïmporteerd.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Janssens, Sara")).to_be_visible()
    expect(page.get_by_role("link", name="Peeters, Tom")).to_be_visible()
