"""Names refuse control, invisible-format and line-separator characters (issue 11, hole 7).

Letters, marks, spaces, apostrophes and hyphens stay: one validator (`plain_text`) guards
every name field — students, supervisors, mentors, schools and services — and the imports
that reuse those forms.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.formtools import hidden_characters
from app.models import CareService, Mentor, School, Student, Supervisor
from tests.factories import (
    login,
    make_mentor,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

MESSAGE = "Gebruik geen regeleinden, tabs of onzichtbare tekens in dit veld."
# One character of each refused kind, inside an otherwise ordinary name.
HIDDEN = {
    "C1 next line U+0085": "Ann\x85a",
    "C1 CSI U+009B": "Ann\x9b31ma",
    "line separator U+2028": "Ann\u2028a",
    "paragraph separator U+2029": "Ann\u2029a",
    "right-to-left override U+202E": "\u202eanirE",
    "zero-width space U+200B": "An\u200bna",
    "soft hyphen U+00AD": "An\xadna",
    "byte order mark U+FEFF": "\ufeffAnna",
    "tab": "Ann\ta",
    "line feed": "Ann\na",
}
ALLOWED = [
    "Zoë",
    "Zoe\u0308",  # e + combining diaeresis: a mark
    "D'Hondt",
    "O\u2019Brien",
    "Van den Broeck-Peeters",
    "Łukasz Żółć",
    "Nguyễn Thị Minh Khai",
    "Ἀλέξανδρος",
    "Anna\u00a0Maria",  # a no-break space is a space
]


def error_next_to_a_field(html: str) -> bool:
    return re.search(r'class="error">[^<]*' + re.escape(MESSAGE), html) is not None


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_characters_are_found(name):
    assert hidden_characters(name)


@pytest.mark.parametrize("name", ALLOWED)
def test_letters_marks_spaces_apostrophes_and_hyphens_are_not_hidden(name):
    assert not hidden_characters(name)


# --- students ------------------------------------------------------------------------------


@pytest.fixture
def school(app, client):
    """A logged-in coordinator with a supervisor and an open term."""
    with app.app_context():
        user = make_user("school")
        supervisor = make_supervisor(user.school, name="An Peeters")
        term = make_term()
        db.session.commit()
        info = dict(
            school=user.school_id,
            supervisor=supervisor.id,
            term=term.id,
            start=term.internship_start,
        )
        email = user.email
    login(client, email)
    return info


def post_student(client, school, **names):
    start = school["start"]
    data = {
        "first_name": "Sara",
        "last_name": "Janssens",
        "national_number": valid_national_number(start.replace(year=1990), 321),
        "street": "Kerkstraat 1",
        "postcode": "2000",
        "city": "Antwerpen",
        "province": "ANT",
        "phone": "0470 12 34 56",
        "email": "sara@mail.example",
        "transport": "fiets",
        "supervisor_id": str(school["supervisor"]),
        "internship_form": "alternerend",
        "period_count": "1",
        "total_hours": "120",
        "period_1_start": start.isoformat(),
        "period_1_end": (start + timedelta(days=20)).isoformat(),
        "preferred_service_id": "0",
        "action": "close",
        **names,
    }
    return client.post(f"/studenten/nieuw?term={school['term']}", data=data)


def student_names(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (s.first_name, s.last_name) for s in db.session.scalars(select(Student))
        ]


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_student_name_with_a_hidden_character_is_refused(
    app, client, school, field, name
):
    response = post_student(client, school, **{field: name})
    assert response.status_code == 200
    assert re.search(
        rf'id="{field}-error" class="error">{re.escape(MESSAGE)}', response.text
    )
    assert student_names(app) == []


@pytest.mark.parametrize("name", ALLOWED)
def test_a_student_name_of_letters_marks_and_punctuation_is_saved(
    app, client, school, name
):
    response = post_student(client, school, first_name=name, last_name=name)
    assert response.status_code == 302
    assert student_names(app) == [(name, name)]


# --- supervisors and mentors ---------------------------------------------------------------

CONTACT = {"phone": "03 212 34 56", "email": "persoon@example.org"}


def names_of(app, model) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(model.name).order_by(model.id)))


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_supervisor_name_with_a_hidden_character_is_refused(
    app, client, school, name
):
    response = client.post("/begeleiders", data={"name": name, **CONTACT})
    assert error_next_to_a_field(response.text)
    assert names_of(app, Supervisor) == ["An Peeters"]

    edited = client.post(
        f"/begeleiders/{school['supervisor']}/bewerken", data={"name": name, **CONTACT}
    )
    assert error_next_to_a_field(edited.text)
    assert names_of(app, Supervisor) == ["An Peeters"]


def test_a_supervisor_added_from_the_student_form_is_checked_too(app, client, school):
    response = post_student(
        client,
        school,
        action="add_supervisor",
        **{
            "sup-name": "\u202eAnna",
            "sup-phone": "03 212 34 56",
            "sup-email": "a@b.be",
        },
    )
    assert error_next_to_a_field(response.text)
    assert names_of(app, Supervisor) == ["An Peeters"]


@pytest.fixture
def service(app, client):
    """A logged-in care service with one mentor."""
    with app.app_context():
        user = make_user("service")
        mentor = make_mentor(user.care_service, name="Mieke Mentor")
        db.session.commit()
        info, email = {"mentor": mentor.id}, user.email
    login(client, email)
    return info


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_mentor_name_with_a_hidden_character_is_refused(app, client, service, name):
    response = client.post("/dienst/mentoren", data={"name": name, **CONTACT})
    assert error_next_to_a_field(response.text)
    edited = client.post(
        f"/dienst/mentoren/{service['mentor']}/bewerken",
        data={"name": name, **CONTACT},
    )
    assert error_next_to_a_field(edited.text)
    assert names_of(app, Mentor) == ["Mieke Mentor"]


@pytest.mark.parametrize("name", ["D'Hondt-Zoë", "Ἀλέξανδρος"])
def test_a_mentor_name_of_letters_and_punctuation_is_saved(app, client, service, name):
    client.post("/dienst/mentoren", data={"name": name, **CONTACT})
    assert names_of(app, Mentor) == ["Mieke Mentor", name]


# --- schools and care services -------------------------------------------------------------


@pytest.fixture
def admin(app, client):
    with app.app_context():
        email = make_user("admin").email
        db.session.commit()
    login(client, email)


SERVICE = {
    "kind": "wzc",
    "province": "ANT",
    "enterprise_number": "BE 0403.170.701",
}


@pytest.mark.parametrize(
    "name", ["WZC\x9bZuid", "WZC\x1b[31mZuid", "WZC\x7fZuid"], ids=["C1", "C0", "DEL"]
)
def test_an_organisation_name_with_a_control_character_is_refused(
    app, client, admin, name
):
    school = client.post("/admin/scholen/nieuw", data={"name": name})
    assert error_next_to_a_field(school.text)
    service = client.post("/admin/diensten/nieuw", data={"name": name, **SERVICE})
    assert error_next_to_a_field(service.text)
    assert names_of(app, School) == [] and names_of(app, CareService) == []


def test_invisible_characters_and_separators_in_an_organisation_name_are_cleaned(
    app, client, admin
):
    """A school's or service's name is compared with the others, so it is cleaned rather
    than refused: invisible format characters (U+202E, zero-width spaces) are dropped and
    line separators, tabs and C1 next-line become one space."""
    client.post("/admin/scholen/nieuw", data={"name": "CVO \u202eZuid\u200b"})
    client.post("/admin/scholen/nieuw", data={"name": "CVO\u2028Noord\x85\tWest"})
    client.post(
        "/admin/diensten/nieuw", data={"name": "WZC \u202eDe\u2029Linde", **SERVICE}
    )
    assert names_of(app, School) == ["CVO Zuid", "CVO Noord West"]
    assert names_of(app, CareService) == ["WZC De Linde"]


@pytest.mark.parametrize(
    "name",
    ["\u3164", "\u2800\u2800", "A\u3164B", "Zo" + "\u0301" * 4, "e" + "\u0300" * 90],
)
def test_sec_names_that_look_empty_or_smear_are_refused(name):
    from app.formtools import hidden_characters

    assert hidden_characters(name)


@pytest.mark.parametrize(
    "name", ["Zoë", "Ngọc", "Nguyễn", "Đặng", "Ève-Marie", "Ø'Brien"]
)
def test_names_with_accents_stay_allowed(name):
    import unicodedata

    from app.formtools import hidden_characters

    assert not hidden_characters(name)
    assert not hidden_characters(unicodedata.normalize("NFD", name))


# --- remarks, reasons and notes (text over several lines) ---------------------------------

REMARKS_MESSAGE = "Deze tekst bevat onzichtbare tekens of stuurtekens"
REFUSED_IN_REMARKS = {
    key: value
    for key, value in HIDDEN.items()
    if key not in ("tab", "line feed")  # writing, in a text over several lines
}


@pytest.mark.parametrize("field", ["remarks", "internship_remarks"])
@pytest.mark.parametrize("text", REFUSED_IN_REMARKS.values(), ids=REFUSED_IN_REMARKS)
def test_remarks_with_a_control_or_bidirectional_character_are_refused(
    app, client, school, field, text
):
    response = post_student(client, school, **{field: f"Let op: {text}."})
    assert response.status_code == 200
    assert re.search(
        rf'id="{field}-error" class="error">{re.escape(REMARKS_MESSAGE)}', response.text
    )
    assert student_names(app) == []


def test_remarks_over_several_lines_with_tabs_and_emoji_are_saved(app, client, school):
    text = "Eerste lijn.\r\n\tTweede lijn met een familie: 👩\u200d👩\u200d👧 en Zoë."
    response = post_student(client, school, remarks=text)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Student.remarks)).one() == text


def test_every_text_area_of_every_form_refuses_hidden_characters():
    """One validator guards every field over several lines, in every form of the app."""
    import wtforms
    from flask_wtf import FlaskForm

    from app import create_app
    from app.formtools import free_text
    from config import TestConfig

    create_app(TestConfig)  # imports every blueprint, so every form class exists

    def forms(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from forms(sub)

    missing = []
    for form in set(forms(FlaskForm)):
        for name, unbound in vars(form).items():
            if isinstance(unbound, wtforms.fields.core.UnboundField) and issubclass(
                unbound.field_class, wtforms.TextAreaField
            ):
                validators = unbound.kwargs.get("validators") or []
                if free_text not in validators:
                    missing.append(f"{form.__name__}.{name}")
    assert missing == []
