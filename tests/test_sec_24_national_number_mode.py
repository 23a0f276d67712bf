"""SECURITY.md 24: NATIONAL_NUMBER_MODE makes the national number required, optional or absent;
each mode changes the form, the pages and the exports, and an unknown mode stops the start."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Student
from app.validation import format_national_number
from config import ConfigError, TestConfig
from tests.factories import (
    login,
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
from tests.test_sec_27_config import import_wsgi

STORED = valid_national_number(date(1993, 4, 5), 61)  # stored before the mode changed
TYPED = valid_national_number(date(1995, 6, 7), 83)  # typed in the form
MODES = ("required", "optional", "absent")


@pytest.fixture(params=MODES)
def app_overrides(request) -> dict:
    return {"NATIONAL_NUMBER_MODE": request.param}


@pytest.fixture
def mode(app) -> str:
    return app.config["NATIONAL_NUMBER_MODE"]


@pytest.fixture
def world(app):
    """School A's request (national number stored) accepted by service S; an admin."""
    with app.app_context():
        school = make_school("CVO Modus")
        supervisor = make_supervisor(school)
        term = make_term()
        student = make_student(
            school=school,
            term=term,
            supervisor=supervisor,
            national_number=STORED,
            first_name="Nora",
            last_name="Nummer",
        )
        service = make_service("ANT", name="WZC Modus")
        make_placement(student, service=service, mentor=make_mentor(service))
        users = {
            "school": make_user("school", organisation=school).email,
            "service": make_user("service", organisation=service).email,
            "admin": make_user("admin").email,
        }
        db.session.commit()
        return dict(
            student=student.id,
            school_id=school.id,
            term=term.id,
            supervisor=supervisor.id,
            start=term.internship_start,
            **users,
        )


def client_for(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def shows_number(text: str, number: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return format_national_number(number) in text or number in digits


# --- The form -------------------------------------------------------------------------------


def request_data(world, **overrides) -> dict:
    start = world["start"]
    data = {
        "first_name": "Tom",
        "last_name": "Typt",
        "street": "Kerkstraat 1",
        "postcode": "2000",
        "city": "Antwerpen",
        "province": "ANT",
        "phone": "0470 12 34 56",
        "email": "tom@mail.example",
        "transport": ["fiets"],
        "supervisor_id": str(world["supervisor"]),
        "internship_form": "blok",
        "period_count": "1",
        "hours_per_week": "30",
        "total_hours": "120",
        "period_1_start": start.isoformat(),
        "period_1_end": (start + timedelta(days=20)).isoformat(),
        "preferred_service_id": "0",
        "action": "close",
    }
    data.update(overrides)
    return data


def saved_number_index(app) -> list:
    with app.app_context():
        return db.session.execute(
            select(Student.national_number_index).where(Student.first_name == "Tom")
        ).all()


def test_sec_24_the_form_follows_the_mode(app, world, mode):
    client = client_for(app, world["school"])
    form = client.get(f"/studenten/nieuw?term={world['term']}").text
    label = re.search(r'<label for="national_number">(.*?)</label>', form, re.S)
    if mode == "absent":
        assert label is None and 'name="national_number"' not in form
    else:
        assert label is not None
        assert ('class="required"' in label.group(1)) == (mode == "required")


def test_sec_24_saving_without_a_number_follows_the_mode(app, world, mode):
    client = client_for(app, world["school"])
    url = f"/studenten/nieuw?term={world['term']}"
    response = client.post(url, data=request_data(world))
    if mode == "required":
        assert response.status_code == 200
        assert 'id="national_number-error"' in response.text
        assert saved_number_index(app) == []
    else:
        assert response.status_code == 302, response.text[:2000]
        assert [row.national_number_index for row in saved_number_index(app)] == [None]


def test_sec_24_a_typed_number_is_stored_unless_absent(app, world, mode):
    client = client_for(app, world["school"])
    url = f"/studenten/nieuw?term={world['term']}"
    response = client.post(url, data=request_data(world, national_number=TYPED))
    assert response.status_code == 302, response.text[:2000]
    (row,) = saved_number_index(app)
    assert (row.national_number_index is None) == (mode == "absent")


# --- The pages ------------------------------------------------------------------------------


def test_sec_24_the_pages_show_a_stored_number_unless_absent(app, world, mode):
    student = world["student"]
    pages = {
        "school request": client_for(app, world["school"]).get(f"/studenten/{student}"),
        "service contact details": client_for(app, world["service"]).get(
            f"/dienst/aanvragen/{student}"
        ),
        "Mijn stagiairs": client_for(app, world["service"]).get("/dienst/stagiairs"),
        "helpdesk": client_for(app, world["admin"]).get(
            f"/admin/hulp/scholen/{world['school_id']}/studenten/{student}"
        ),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert "Nora" in page.text, name
        assert shows_number(page.text, STORED) == (mode != "absent"), name
    # Where the number has a row of its own, "absent" drops the row, not only the value.
    for name in ("school request", "service contact details", "helpdesk"):
        labelled = "<dt>Rijksregisternummer</dt>" in pages[name].text
        assert labelled == (mode != "absent"), name


# --- The exports ----------------------------------------------------------------------------


def export_rows(app, email, **params) -> list[dict]:
    client = client_for(app, email)
    response = client.get("/export/bestand", query_string={"format": "csv", **params})
    assert response.status_code == 200, response.text[:500]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("role", ["school", "service", "admin"])
def test_sec_24_the_export_keeps_the_column_and_empties_it_when_absent(
    app, world, mode, role
):
    rows = export_rows(app, world[role], term=world["term"])
    (nora,) = [row for row in rows if row["Voornaam"] == "Nora"]
    assert (
        "Rijksregisternummer" in nora
    )  # the file's layout does not depend on the mode
    expected = "" if mode == "absent" else format_national_number(STORED)
    assert nora["Rijksregisternummer"] == expected
    if mode == "absent":
        assert not any(shows_number(value, STORED) for value in nora.values())


# --- Start-up -------------------------------------------------------------------------------


def test_sec_24_an_unknown_mode_is_refused_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match="NATIONAL_NUMBER_MODE='verplicht'"):
        create_app(TestConfig, NATIONAL_NUMBER_MODE="verplicht")
    result = import_wsgi(
        tmp_path, STAGEMATCHING_ENV="development", NATIONAL_NUMBER_MODE="verplicht"
    )
    assert result.returncode == 4
    assert (
        "NATIONAL_NUMBER_MODE='verplicht' is unknown: use one of required, optional, absent"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    spelled = import_wsgi(
        tmp_path, STAGEMATCHING_ENV="development", NATIONAL_NUMBER_MODE=" Absent "
    )
    assert spelled.returncode == 0, spelled.stderr
