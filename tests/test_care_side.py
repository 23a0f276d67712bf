"""The care service's side, rough edges of issue 12: mentors edited inline, the clash shown
before accepting, capacity in words, "Mijn stagiairs" filtered and counted, decline back to
the filtered list, the helpdesk copy of "Mijn stagiairs"."""

from sqlalchemy import select

from app.extensions import db
from app.models import Mentor
from tests.factories import login, make_mentor, make_placement, make_service, make_user
from tests.test_placements import NN, accept, as_service, world  # noqa: F401

HTMX = {"HX-Request": "true"}


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
