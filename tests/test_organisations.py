"""VIVO's desk: schools and care services (ADM-1) and the care-services import."""

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, CareService, Placement, School
from app.placements.logic import capacity
from app.students.forms import service_choices
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)

ADMIN = "beheer@vivo.example"
HEADER = "Naam;Type;Straat;Postcode;Plaats;Provincie;E-mail;Telefoon;Ondernemingsnummer;Capaciteit"


def enterprise_number(serial: int) -> str:
    """A valid Belgian enterprise number: 8 digits and their 97-check."""
    base = 10_000_000 + serial
    return f"{base}{97 - base % 97:02d}"


@pytest.fixture
def admin(app, client):
    with app.app_context():
        make_user("admin", email=ADMIN)
        db.session.commit()
    login(client, ADMIN)
    return client


def actions(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
        )


# --- schools -----------------------------------------------------------------------------


def test_admin_creates_edits_and_finds_a_school(app, admin):
    response = admin.post(
        "/admin/scholen/nieuw",
        data={
            "name": "CVO Leerpunt",
            "street": "Kerkstraat 1",
            "postcode": "9000",
            "city": "Gent",
            "email": "info@leerpunt.example",
            "phone": "03 212 34 56",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        school = db.session.scalar(select(School).where(School.name == "CVO Leerpunt"))
        assert (school.city, school.phone, school.active) == (
            "Gent",
            "+3232123456",
            True,
        )
        school_id = school.id
    admin.post(
        f"/admin/scholen/{school_id}",
        data={"name": "CVO Leerpunt Gent", "postcode": "9000"},
    )
    page = admin.get("/admin/scholen?q=leerpunt").text
    assert "CVO Leerpunt Gent" in page
    assert "CVO Leerpunt Gent" not in admin.get("/admin/scholen?q=antwerpen").text
    assert actions(app)[-2:] == ["school.created", "school.updated"]


def test_school_form_shows_errors_next_to_the_fields(app, admin):
    with app.app_context():
        make_school("CVO Bestaat")
        db.session.commit()
    page = admin.post(
        "/admin/scholen/nieuw", data={"name": "cvo bestaat", "postcode": "12"}
    ).text
    assert (
        'id="name-error"' in page and "Er bestaat al een school met deze naam." in page
    )
    assert 'id="postcode-error"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School)) == 1


def test_unknown_ids_answer_404(admin):
    assert admin.get("/admin/scholen/999999").status_code == 404
    assert admin.post("/admin/diensten/999999/deactiveren").status_code == 404
    assert admin.get("/admin/diensten/99999999999").status_code == 404


def test_school_list_pages(app, admin):
    with app.app_context():
        for n in range(30):
            make_school(f"CVO Pagina {n:02d}")
        db.session.commit()
    first, second = (
        admin.get("/admin/scholen").text,
        admin.get("/admin/scholen?page=2").text,
    )
    assert "CVO Pagina 00" in first and "CVO Pagina 29" not in first
    assert "CVO Pagina 29" in second and "CVO Pagina 00" not in second
    assert "30 scholen" in first


def test_sec_05_a_deactivated_schools_logins_are_refused_and_logged_out(app, admin):
    with app.app_context():
        school = make_school()
        make_user("school", school, email="coord@cvo.example")
        db.session.commit()
        school_id = school.id
    coordinator = app.test_client()
    login(coordinator, "coord@cvo.example")
    assert coordinator.get("/studenten").status_code == 200

    admin.post(f"/admin/scholen/{school_id}/deactiveren")
    assert coordinator.get("/studenten").status_code == 302  # its session ended
    refused = login(app.test_client(), "coord@cvo.example")
    assert refused.status_code == 200 and "/start" not in refused.headers.get(
        "Location", ""
    )
    assert "gedeactiveerd" in admin.get("/admin/scholen").text

    admin.post(f"/admin/scholen/{school_id}/activeren")
    assert login(app.test_client(), "coord@cvo.example").headers["Location"] == "/start"
    assert actions(app)[-2:] == ["school.deactivated", "school.reactivated"]


# --- care services -----------------------------------------------------------------------


def service_form(**changes) -> dict:
    data = {
        "name": "WZC De Linde",
        "kind": "wzc",
        "province": "ANT",
        "street": "Lindelaan 1",
        "postcode": "2000",
        "city": "Antwerpen",
        "enterprise_number": "BE 0403.170.701",
        "capacity_default": "3",
    }
    return data | changes


def test_admin_creates_a_service_with_a_valid_enterprise_number(app, admin):
    assert admin.post("/admin/diensten/nieuw", data=service_form()).status_code == 302
    with app.app_context():
        service = db.session.scalar(select(CareService))
        assert (service.enterprise_number, service.capacity_default) == (
            "0403170701",
            3,
        )
    page = admin.get("/admin/diensten").text
    assert "BE 0403.170.701" in page and "Woonzorgcentrum" in page
    edit = admin.get(f"/admin/diensten/{service.id}").text
    assert 'value="BE 0403.170.701"' in edit


def test_service_enterprise_number_is_checked_and_unique(app, admin):
    page = admin.post(
        "/admin/diensten/nieuw", data=service_form(enterprise_number="0403170702")
    ).text
    assert 'id="enterprise_number-error"' in page and "klopt niet" in page
    admin.post("/admin/diensten/nieuw", data=service_form())
    page = admin.post("/admin/diensten/nieuw", data=service_form(name="Andere")).text
    assert "Er bestaat al een dienst met dit ondernemingsnummer." in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CareService)) == 1


def test_capacity_default_counts_when_the_service_set_none(app):
    with app.app_context():
        term = make_term()
        service = make_service(capacity_default=4)
        assert capacity(service.id, term.id) == (4, 0)


def test_deactivated_service_loses_logins_and_preference_but_keeps_placements(
    app, admin
):
    with app.app_context():
        service = make_service(name="WZC Zonnebloem")
        make_user("service", service, email="staff@wzc.example")
        student = make_student(make_school(), make_term())
        make_placement(student, service)
        db.session.commit()
        service_id = service.id
    staff = app.test_client()
    login(staff, "staff@wzc.example")
    assert staff.get("/dienst/aanvragen").status_code == 200

    response = admin.post(
        f"/admin/diensten/{service_id}/deactiveren", headers={"HX-Request": "true"}
    )
    assert "Activeren" in response.text and "hx-swap-oob" in response.text

    assert (
        staff.get("/dienst/aanvragen").status_code == 302
    )  # logged out, sees no requests
    assert login(app.test_client(), "staff@wzc.example").status_code == 200  # refused
    with app.app_context():
        assert service_id not in [c.value for c in service_choices()]
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 1
    assert actions(app)[-1] == "service.deactivated"


# --- import ------------------------------------------------------------------------------


def upload(client, content: bytes, name: str = "diensten.csv"):
    return client.post(
        "/admin/diensten/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def csv_file(*lines: str, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join([HEADER, *lines]) + "\r\n").encode()


def count_services(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CareService))


def confirm(client, preview: str):
    token = preview.split('name="token" value="')[1].split('"')[0]
    return client.post("/admin/diensten/import/opslaan", data={"token": token})


def test_a_valid_csv_is_previewed_then_imported(app, admin):
    data = csv_file(
        f"WZC Een;Woonzorgcentrum;Straat 1;2000;Antwerpen;Antwerpen;een@wzc.example;03 212 34 56;{enterprise_number(1)};2",
        f"Thuiszorg Twee;thuiszorg;;9000;Gent;OVL;;;{enterprise_number(2)};",
    )
    preview = upload(admin, data).text
    assert "Alle 2 regels zijn in orde." in preview and "nieuw" in preview
    assert count_services(app) == 0  # nothing saved by the preview
    assert confirm(admin, preview).status_code == 302
    with app.app_context():
        services = db.session.scalars(
            select(CareService).order_by(CareService.name)
        ).all()
        assert [(s.name, s.kind, s.province, s.capacity_default) for s in services] == [
            ("Thuiszorg Twee", "thuiszorg", "OVL", None),
            ("WZC Een", "wzc", "ANT", 2),
        ]
    assert actions(app).count("service.created") == 2


def test_one_bad_line_imports_nothing_and_names_line_and_field(app, admin):
    data = csv_file(
        f"WZC Een;Woonzorgcentrum;;2000;Antwerpen;Antwerpen;;;{enterprise_number(1)};",
        "WZC Twee;Woonzorgcentrum;;2000;Antwerpen;Antwerpen;;;0403170702;",
        f"WZC Drie;Kinderopvang;;2000;Antwerpen;Antwerpen;;;{enterprise_number(3)};",
    )
    preview = upload(admin, data).text
    assert "Regel 3, Ondernemingsnummer:" in preview
    assert "Regel 4, Type:" in preview
    assert 'name="token"' not in preview
    assert count_services(app) == 0


def test_an_existing_enterprise_number_updates_the_service(app, admin):
    with app.app_context():
        make_service(name="WZC Oud", enterprise_number=enterprise_number(7))
        db.session.commit()
    data = csv_file(
        f"WZC Nieuw,Woonzorgcentrum,,3500,Hasselt,Limburg,,,{enterprise_number(7)},5".replace(
            ",", ";"
        )
    )
    preview = upload(admin, data).text
    assert "bijwerken: WZC Oud" in preview
    confirm(admin, preview)
    with app.app_context():
        (service,) = db.session.scalars(select(CareService)).all()
        assert (service.name, service.province, service.capacity_default) == (
            "WZC Nieuw",
            "LIM",
            5,
        )


def test_comma_separated_csv_without_bom_and_doubled_numbers(app, admin):
    header = HEADER.replace(";", ",")
    line = f"WZC Een,wzc,,2000,Antwerpen,ANT,,,{enterprise_number(1)},"
    preview = upload(admin, (header + "\n" + line + "\n" + line + "\n").encode()).text
    assert (
        "Regel 3, Ondernemingsnummer: Dit ondernemingsnummer staat ook op regel 2."
        in preview
    )


def test_xlsx_import_and_template(app, admin):
    template = admin.get("/admin/diensten/sjabloon.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(template.data)).active
    assert [c.value for c in sheet[1]][:3] == ["Naam", "Type", "Straat"]
    sheet.append(
        [
            "WZC Excel",
            "Ziekenhuis",
            "",
            8000,
            "Brugge",
            "West-Vlaanderen",
            "",
            "",
            int(enterprise_number(9)),
            1,
        ]
    )
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    preview = upload(admin, buffer.getvalue(), "lijst.xlsx").text
    assert "Alle 2 regels zijn in orde." in preview
    confirm(admin, preview)
    assert count_services(app) == 2
    assert "Naam;Type" in admin.get("/admin/diensten/sjabloon.csv").text


def test_unusable_files_are_explained(app, admin):
    assert "Deze kolommen ontbreken" in upload(admin, b"Naam;Straat\r\nX;Y\r\n").text
    assert "Onbekende kolommen" in upload(admin, b"Naam;Kleur\r\nX;Y\r\n").text
    assert (
        "geen geldig Excel-bestand"
        in upload(admin, b"PK\x03\x04rubbish", "x.xlsx").text
    )
    app.config["IMPORT_MAX_BYTES"] = 2048
    assert "groter dan 2 kB" in upload(admin, b"a" * 3000).text


def test_save_without_the_preview_saves_nothing(app, admin):
    response = admin.post("/admin/diensten/import/opslaan", data={"token": "x" * 32})
    assert response.status_code == 302
    assert count_services(app) == 0


# --- review fixes ------------------------------------------------------------------------


def test_an_update_changes_only_the_columns_the_file_fills(app, admin):
    with app.app_context():
        make_service(
            name="WZC Oud",
            kind="wzc",
            enterprise_number=enterprise_number(7),
            street="Kerkstraat 1",
            postcode="3500",
            city="Hasselt",
            province="LIM",
            email="info@oud.example",
            phone="+3211223344",
            capacity_default=4,
        )
        db.session.commit()
    # Only the required columns, and a blank name: nothing but the province changes.
    data = (
        "Naam;Type;Provincie;Ondernemingsnummer\r\n"
        f";Woonzorgcentrum;Antwerpen;{enterprise_number(7)}\r\n"
    ).encode()
    preview = upload(admin, data).text
    assert "bijwerken: WZC Oud" in preview
    assert "Provincie: <del>Limburg</del> → <ins>Antwerpen</ins>" in preview
    assert "Straat:" not in preview and "Naam:" not in preview
    confirm(admin, preview)
    with app.app_context():
        service = db.session.scalar(select(CareService))
        assert (
            service.name,
            service.street,
            service.postcode,
            service.city,
            service.email,
            service.phone,
            service.capacity_default,
            service.province,
        ) == (
            "WZC Oud",
            "Kerkstraat 1",
            "3500",
            "Hasselt",
            "info@oud.example",
            "+3211223344",
            4,
            "ANT",
        )
    # All columns, blanks included: blanks keep the stored value.
    preview = upload(
        admin, csv_file(f"WZC Oud;wzc;;;Genk;ANT;;;{enterprise_number(7)};")
    ).text
    assert "Plaats: <del>Hasselt</del> → <ins>Genk</ins>" in preview
    confirm(admin, preview)
    with app.app_context():
        service = db.session.scalar(select(CareService))
        assert (service.city, service.street, service.capacity_default) == (
            "Genk",
            "Kerkstraat 1",
            4,
        )
    assert actions(app).count("service.updated") == 2


def test_reimporting_unchanged_services_writes_and_audits_nothing(app, admin):
    lines = [
        f"WZC {n};wzc;Straat {n};2000;Antwerpen;ANT;info{n}@wzc.example;03 212 34 56;"
        f"{enterprise_number(n)};2"
        for n in range(3)
    ]
    confirm(admin, upload(admin, csv_file(*lines)).text)
    before = len(actions(app))
    changed = lines[:2] + [lines[2].replace(";2000;", ";2018;")]
    preview = upload(admin, csv_file(*changed)).text
    assert preview.count("ongewijzigd: WZC") == 2
    assert "Postcode: <del>2000</del> → <ins>2018</ins>" in preview
    response = confirm(admin, preview)
    assert (
        "0 diensten toegevoegd, 1 bijgewerkt, 2 ongewijzigd."
        in admin.get(response.headers["Location"]).text
    )
    assert actions(app)[before:] == ["service.updated"]


def test_import_knows_brussels_and_explains_a_broken_capacity_once(app, admin):
    preview = upload(
        admin,
        csv_file(
            f"WZC Een;wzc;;;;Brussel;;;{enterprise_number(1)};",
            f"WZC Twee;wzc;;;;BRUSSELS;;;{enterprise_number(2)};",
            f"WZC Drie;wzc;;;;Antwerpen;;;{enterprise_number(3)};2.5",
        ),
    ).text
    assert "Regel 2, Provincie" not in preview and "Regel 3, Provincie" not in preview
    assert preview.count("Regel 4, Capaciteit") == 1
    assert "Geef een geheel getal, bv. 4." in preview
    page = admin.post(
        "/admin/diensten/nieuw", data=service_form(capacity_default="2.5")
    ).text
    # Once next to the field (and once more, as a link to it, in the error summary).
    field_error = page.split('id="capacity_default-error"')[1].split("</small>")[0]
    assert field_error.count("Geef een geheel getal") == 1 and "500" not in field_error
    assert page.count("Geef een geheel getal") == 2


def test_an_all_zero_enterprise_number_is_refused(app, admin):
    page = admin.post(
        "/admin/diensten/nieuw", data=service_form(enterprise_number="0000000097")
    ).text
    assert 'id="enterprise_number-error"' in page and "klopt niet" in page
    assert count_services(app) == 0


def test_school_names_differing_only_by_invisible_characters_are_the_same(app, admin):
    with app.app_context():
        make_school("CVO Leerpunt")
        db.session.commit()
    for name in ("CVO Leer\u200bpunt", "CVO\u00ad Leerpunt", "ＣＶＯ Leerpunt"):
        page = admin.post(
            "/admin/scholen/nieuw", data={"name": name, "postcode": "9000"}
        ).text
        assert "Er bestaat al een school met deze naam." in page, name
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School)) == 1


@pytest.mark.parametrize("path", ["/admin/scholen", "/admin/diensten", "/admin/logins"])
def test_oversized_page_numbers_are_clamped(admin, path):
    for page in ("922337203685477580", "99999999999999999999999", "-3", "x"):
        assert admin.get(f"{path}?page={page}").status_code == 200


def test_sec_10_deactivating_a_school_ends_its_sessions_for_good(app, admin):
    with app.app_context():
        school = make_school()
        make_user("school", school, email="coord@cvo.example")
        db.session.commit()
        school_id = school.id
    coordinator = app.test_client()
    login(coordinator, "coord@cvo.example")
    assert coordinator.get("/studenten").status_code == 200
    admin.post(f"/admin/scholen/{school_id}/deactiveren")
    admin.post(f"/admin/scholen/{school_id}/activeren")
    assert (
        coordinator.get("/studenten").status_code == 302
    )  # the old cookie is not revived


def test_htmx_row_keeps_the_logins_count_and_links_to_exactly_its_logins(app, admin):
    with app.app_context():
        linde = make_service(name="WZC Linde")
        other = make_service(name="WZC Linde Noord")
        make_user("service", linde, email="a@linde.example")
        make_user("service", linde, email="b@linde.example")
        make_user("service", other, email="c@noord.example")
        db.session.commit()
        linde_id, other_id = linde.id, other.id
    row = admin.post(
        f"/admin/diensten/{linde_id}/deactiveren", headers={"HX-Request": "true"}
    ).text
    link = f'href="/admin/logins?dienst={linde_id}">2</a>'
    assert link in row
    assert link in admin.get("/admin/diensten").text
    logins = admin.get(f"/admin/logins?dienst={linde_id}").text
    assert "a@linde.example" in logins and "b@linde.example" in logins
    assert "c@noord.example" not in logins and "2 logins" in logins
    assert "c@noord.example" in admin.get(f"/admin/logins?dienst={other_id}").text
    assert "0 logins" in admin.get("/admin/logins?dienst=99999999999999").text
