"""The care service's side, rough edges of issue 12: mentors edited inline, the clash shown
before accepting, capacity in words, "Mijn stagiairs" filtered and counted, decline back to
the filtered list, the helpdesk copy of "Mijn stagiairs"."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Mentor
from tests.factories import make_placement, make_service
from tests.test_placements import NN, accept, as_service, build_world

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    """An Antwerp request with two periods; two Antwerp services and one in Limburg."""
    return build_world(app)


def test_a_mentor_is_edited_inline_and_the_row_comes_back(app, world):
    client = as_service(app, world, "a")
    mentor_id = world["services"]["a"]["mentor"]
    form = client.get(f"/dienst/mentoren/{mentor_id}/bewerken", headers=HTMX).text
    assert f'<tr id="mentor-{mentor_id}">' in form and "<html" not in form
    assert f'hx-post="/dienst/mentoren/{mentor_id}/bewerken"' in form
    row = client.post(
        f"/dienst/mentoren/{mentor_id}/bewerken",
        data={"name": "Mona Maes", "phone": "0470 11 22 33", "email": "mona@wzc.be"},
        headers=HTMX,
    ).text
    assert row.lstrip().startswith(f'<tr id="mentor-{mentor_id}">')
    assert "Mona Maes" in row and "Stagementor Mona Maes bijgewerkt." in row
    cancel = client.get(f"/dienst/mentoren/{mentor_id}", headers=HTMX).text
    assert (
        "Mona Maes" in cancel
        and '<form method="post" action="/dienst/mentoren/' in cancel
    )


def test_an_invalid_inline_edit_keeps_the_row_with_its_errors(app, world):
    client = as_service(app, world, "a")
    mentor_id = world["services"]["a"]["mentor"]
    row = client.post(
        f"/dienst/mentoren/{mentor_id}/bewerken",
        data={"name": "Mona", "phone": "1", "email": "mona@wzc.be"},
        headers=HTMX,
    ).text
    assert f'<tr id="mentor-{mentor_id}">' in row and "geldig telefoonnummer" in row
    with app.app_context():
        assert db.session.get(Mentor, mentor_id).name != "Mona"


def test_a_mentor_added_through_htmx_returns_the_panel(app, world):
    client = as_service(app, world, "a")
    panel = client.post(
        "/dienst/mentoren",
        data={"name": "Nina", "phone": "03 212 34 56", "email": "nina@wzc.be"},
        headers=HTMX,
    ).text
    assert panel.lstrip().startswith('<div id="mentors">') and "Nina" in panel
    assert "Stagementor Nina toegevoegd." in panel


def test_a_mentor_with_trainees_stays_and_the_row_says_why(app, world):
    accept(as_service(app, world, "a"), world, "a")
    client = as_service(app, world, "a")
    mentor_id = world["services"]["a"]["mentor"]
    row = client.post(f"/dienst/mentoren/{mentor_id}/verwijderen", headers=HTMX).text
    assert "begeleidt nog 1 stagiair" in row and 'role="alert"' in row
    with app.app_context():
        assert db.session.get(Mentor, mentor_id) is not None


def test_a_mentor_without_trainees_is_removed_inline(app, world):
    client = as_service(app, world, "a")
    mentor_id = world["services"]["a"]["mentor"]
    answer = client.post(f"/dienst/mentoren/{mentor_id}/verwijderen", headers=HTMX)
    assert "verwijderd" in answer.text and "<tr" not in answer.text
    with app.app_context():
        assert db.session.get(Mentor, mentor_id) is None


def test_another_services_mentor_row_is_not_found(app, world):
    other = as_service(app, world, "b")
    mentor_id = world["services"]["a"]["mentor"]
    assert other.get(f"/dienst/mentoren/{mentor_id}", headers=HTMX).status_code == 404


def _twin_placed_elsewhere(app, world):
    """The same person (same national number) is placed for a clashing period elsewhere."""
    from app.models import Student
    from tests.factories import make_school, make_student

    with app.app_context():
        student = db.session.get(Student, world["student"])
        twin = make_student(
            school=make_school(),
            term=student.term,
            national_number=NN,
            periods=2,
            province="ANT",
        )
        make_placement(twin, service=make_service(province="ANT"))
        db.session.commit()
        return twin.periods[0].start_date, twin.periods[0].end_date


def test_a_clash_shows_on_the_request_page_before_accepting(app, world):
    start, end = _twin_placed_elsewhere(app, world)
    page = as_service(app, world, "a").get(f"/dienst/aanvragen/{world['student']}")
    first, second = world["periods"]
    assert f'id="clash-{first}"' in page.text
    assert f'id="clash-{second}"' not in page.text
    assert start.strftime("%d/%m/%Y") in page.text
    assert "(overlapt met een andere stage van de student)" in page.text


def test_the_shown_clash_and_the_accept_check_are_one_rule(app, world):
    from app.models import Student
    from app.placements import logic

    _twin_placed_elsewhere(app, world)
    with app.app_context():
        student = db.session.get(Student, world["student"])
        shown = logic.clashes(student, student.periods)
        assert list(shown) == [world["periods"][0]]
    response = accept(as_service(app, world, "a"), world, "a")
    with app.app_context():
        from app.models import Placement

        assert (
            db.session.scalar(
                select(Placement).where(Placement.period_id == world["periods"][0])
            )
            is None
        )
    assert response.status_code == 302


def test_no_clash_no_warning(app, world):
    page = as_service(app, world, "a").get(f"/dienst/aanvragen/{world['student']}")
    assert "clash-" not in page.text and "overlapt" not in page.text


def _offer(app, world, key, places):
    from app.models import ServiceCapacity

    with app.app_context():
        db.session.add(
            ServiceCapacity(
                care_service_id=world["services"][key]["id"],
                term_id=world["term"],
                places=places,
            )
        )
        db.session.commit()


def test_capacity_is_explained_in_words(app, world):
    _offer(app, world, "a", 3)
    client = as_service(app, world, "a")
    accept(client, world, "a")
    expected = (
        "Je biedt 3 plaatsen aan: 1 is ingenomen door een stagiair die je aanvaardde, "
        "2 zijn nog vrij."
    )
    assert expected in client.get("/dienst/aanvragen").text
    assert expected in client.get(f"/dienst/aanvragen/{world['student']}").text
    capacity_page = client.get("/dienst/mentoren/capaciteit").text
    assert expected in capacity_page
    assert "neemt één plaats in" in capacity_page


def test_more_taken_than_offered_is_said_plainly(app, world):
    from app.models import CareService, Student

    _offer(app, world, "a", 1)
    with app.app_context():
        service = db.session.get(CareService, world["services"]["a"]["id"])
        term = db.session.get(Student, world["student"]).term
        from tests.factories import make_student

        for _n in range(3):
            make_placement(make_student(term=term, province="ANT"), service=service)
        db.session.commit()
    page = as_service(app, world, "a").get("/dienst/mentoren/capaciteit").text
    assert (
        "Je aanvaardde 3 stagiairs, meer dan de 1 plaats die je aanbiedt: "
        "je zit 2 boven je aanbod." in page
    )


def test_a_full_capacity_says_what_happens_next(app, world):
    _offer(app, world, "a", 1)
    client = as_service(app, world, "a")
    accept(client, world, "a")
    page = client.get("/dienst/aanvragen").text
    assert "Je enige plaats is ingenomen" in page
    assert "de tool vraagt je dat eerst te bevestigen" in page
