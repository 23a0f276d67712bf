"""Exports through the browser (R-EXP): a coordinator downloads both formats from the overview,
a care service downloads its trainees from "Mijn stagiairs"."""

import csv
import io
from pathlib import Path

import openpyxl
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
SERVICE = "planning@schelde.example"


def a_school_with_an_accepted_student(seed):
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term()
        supervisor = make_supervisor(school, name="An Begeleider")
        sara = make_student(
            school=school,
            term=term,
            supervisor=supervisor,
            first_name="Sara",
            last_name="Peeters",
        )
        make_student(
            school=school,
            term=term,
            supervisor=supervisor,
            first_name="Tom",
            last_name="Open",
        )
        service = make_service("ANT", name="WZC Schelde", city="Antwerpen")
        make_user("service", organisation=service, email=SERVICE)
        make_placement(sara, service=service, notes="Start om 8u")
        return term

    return seed(build)


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def download(page: Page, format_label: str):
    page.get_by_label(format_label).check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Exporteer").click()
    return info.value


def test_a_coordinator_exports_the_overview_for_excel_and_as_xlsx(
    page: Page, seed, tmp_path
):
    term = a_school_with_an_accepted_student(seed)
    log_in(page, COORDINATOR)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Overzicht stageaanvragen"
    ).click()
    page.get_by_role("link", name="Exporteer").click()
    expect(page.get_by_role("heading", name="Exporteren")).to_be_visible()
    expect(page.get_by_label("Stageperiode")).to_have_value(str(term.id))

    csv_file = download(page, "CSV voor Excel")
    assert csv_file.suggested_filename.startswith("stagematching-cvo-antwerpen-")
    assert csv_file.suggested_filename.endswith(".csv")
    raw = Path(csv_file.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(
        csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";")
    )
    assert {r["Voornaam"]: r["Status"] for r in rows} == {
        "Sara": "aanvaard",
        "Tom": "open",
    }

    xlsx_file = download(page, "Excel (.xlsx)")
    assert xlsx_file.suggested_filename.endswith(".xlsx")
    xlsx_file.save_as(tmp_path / xlsx_file.suggested_filename)
    sheet = openpyxl.load_workbook(tmp_path / xlsx_file.suggested_filename).active
    names = [row[2].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(names) == ["Sara", "Tom"]


def test_a_care_service_exports_its_trainees(page: Page, seed):
    a_school_with_an_accepted_student(seed)
    log_in(page, SERVICE)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn stagiairs"
    ).click()
    page.get_by_role("link", name="Exporteer").click()
    csv_file = download(page, "CSV voor Excel")
    assert "wzc-schelde-stagiairs" in csv_file.suggested_filename
    text = Path(csv_file.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert [(r["Voornaam"], r["Stageplek"]) for r in rows] == [
        ("Sara", "WZC Schelde (Antwerpen)")
    ]
    assert "Tom" not in text
