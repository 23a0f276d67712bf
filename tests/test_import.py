"""Import of a school's requests from a file (EXP-5): preview, all-or-nothing save, limits."""

import csv
import io
import re
import time
import zipfile
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from app.export.columns import (
    COLUMNS,
    HEADERS,
    REQUEST_COLUMNS,
    export_row,
    request_values,
)
from app.export.import_files import MAX_BLANK_RUN
from app.extensions import db
from app.models import AuditEvent, School, Student, Supervisor, Term
from app.students.logic import national_number_of
from tests.factories import (
    login,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

REQUEST_HEADERS = [column.header for column in REQUEST_COLUMNS]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- files as the exports write them ------------------------------------------------------


def excel_csv(headers: list[str], rows: list[list]) -> bytes:
    """ "CSV voor Excel": BOM, semicolons, CRLF, dd/mm/yyyy, formula-like text neutralised."""
    return _csv(headers, rows, ";", "%d/%m/%Y", bom=True)


def plain_csv(headers: list[str], rows: list[list]) -> bytes:
    """The plain CSV: commas, ISO dates, no BOM."""
    return _csv(headers, rows, ",", "%Y-%m-%d", bom=False)


def _csv(headers, rows, delimiter, date_format, bom) -> bytes:
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, date):
            return value.strftime(date_format)
        text = str(value)
        return "'" + text if text.startswith(FORMULA_STARTS) else text

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([cell(value) for value in row] for row in rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def xlsx(headers: list[str], rows: list[list]) -> bytes:
    """An .xlsx with real date and number cells, as people make one in Excel."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(
            [
                datetime.combine(v, datetime.min.time()) if isinstance(v, date) else v
                for v in row
            ]
        )
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = (
                    "s"  # text, never a formula (as the XLSX export writes it)
                )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- fixtures -------------------------------------------------------------------------------

SPAN = dict(
    internship_start=date.today() + timedelta(days=40),
    internship_end=date.today() + timedelta(days=130),
)


@pytest.fixture
def school(app, client):
    """A logged-in coordinator of an empty school with two supervisors and an open, empty term."""
    with app.app_context():
        user = make_user("school")
        an = make_supervisor(user.school, name="An Peeters")
        an.email = "an.peeters@cvo.example"
        make_supervisor(user.school, name="Bram Claes")
        term = make_term(**SPAN)
        make_service("ANT", name="WZC De Linde", city="Antwerpen")
        db.session.commit()
        info = dict(
            school_id=user.school_id,
            term_id=term.id,
            supervisor_id=an.id,
            start=term.internship_start,
            end=term.internship_end,
        )
        login(client, user.email)
    return info


def a_row(school, **values) -> dict:
    """One valid request as a file row, by header."""
    start = school["start"]
    row = {
        "Voornaam": "Sara",
        "Achternaam": "Janssens",
        "Rijksregisternummer": "85.07.30-033.28",
        "Straat": "Kerkstraat 1",
        "Postcode": "2000",
        "Plaats": "Antwerpen",
        "Provincie": "Antwerpen",
        "Telefoon": "0470 12 34 56",
        "E-mail": "sara@mail.example",
        "Vervoersmiddel": "Fiets, Openbaar vervoer",
        "Stage-/werkplekbegeleider": "An Peeters",
        "E-mail stage-/werkplekbegeleider": "an.peeters@cvo.example",
        "Stagevorm": "blok",
        "Aantal periodes": 1,
        "Aantal uren/week": 30,
        "Totaal aantal uren": 120,
        "Startdatum periode 1": start,
        "Einddatum periode 1": start + timedelta(days=20),
    }
    row.update(values)
    return row


def rows_file(rows: list[dict], writer=excel_csv, headers=REQUEST_HEADERS) -> bytes:
    return writer(headers, [[row.get(h) for h in headers] for row in rows])


def upload(
    client, school, content: bytes, name: str = "studenten.csv", htmx: bool = False
):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/import?term={school['term_id']}",
        headers=headers,
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def save(client, school, response, htmx: bool = False):
    """Press "Importeer" on the preview `response`."""
    token = response.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/import/opslaan?term={school['term_id']}",
        data={"token": token},
        headers=headers,
    )


def students(app, school) -> list[Student]:
    with app.app_context():
        found = db.session.scalars(
            select(Student)
            .where(Student.school_id == school["school_id"])
            .order_by(Student.id)
        ).all()
        return [(s.first_name, s.last_name) for s in found]


def row_html(response, number: int) -> str:
    """The preview's table row of file row `number`."""
    return response.text.split(f'<th scope="row">{number}</th>', 1)[1].split(
        "</tr>", 1
    )[0]


# --- round trip -----------------------------------------------------------------------------


def exported_school(school):
    """Another school's term with varied requests, its supervisors named as those of `school`;
    returns the export rows."""
    source = make_school("CVO Bron")
    an, bram = [
        Supervisor(school_id=source.id, name=s.name, email=s.email, phone=s.phone)
        for s in db.session.scalars(
            select(Supervisor)
            .where(Supervisor.school_id == school["school_id"])
            .order_by(Supervisor.name)
        )
    ]
    db.session.add_all([an, bram])
    term = make_term(**SPAN)
    service = make_service("ANT", name="WZC Zonnebloem", city="Mortsel")
    made = [
        make_student(
            source,
            term,
            an,
            periods=2,
            first_name="Élise",
            last_name='D\'Hondt; "Lies"',
            internship_form="blok",
            hours_per_week=32,
            total_hours=300,
            remarks='=HYPERLINK("http://x","y")\nkleurenblind',
            transport="auto,ebike",
            internship_remarks="-2 dagen per week",
            preferred_service_id=service.id,
            national_number=valid_national_number(date(2001, 3, 9), 45),
        ),
        make_student(
            source,
            term,
            bram,
            periods=1,
            first_name="Tom",
            last_name="Peeters",
            internship_form="alternerend",
            phone="+3232123456",
            province="ANT",
        ),
        make_student(
            source,
            term,
            bram,
            periods=4,
            first_name="@nna",
            last_name="Van den Broeck",
            internship_form="blok_alternerend",
            hours_per_week=20,
            total_hours=400,
            postcode="2018",
            transport="ov",
        ),
    ]
    db.session.flush()
    return [export_row(s, national_number_of(s), [], final=False) for s in made]


@pytest.mark.parametrize(
    "writer, name",
    [(excel_csv, "export.csv"), (plain_csv, "export.csv"), (xlsx, "export.xlsx")],
)
def test_an_export_imported_into_an_empty_term_gives_the_same_students(
    app, client, school, writer, name
):
    with app.app_context():
        exported = exported_school(school)
        db.session.commit()
    preview = upload(client, school, writer(HEADERS, exported), name)
    assert "3 rijen in orde" in preview.text and "0 rijen met fouten" in preview.text
    assert students(app, school) == []  # the preview saves nothing
    response = save(client, school, preview)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/studenten?term={school['term_id']}"
    with app.app_context():
        imported = db.session.scalars(
            select(Student)
            .where(Student.school_id == school["school_id"])
            .order_by(Student.id)
        ).all()
        assert [s.term_id for s in imported] == [school["term_id"]] * 3
        assert all(s.supervisor.school_id == school["school_id"] for s in imported)
        again = [request_values(s, national_number_of(s)) for s in imported]
    context = len(COLUMNS) - len(HEADERS[HEADERS.index("Voornaam") :])
    assert again == [row[context : context + len(REQUEST_COLUMNS)] for row in exported]


def test_the_import_is_one_audit_event_with_the_count(app, client, school):
    preview = upload(
        client,
        school,
        rows_file(
            [
                a_row(school),
                a_row(
                    school,
                    **{
                        "Voornaam": "Tom",
                        "Rijksregisternummer": valid_national_number(
                            date(2001, 3, 9), 45
                        ),
                    },
                ),
            ]
        ),
    )
    save(client, school, preview)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "students.imported")
        ).all()
        assert [e.detail for e in events] == [f"term={school['term_id']} count=2"]
    page = client.get(f"/studenten?term={school['term_id']}")
    assert "Janssens, Sara" in page.text and "Janssens, Tom" in page.text


# --- the preview ----------------------------------------------------------------------------


def test_a_file_with_one_bad_row_saves_nothing_and_shows_the_error_next_to_it(
    app, client, school
):
    rows = [
        a_row(school),
        a_row(
            school,
            Voornaam="Tom",
            Postcode="200",
            Rijksregisternummer=valid_national_number(date(2001, 3, 9), 45),
        ),
    ]
    response = upload(client, school, rows_file(rows))
    assert "1 rij in orde" in response.text and "1 rij met fouten" in response.text
    assert "Er werd niets opgeslagen" in response.text
    assert "Importeer" not in response.text and 'name="token"' not in response.text
    assert "in orde" in row_html(response, 2)
    bad = row_html(response, 3)
    assert "<strong>Postcode</strong>: Een Belgische postcode heeft 4 cijfers" in bad
    assert students(app, school) == []


@pytest.mark.parametrize(
    "values, header, message",
    [
        ({"Rijksregisternummer": "85073003329"}, "Rijksregisternummer", "klopt niet"),
        ({"Provincie": "Gent"}, "Provincie", "Onbekende provincie"),
        ({"Provincie": "Limburg"}, "Voorkeursdienst", "niet in de gekozen provincie"),
        ({"Telefoon": "12"}, "Telefoon", "telefoonnummer"),
        ({"E-mail": "sara@"}, "E-mail", "e-mailadres"),
        (
            {"Vervoersmiddel": "Fiets, Raket"},
            "Vervoersmiddel",
            "Onbekend vervoersmiddel ‘Raket’",
        ),
        ({"Stagevorm": "deeltijds"}, "Stagevorm", "Onbekende stagevorm"),
        ({"Aantal uren/week": None}, "Aantal uren/week", "verplicht bij blok"),
        ({"Totaal aantal uren": "veel"}, "Totaal aantal uren", "geheel getal"),
        (
            {"Startdatum periode 1": "31/02/2030"},
            "Startdatum periode 1",
            "Geen geldige datum",
        ),
        (
            {"Startdatum periode 1": date(2001, 1, 1)},
            "Startdatum periode 1",
            "binnen de stageperiode",
        ),
        ({"Aantal periodes": 2}, "Startdatum periode 2", "startdatum van periode 2"),
        ({"Aantal periodes": 7}, "Aantal periodes", "1 tot 4"),
        (
            {"Startdatum periode 2": date(2030, 1, 1)},
            "Aantal periodes",
            "Er staan datums van periode 2 in de rij",
        ),
        ({"Voornaam": None}, "Voornaam", "verplicht"),
        ({"Voorkeursdienst": "WZC Nergens"}, "Voorkeursdienst", "Geen actieve dienst"),
        (
            {
                "Stage-/werkplekbegeleider": "Nina Nieuw",
                "E-mail stage-/werkplekbegeleider": None,
            },
            "Stage-/werkplekbegeleider",
            "Voeg hem of haar eerst toe onder Stage-/werkplekbegeleiders.",
        ),
        # A name and an e-mail of two different supervisors: no silent choice of one of them.
        (
            {
                "Stage-/werkplekbegeleider": "Bram Claes",
                "E-mail stage-/werkplekbegeleider": "an.peeters@cvo.example",
            },
            "Stage-/werkplekbegeleider",
            "twee verschillende begeleiders (Bram Claes en An Peeters)",
        ),
    ],
)
def test_every_rule_of_the_form_applies_to_a_row(
    app, client, school, values, header, message
):
    row = a_row(school, **{"Voorkeursdienst": "WZC De Linde (Antwerpen)", **values})
    response = upload(client, school, rows_file([row]))
    errors = row_html(response, 2)
    assert f"<strong>{header}</strong>:" in errors
    assert message in errors.split(f"<strong>{header}</strong>:", 1)[1]
    assert students(app, school) == []


def test_dates_numbers_and_names_are_read_in_every_usual_form(app, client, school):
    start = school["start"]
    rows = [
        a_row(
            school,
            **{
                "Startdatum periode 1": start.isoformat(),
                "Einddatum periode 1": (start + timedelta(days=9)).strftime("%d/%m/%Y"),
                "Provincie": "ant",
                "Stagevorm": "BLOK",
                "Vervoersmiddel": "fiets;ov",
                "E-mail stage-/werkplekbegeleider": None,
                "Stage-/werkplekbegeleider": "bram  claes",
                "Voorkeursdienst": "wzc de linde",
                "Aantal periodes": None,
                "Aantal uren/week": "30,0",
            },
        )
    ]
    preview = upload(client, school, rows_file(rows))
    assert "1 rij in orde" in preview.text, preview.text
    save(client, school, preview)
    with app.app_context():
        student = db.session.scalar(select(Student))
        assert (student.province, student.internship_form, student.transport) == (
            "ANT",
            "blok",
            "fiets,ov",
        )
        assert (
            student.supervisor.name == "Bram Claes"
            and student.preferred_service.name == "WZC De Linde"
        )
        assert [(p.start_date, p.end_date) for p in student.periods] == [
            (start, start + timedelta(days=9))
        ]
        assert student.hours_per_week == 30


def test_an_htmx_upload_gets_the_preview_fragment_and_the_save_navigates(
    app, client, school
):
    preview = upload(client, school, rows_file([a_row(school)]), htmx=True)
    assert (
        preview.text.startswith('<section id="import-preview"')
        and "<html" not in preview.text
    )
    assert "Importeer 1 stageaanvraag" in preview.text
    response = save(client, school, preview, htmx=True)
    assert response.headers["HX-Redirect"] == f"/studenten?term={school['term_id']}"
    assert students(app, school) == [("Sara", "Janssens")]


def test_a_preview_is_saved_only_once_and_only_from_its_own_session(
    app, client, school
):
    preview = upload(client, school, rows_file([a_row(school)]))
    stranger = app.test_client()
    with app.app_context():
        other = make_user("school")
        db.session.commit()
        login(stranger, other.email)
    assert "verlopen" in save(stranger, school, preview).text
    save(client, school, preview)
    assert "verlopen" in save(client, school, preview).text
    assert students(app, school) == [("Sara", "Janssens")]


# --- the same person twice ------------------------------------------------------------------


def test_the_same_person_twice_in_the_file_is_reported_on_both_rows(
    app, client, school
):
    response = upload(
        client, school, rows_file([a_row(school), a_row(school, Voornaam="Sarah")])
    )
    assert "ook op rij 3" in row_html(response, 2) and "ook op rij 2" in row_html(
        response, 3
    )
    assert students(app, school) == []


def test_a_person_already_entered_for_the_term_is_reported_and_not_doubled(
    app, client, school
):
    with app.app_context():
        make_student(
            db.session.get(School, school["school_id"]),
            db.session.get(Term, school["term_id"]),
            national_number="85073003328",
            first_name="Sara",
        )
        db.session.commit()
    response = upload(client, school, rows_file([a_row(school)]))
    assert "al ingegeven voor deze stageperiode" in row_html(response, 2)
    assert len(students(app, school)) == 1


def test_another_schools_supervisors_never_match(app, client, school):
    with app.app_context():
        other = make_supervisor(make_school(), name="Olga Anders")
        other_email = other.email
        db.session.commit()
    response = upload(
        client,
        school,
        rows_file(
            [
                a_row(
                    school,
                    **{
                        "Stage-/werkplekbegeleider": "Olga Anders",
                        "E-mail stage-/werkplekbegeleider": other_email,
                    },
                )
            ]
        ),
    )
    assert "geen begeleider met deze naam of dit e-mailadres" in row_html(response, 2)
    assert students(app, school) == []


def test_a_file_with_the_former_supervisor_e_mail_heading_still_imports(
    app, client, school
):
    """Exports before the column was named "E-mail stage-/werkplekbegeleider" said
    "E-mail begeleider": a school re-imports such a file as it is."""
    new = "E-mail stage-/werkplekbegeleider"
    headers = ["E-mail begeleider" if h == new else h for h in REQUEST_HEADERS]
    row = a_row(school, **{"Stage-/werkplekbegeleider": None})
    row["E-mail begeleider"] = row.pop(new)
    response = upload(client, school, rows_file([row], headers=headers))
    assert "<td>an.peeters@cvo.example</td>" in row_html(response, 2)
    save(client, school, response)
    assert students(app, school) == [("Sara", "Janssens")]
    with app.app_context():
        saved = db.session.scalar(select(Student))
        assert saved.supervisor_id == school["supervisor_id"]


# --- limits and unusable files --------------------------------------------------------------


def test_the_file_size_is_limited(app, client, school):
    app.config["IMPORT_MAX_BYTES"] = 500
    response = upload(client, school, rows_file([a_row(school)] * 3))
    assert "groter dan" in response.text and "Er werd niets opgeslagen" in response.text


def test_the_number_of_rows_is_limited(app, client, school):
    app.config["IMPORT_MAX_ROWS"] = 2
    response = upload(client, school, rows_file([a_row(school)] * 3))
    assert "meer dan 2 studenten" in response.text


@pytest.mark.parametrize(
    "content, name, message",
    [
        (
            b"%PDF-1.4 ...",
            "studenten.pdf",
            "Kies een CSV-bestand (.csv) of een Excel-bestand (.xlsx).",
        ),
        (b"\xd0\xcf\x11\xe0 old excel", "studenten.xls", "Oude Excel-bestanden (.xls)"),
        (b"not a zip", "studenten.xlsx", "geen geldig Excel-bestand"),
        (b"PK\x03\x04 broken zip", "studenten.xlsx", "geen geldig Excel-bestand"),
        (b"", "studenten.csv", "Het bestand is leeg."),
        (b"\r\n;;;\r\n", "studenten.csv", "Het bestand is leeg."),
        (
            ("\ufeff" + ";".join(REQUEST_HEADERS) + "\r\n;;\r\n").encode(),
            "studenten.csv",
            "kolomtitels maar geen studenten",
        ),
        (
            b"Sara;Janssens;2000\r\nTom;Peeters;2018\r\n",
            "studenten.csv",
            "De eerste regel moet de kolomtitels bevatten",
        ),
        (
            "Voornaam;Achternam\r\nSara;Janssens\r\n".encode(),
            "studenten.csv",
            "Onbekende kolommen: Achternam",
        ),
        (
            "Voornaam;Achternaam\r\nSara;Janssens\r\n".encode(),
            "studenten.csv",
            "Deze kolommen ontbreken: Rijksregisternummer, Straat",
        ),
        (
            "Voornaam;Voornaam\r\nSara;Janssens\r\n".encode(),
            "studenten.csv",
            "meer dan eens in: Voornaam",
        ),
    ],
)
def test_an_unusable_file_gets_a_clear_message(
    app, client, school, content, name, message
):
    response = upload(client, school, content, name)
    assert response.status_code == 200
    assert message in response.text
    assert "Er werd niets opgeslagen" in response.text


def test_no_file_chosen(app, client, school):
    response = client.post(f"/import?term={school['term_id']}", data={})
    assert "Kies een bestand." in response.text


def test_a_windows_1252_file_is_read_and_the_school_is_told(app, client, school):
    content = (
        rows_file([a_row(school, Voornaam="Élise", Achternaam="Dupré")])
        .decode("utf-8-sig")
        .encode("cp1252")
    )
    preview = upload(client, school, content)
    assert "Windows-1252" in preview.text and "Élise" in preview.text
    save(client, school, preview)
    assert students(app, school) == [("Élise", "Dupré")]


def test_an_xlsx_upload_with_typed_cells(app, client, school):
    row = a_row(
        school,
        Postcode=2000,
        Rijksregisternummer=int(valid_national_number(date(2001, 3, 9), 45)),
    )  # Excel dropped the 0
    preview = upload(client, school, rows_file([row], writer=xlsx), "studenten.xlsx")
    assert "1 rij in orde" in preview.text, preview.text
    save(client, school, preview)
    with app.app_context():
        student = db.session.scalar(select(Student))
        assert national_number_of(student) == valid_national_number(
            date(2001, 3, 9), 45
        )
        assert student.periods[0].start_date == school["start"]


# --- the intake window and the template -----------------------------------------------------


def test_outside_the_intake_window_the_upload_and_the_save_are_refused(
    app, client, school
):
    preview = upload(client, school, rows_file([a_row(school)]))
    with app.app_context():
        term = db.session.get(Term, school["term_id"])
        term.intake_opens_at, term.intake_closes_at = (
            term.intake_opens_at - timedelta(days=30),
            term.intake_opens_at,
        )
        db.session.commit()
    page = client.get(f"/import?term={school['term_id']}")
    assert "is afgesloten sinds" in page.text and 'type="file"' not in page.text
    assert (
        "is afgesloten sinds" in upload(client, school, rows_file([a_row(school)])).text
    )
    assert "is afgesloten sinds" in save(client, school, preview).text
    assert students(app, school) == []
    overview = client.get(f"/studenten?term={school['term_id']}")
    assert "Importeer" not in overview.text


def test_the_overview_links_to_the_import(app, client, school):
    page = client.get(f"/studenten?term={school['term_id']}")
    assert f'href="/import?term={school["term_id"]}"' in page.text


def test_the_csv_template_opens_in_excel_and_imports_as_it_is(app, client, school):
    response = client.get(f"/import/sjabloon.csv?term={school['term_id']}")
    assert (
        response.headers["Content-Disposition"]
        == "attachment; filename=stagematching-sjabloon.csv"
    )
    assert response.data.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.data
    lines = list(
        csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";")
    )
    assert lines[0] == REQUEST_HEADERS and len(lines) == 2
    assert lines[1][REQUEST_HEADERS.index("Startdatum periode 1")] == school[
        "start"
    ].strftime("%d/%m/%Y")
    # The example row itself is never imported by mistake...
    preview = upload(client, school, response.data)
    assert "Dit is de voorbeeldrij van het sjabloon; verwijder ze." in row_html(
        preview, 2
    )
    assert "Importeer" not in preview.text
    # ...but a row made from it, with another person in it, is fine.
    example = dict(zip(lines[0], lines[1]))
    example.update({"Voornaam": "Tom", "E-mail": "tom@mail.example"})
    preview = upload(client, school, rows_file([example]))
    assert "1 rij in orde" in preview.text, preview.text


def test_the_xlsx_template_has_the_headers_and_a_typed_example(app, client, school):
    response = client.get(f"/import/sjabloon.xlsx?term={school['term_id']}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == REQUEST_HEADERS
    assert rows[1][REQUEST_HEADERS.index("Startdatum periode 1")] == datetime.combine(
        school["start"], datetime.min.time()
    )
    assert rows[1][REQUEST_HEADERS.index("Stage-/werkplekbegeleider")] == "An Peeters"
    preview = upload(client, school, response.data, "sjabloon.xlsx")
    assert "0 rijen in orde" in preview.text
    assert "Dit is de voorbeeldrij van het sjabloon; verwijder ze." in row_html(
        preview, 2
    )


@pytest.mark.parametrize("flavour", ["csv_excel", "csv", "xlsx"])
def test_a_file_from_the_export_writers_imports_as_the_same_students(
    app, client, school, flavour
):
    import os

    from app.export import writers

    with app.app_context():
        exported = exported_school(school)
        db.session.commit()
    if flavour == "xlsx":
        path = writers.xlsx_file(exported)
        with open(path, "rb") as file:
            content = file.read()
        os.remove(path)
    else:
        chosen = writers.EXCEL_CSV if flavour == "csv_excel" else writers.PLAIN_CSV
        content = "".join(writers.csv_chunks(HEADERS, exported, chosen)).encode()
    preview = upload(
        client, school, content, f"export.{'xlsx' if flavour == 'xlsx' else 'csv'}"
    )
    assert "3 rijen in orde" in preview.text, preview.text
    save(client, school, preview)
    with app.app_context():
        imported = db.session.scalars(
            select(Student)
            .where(Student.school_id == school["school_id"])
            .order_by(Student.id)
        ).all()
        again = [request_values(s, national_number_of(s)) for s in imported]
    context = len(COLUMNS) - len(HEADERS[HEADERS.index("Voornaam") :])
    assert again == [row[context : context + len(REQUEST_COLUMNS)] for row in exported]


# --- third review: limits of an .xlsx, the preview, the same person, notices ---------------------

XLSX_NAME = "studenten.xlsx"


def patched(content: bytes, part: str, change) -> bytes:
    """The .xlsx `content` with one zip part rewritten by `change` (bytes -> bytes)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(
                info.filename, change(data) if info.filename == part else data
            )
    return out.getvalue()


def shared_strings_xlsx(school, strings: bytes) -> bytes:
    """A valid one-row file whose xl/sharedStrings.xml holds `strings` as well."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True}
    )  # text as shared strings
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, REQUEST_HEADERS)
    for index, value in enumerate(a_row(school).get(h) for h in REQUEST_HEADERS):
        if isinstance(value, date):
            sheet.write_datetime(1, index, datetime.combine(value, datetime.min.time()))
        elif value is not None:
            sheet.write(1, index, value)
    workbook.close()
    return patched(
        buffer.getvalue(),
        "xl/sharedStrings.xml",
        lambda data: data.replace(b"</sst>", strings + b"</sst>"),
    )


def sheet_xml(content: bytes, change) -> bytes:
    return patched(
        content, "xl/worksheets/sheet1.xml", lambda data: change(data.decode()).encode()
    )


def test_shared_strings_that_unpack_beyond_the_cap_are_refused_before_parsing(
    app, client, school
):
    content = shared_strings_xlsx(
        school, b"<si><t>a</t></si>" * 700_000
    )  # 12 MB unpacked
    assert len(content) < 100_000
    started = time.monotonic()
    response = upload(client, school, content, XLSX_NAME)
    assert time.monotonic() - started < 2
    assert "te groot of te ingewikkeld om te lezen" in response.text


def test_many_small_shared_strings_are_refused_by_their_number(app, client, school):
    app.config["IMPORT_MAX_ROWS"] = 10  # room for (10 + 10) rows x the export's columns
    content = shared_strings_xlsx(school, b"<si><t>a</t></si>" * 5_000)
    assert (
        "te groot of te ingewikkeld om te lezen"
        in upload(client, school, content, XLSX_NAME).text
    )
    small = shared_strings_xlsx(school, b"<si><t>a</t></si>" * 100)
    assert "1 rij in orde" in upload(client, school, small, XLSX_NAME).text


def test_a_zip_that_lies_about_its_unpacked_size_is_refused(app, client, school):
    content = shared_strings_xlsx(school, b"<si><t>a</t></si>" * 700_000)
    # Declare 1000 bytes for sharedStrings.xml in the central directory.
    archive = zipfile.ZipFile(io.BytesIO(content))
    info = archive.getinfo("xl/sharedStrings.xml")
    entry = next(
        m.start()
        for m in re.finditer(rb"PK\x01\x02", content)
        if content[m.start() + 46 : m.start() + 46 + len(info.filename)]
        == info.filename.encode()
    )
    lying = content[: entry + 24] + (1000).to_bytes(4, "little") + content[entry + 28 :]
    assert (
        zipfile.ZipFile(io.BytesIO(lying)).getinfo("xl/sharedStrings.xml").file_size
        == 1000
    )
    started = time.monotonic()
    response = upload(client, school, lying, XLSX_NAME)
    assert time.monotonic() - started < 2
    assert "geen geldig Excel-bestand" in response.text


def test_blank_rows_end_the_sheet_quickly(app, client, school):
    """No <dimension>, a student far below 1000 blank rows: read up to the blank run, quickly."""
    content = rows_file([a_row(school)], writer=xlsx)

    def far_rows(xml: str) -> str:
        xml = re.sub(r"<dimension[^>]*>", "", xml)
        return xml.replace(
            "</sheetData>",
            '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Tom</t></is></c></row></sheetData>',
        )

    started = time.monotonic()
    response = upload(client, school, sheet_xml(content, far_rows), XLSX_NAME)
    assert time.monotonic() - started < 3
    assert "1 rij in orde" in response.text, response.text
    assert f"Na rij 2 volgen {MAX_BLANK_RUN} lege rijen" in response.text


def test_blank_lines_count_towards_the_limit_of_the_file(app, client, school):
    app.config["IMPORT_MAX_ROWS"] = 2
    blank = b"\r\n" * 600
    header, line = rows_file([a_row(school)]).split(b"\r\n", 2)[:2]
    content = header + b"\r\n" + (line + b"\r\n" + blank) * 2
    response = upload(client, school, content)
    assert "meer dan 1004 rijen (lege rijen meegeteld)" in response.text


def test_an_xlsx_with_a_wrong_dimension_is_read_whole(app, client, school):
    rows = [
        a_row(
            school,
            Voornaam=f"Student{n}",
            **{
                "E-mail": f"s{n}@mail.example",
                "Rijksregisternummer": valid_national_number(
                    date(2001, 1, 1) + timedelta(days=n), 45
                ),
            },
        )
        for n in range(20)
    ]
    content = sheet_xml(
        rows_file(rows, writer=xlsx),
        lambda xml: re.sub(
            r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:AN3"/>', xml
        ),
    )
    assert b'ref="A1:AN3"' in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    assert "20 rijen in orde" in upload(client, school, content, XLSX_NAME).text


def test_the_preview_shows_the_errors_first_and_above_the_table(app, client, school):
    rows = [
        a_row(school),
        a_row(
            school,
            Voornaam="Tom",
            Postcode="200",
            Rijksregisternummer=valid_national_number(date(2001, 3, 9), 45),
        ),
    ]
    response = upload(client, school, rows_file(rows))
    summary, table = response.text.split("<table", 1)
    assert (
        "Rij 3: <strong>Postcode</strong>: Een Belgische postcode heeft 4 cijfers"
        in summary
    )
    assert "Rij 2:" not in summary
    head = table.split("</thead>", 1)[0]
    assert head.index("Rij") < head.index("Fouten") < head.index("Voornaam")
    bad = row_html(response, 3)
    assert bad.index("Een Belgische postcode") < bad.index("<td>Tom</td>")
    assert '<tr class="row-invalid">\n        <th scope="row">3</th>' in response.text
    assert '<tr>\n        <th scope="row">2</th>' in response.text
    assert "style=" not in response.text.split('<section id="import-preview"', 1)[1]


@pytest.mark.parametrize("mode", ["optional", "absent"])
def test_without_national_numbers_the_same_person_is_found_by_name_and_e_mail(
    app, client, school, mode
):
    app.config["NATIONAL_NUMBER_MODE"] = mode
    headers = [h for h in REQUEST_HEADERS if h != "Rijksregisternummer"]
    sara = a_row(school)
    same = a_row(
        school,
        Voornaam=" sara ",
        Achternaam="JANSSENS",
        **{"E-mail": "Sara@Mail.example "},
    )
    tom = a_row(school, Voornaam="Tom", **{"E-mail": "tom@mail.example"})
    response = upload(client, school, rows_file([sara, same, tom], headers=headers))
    assert "ook op rij 3" in row_html(response, 2) and "ook op rij 2" in row_html(
        response, 3
    )
    assert "in orde" in row_html(response, 4)
    # Imported once, the same file again is refused row by row.
    save(
        client, school, upload(client, school, rows_file([sara, tom], headers=headers))
    )
    assert students(app, school) == [("Sara", "Janssens"), ("Tom", "Janssens")]
    again = upload(client, school, rows_file([same, tom], headers=headers))
    assert "0 rijen in orde" in again.text
    assert "al ingegeven voor deze stageperiode" in row_html(again, 2)
    assert "al ingegeven voor deze stageperiode" in row_html(again, 3)
    # Another person of the same name (another e-mail) is no duplicate.
    other = upload(
        client,
        school,
        rows_file(
            [a_row(school, **{"E-mail": "sara.j@mail.example"})], headers=headers
        ),
    )
    assert "1 rij in orde" in other.text


def test_a_row_without_national_number_matches_a_row_with_one(app, client, school):
    app.config["NATIONAL_NUMBER_MODE"] = "optional"
    response = upload(
        client,
        school,
        rows_file([a_row(school), a_row(school, Rijksregisternummer=None)]),
    )
    assert "ook op rij 3" in row_html(response, 2) and "ook op rij 2" in row_html(
        response, 3
    )


def test_a_stopped_student_of_an_export_is_imported_as_open_with_a_notice(
    app, client, school
):
    headers = [*REQUEST_HEADERS, "Status", "Gestopt op"]
    rows = [
        a_row(school, Status="gestopt", **{"Gestopt op": school["start"]}),
        a_row(
            school,
            Voornaam="Tom",
            Status="open",
            Rijksregisternummer=valid_national_number(date(2001, 3, 9), 45),
        ),
    ]
    preview = upload(client, school, rows_file(rows, headers=headers))
    assert "2 rijen in orde" in preview.text
    notice = "In de export stond deze student als gestopt; hij of zij wordt als nieuwe, open aanvraag ingegeven."
    assert notice in row_html(preview, 2) and notice not in row_html(preview, 3)
    assert '<tr class="row-notice">' in preview.text
    save(client, school, preview)
    with app.app_context():
        assert [s.stopped_on for s in db.session.scalars(select(Student))] == [
            None,
            None,
        ]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_refused_csrf_token_shows_the_import_page_with_a_message(
    app, client, school, htmx
):
    app.config["WTF_CSRF_ENABLED"] = True
    response = upload(client, school, rows_file([a_row(school)]), htmx=htmx)
    assert (
        "De pagina was verlopen; er werd niets gecontroleerd of opgeslagen."
        in response.text
    )
    assert "HX-Refresh" not in response.headers
    if (
        htmx
    ):  # swapped into the page: the chosen file stays, the form gets a valid token
        assert response.status_code == 200 and response.text.startswith(
            '<section id="import-preview"'
        )
        assert (
            'hx-swap-oob="true"' in response.text and 'id="csrf_token"' in response.text
        )
    else:
        assert response.status_code == 400 and 'type="file"' in response.text
    assert students(app, school) == []
