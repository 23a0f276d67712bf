"""Exports (R-EXP, SECURITY.md 3, 20, 23): Excel-proof CSV, plain CSV, typed XLSX; scope per role."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from app.export.columns import HEADERS
from app.extensions import db
from app.models import AuditEvent
from app.validation import format_national_number
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

NN = valid_national_number(date(1994, 2, 3), 77)
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def world(app):
    """School A with three students (one accepted by service S, one tricky), school B with one;
    service S (Antwerp) and T (Limburg)."""
    with app.app_context():
        term, other_term = make_term(), make_term()
        a, b = make_school("CVO Één"), make_school("CVO B")
        supervisor = make_supervisor(a)
        accepted = make_student(
            school=a,
            term=term,
            supervisor=supervisor,
            periods=2,
            national_number=NN,
            first_name="Sara",
            last_name="Aanvaard",
            phone="+32470123456",
            street="Geheime Straat 7",
            email="sara@mail.example",
            hours_per_week=30,
            internship_form="blok",
        )
        tricky = make_student(
            school=a,
            term=term,
            supervisor=supervisor,
            first_name='An;"na',
            last_name=FORMULA,
            remarks='regel één\nregel twee; met "quotes"',
        )
        make_student(
            school=a,
            term=other_term,
            supervisor=supervisor,
            first_name="Later",
            last_name="Andereperiode",
            stopped_on=date(2026, 12, 1),
            stopped_reason="verhuisd",
        )
        make_student(school=b, term=term, first_name="Bert", last_name="AndereSchool")
        service = make_service("ANT", name="WZC Schelde", city="Antwerpen")
        other_service = make_service("LIM", name="WZC Maasland")
        make_placement(accepted, service=service, period_number=1, notes="Start om 8u")
        make_placement(accepted, service=other_service, period_number=2)
        users = {
            role: make_user(role, organisation=org).email
            for role, org in (("school", a), ("service", service))
        }
        users["admin"] = make_user("admin").email
        db.session.commit()
        return dict(
            term=term.id,
            other_term=other_term.id,
            a=a.id,
            b=b.id,
            tricky=tricky.id,
            **users,
        )


def download(app, email, **params):
    client = app.test_client()
    login(client, email)
    response = client.get("/export/bestand", query_string=params)
    assert response.status_code == 200, response.text[:500]
    response.get_data()  # read it all, then close: the server removes a temporary XLSX on close
    response.close()
    return response


def excel_rows(response) -> list[dict]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def test_the_excel_csv_opens_split_and_readable_in_a_dutch_excel(app, world):
    response = download(app, world["school"], format="csv_excel", term=world["term"])
    assert response.mimetype == "text/csv"
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert raw.split(b"\r\n")[0].decode("utf-8-sig").split(";") == HEADERS
    rows = {row["Voornaam"]: row for row in excel_rows(response)}
    sara = rows["Sara"]
    assert sara["Startdatum periode 1"].count("/") == 2  # dd/mm/yyyy
    datetime.strptime(sara["Startdatum periode 1"], "%d/%m/%Y")
    assert sara["Telefoon"] == "0470 12 34 56"
    assert sara["Rijksregisternummer"] == format_national_number(NN)
    assert sara["School"] == "CVO Één" and sara["Status"] == "aanvaard"
    assert sara["Resultaat"] == "voorlopig" and "WZC Schelde" in sara["Stageplek"]
    assert "Start om 8u" in sara["Notities dienst"]
    # Separators, quotes and line breaks come back intact; the formula is inert.
    tricky = rows['An;"na']
    assert tricky["Opmerkingen"] == 'regel één\nregel twee; met "quotes"'
    assert tricky["Achternaam"] == "'" + FORMULA
    assert not any(
        value.startswith(("=", "+", "-", "@"))
        for row in rows.values()
        for value in row.values()
    )
    assert "stagematching-cvo-een-" in response.headers["Content-Disposition"]


def test_the_plain_csv_uses_commas_and_iso_dates(app, world):
    response = download(app, world["school"], format="csv", term=world["term"])
    assert not response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode(), newline="")))
    sara = next(row for row in rows if row["Voornaam"] == "Sara")
    date.fromisoformat(sara["Startdatum periode 1"])
    assert sara["Achternaam"] == "Aanvaard"


def test_sec_20_the_xlsx_is_typed_and_holds_no_formula(
    app, world, tmp_path, monkeypatch
):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    response = download(app, world["school"], format="xlsx")
    assert list(scratch.iterdir()) == []  # the temporary file is gone once sent
    assert response.mimetype.endswith("spreadsheetml.sheet")
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.data)
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    assert header == HEADERS and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert sheet["A1"].font.bold
    rows = [
        dict(zip(header, (cell.value for cell in row), strict=True))
        for row in sheet.iter_rows(min_row=2)
    ]
    sara = next(r for r in rows if r["Voornaam"] == "Sara")
    assert isinstance(sara["Startdatum periode 1"], datetime)
    assert sara["Totaal aantal uren"] == 120 and isinstance(
        sara["Aantal uren/week"], int
    )
    assert sara["Telefoon"] == "0470 12 34 56"
    tricky = next(r for r in rows if r["Voornaam"] == 'An;"na')
    assert tricky["Achternaam"] == FORMULA
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    stopped = next(r for r in rows if r["Voornaam"] == "Later")
    assert stopped["Status"] == "gestopt" and isinstance(
        stopped["Gestopt op"], datetime
    )


def test_sec_04_a_schools_file_holds_only_its_own_students_whatever_the_query(
    app, world
):
    rows = excel_rows(download(app, world["school"], format="csv_excel"))
    assert {r["Achternaam"] for r in rows} == {
        "Aanvaard",
        "'" + FORMULA,
        "Andereperiode",
    }
    # A tampered query string changes nothing.
    rows = excel_rows(
        download(app, world["school"], format="csv_excel", school=world["b"])
    )
    assert "AndereSchool" not in {r["Achternaam"] for r in rows}
    term_only = excel_rows(
        download(app, world["school"], format="csv_excel", term=world["term"])
    )
    assert "Andereperiode" not in {r["Achternaam"] for r in term_only}


def test_sec_03_a_services_file_holds_only_what_it_accepted(app, world):
    response = download(app, world["service"], format="csv_excel", school=world["b"])
    rows = excel_rows(response)
    assert [r["Achternaam"] for r in rows] == ["Aanvaard"]
    sara = rows[0]
    assert sara["Rijksregisternummer"] == format_national_number(NN)
    # Only its own placement, no other service's data, no declines.
    assert sara["Stageplek"] == "WZC Schelde (Antwerpen)"
    assert "Maasland" not in response.data.decode()
    assert sara["Goedgekeurde periodes"].startswith("periode 1:")
    for private in ("Bert", "AndereSchool", FORMULA):
        assert private not in response.data.decode()


def test_an_admins_filters_are_honoured(app, world):
    everyone = excel_rows(download(app, world["admin"], format="csv_excel"))
    assert len(everyone) == 4
    school_b = excel_rows(
        download(app, world["admin"], format="csv_excel", school=world["b"])
    )
    assert [r["Achternaam"] for r in school_b] == ["AndereSchool"]
    stopped = excel_rows(
        download(app, world["admin"], format="csv_excel", status="gestopt")
    )
    assert [r["Achternaam"] for r in stopped] == ["Andereperiode"]
    accepted = excel_rows(
        download(
            app,
            world["admin"],
            format="csv_excel",
            status="aanvaard",
            term=world["term"],
            province="ANT",
        )
    )
    assert [r["Achternaam"] for r in accepted] == ["Aanvaard"]
    assert (
        excel_rows(download(app, world["admin"], format="csv_excel", province="LIM"))
        == []
    )


def test_sec_23_every_export_is_one_audit_event_with_its_row_count(app, world):
    download(app, world["school"], format="xlsx", term=world["term"])
    download(app, world["service"], format="csv")
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "export.downloaded")
            .order_by(AuditEvent.id)
        ).all()
        assert len(events) == 2
        assert (
            f"school={world['a']}" in events[0].detail
            and "format=xlsx rows=2" in events[0].detail
        )
        assert (
            "service=" in events[1].detail and "format=csv rows=1" in events[1].detail
        )
        assert all(e.user_id for e in events)


def test_the_export_screen_offers_the_formats_and_refuses_an_unknown_one(app, world):
    client = app.test_client()
    login(client, world["school"])
    page = client.get(f"/export?term={world['term']}").text
    assert (
        "CSV voor Excel" in page and "Excel (.xlsx)" in page and "Provincie" not in page
    )
    wrong = client.get("/export/bestand?format=pdf")
    assert wrong.status_code == 200 and wrong.mimetype == "text/html"
    assert "aria-invalid" in wrong.text or 'class="error"' in wrong.text


def test_an_export_larger_than_one_batch_holds_every_student_once(
    app, world, monkeypatch
):
    from app.export import queries

    monkeypatch.setattr(queries, "BATCH", 1)  # every student in its own batch
    rows = excel_rows(download(app, world["admin"], format="csv_excel"))
    assert sorted(r["Voornaam"] for r in rows) == sorted(
        ["Sara", 'An;"na', "Later", "Bert"]
    )


def test_the_csv_says_its_charset_once_and_an_admin_file_name_names_its_filters(
    app, world
):
    response = download(
        app, world["admin"], format="csv_excel", province="ANT", status="open"
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "stagematching-alle-scholen-ant-open-alle-stageperiodes-"
        in response.headers["Content-Disposition"]
    )


# --- SECURITY 20: a cell that starts like a formula comes out inert ------------------------

DANGEROUS = (
    FORMULA,
    "+31 afdeling",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
)


def test_sec_20_every_formula_start_is_neutralised_in_both_csvs_and_text_in_xlsx(
    app, tmp_path
):
    """Students named `=HYPERLINK("http://x","y")`, and with each other start a spreadsheet
    reads as a formula (+ - @ tab CR): both CSV flavours put an apostrophe before the name and
    no cell starts with a formula character; the XLSX holds each name as a plain string cell,
    with no formula, no link and no hyperlink part anywhere in the file."""
    import zipfile

    with app.app_context():
        school = make_school("CVO Formules")
        term = make_term()
        for name in DANGEROUS:
            make_student(school=school, term=term, first_name="Eva", last_name=name)
        email = make_user("school", organisation=school).email
        db.session.commit()

    for flavour, delimiter in (("csv", ","), ("csv_excel", ";")):
        text = download(app, email, format=flavour).data.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert sorted(r["Achternaam"] for r in rows) == sorted(
            "'" + name for name in DANGEROUS
        ), flavour
        for row in rows:
            for column, value in row.items():
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (
                    flavour,
                    column,
                    value,
                )

    body = download(app, email, format="xlsx").data
    path = tmp_path / "formules.xlsx"
    path.write_bytes(body)
    with zipfile.ZipFile(path) as archive:
        parts = archive.namelist()
        assert not [p for p in parts if "hyperlink" in p.lower() or "_rels/sheet" in p]
        for part in parts:
            if part.startswith("xl/worksheets/"):
                xml = archive.read(part)
                assert b"<f>" not in xml and b"<f " not in xml, part
                assert b"<hyperlink" not in xml, part
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("Achternaam")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    # XlsxWriter stores a CR as the escape _x000D_, which Excel reads back (openpyxl not)
    values = [cell.value.replace("_x000D_", "\r") for cell in cells]
    assert sorted(values) == sorted(DANGEROUS)
    for cell in cells:
        assert cell.data_type == "s" and cell.hyperlink is None, cell.value
        assert cell.quotePrefix, cell.value  # editing the cell keeps it text
