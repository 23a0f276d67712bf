"""A school manages its supervisors (manual section 3, SUP-1..3)."""

from sqlalchemy import select

from app.extensions import db
from app.models import Supervisor
from tests.factories import login, make_school, make_student, make_supervisor, make_user


def school_login(app, client):
    with app.app_context():
        user = make_user("school")
        db.session.commit()
        email, school_id = user.email, user.school_id
    login(client, email)
    return school_id


def test_add_supervisor_normalises_phone_and_email(app, client):
    school_id = school_login(app, client)
    response = client.post(
        "/begeleiders",
        data={
            "name": "An Peeters",
            "phone": "0470/12.34.56",
            "email": "An.Peeters@CVO.be",
        },
        follow_redirects=True,
    )
    assert "Stage-/werkplekbegeleider An Peeters toegevoegd" in response.text
    assert "0470 12 34 56" in response.text
    with app.app_context():
        supervisor = db.session.scalar(select(Supervisor))
        assert (supervisor.school_id, supervisor.phone, supervisor.email) == (
            school_id,
            "+32470123456",
            "An.Peeters@cvo.be",
        )


def test_invalid_supervisor_shows_messages_next_to_the_fields(app, client):
    school_login(app, client)
    response = client.post(
        "/begeleiders",
        data={"name": "", "phone": "123", "email": "geen-mail"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.count('aria-invalid="true"') == 3
    assert "Dit veld is verplicht." in response.text
    assert "geldig telefoonnummer" in response.text
    assert 'value="geen-mail"' in response.text  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(Supervisor)) is None


def test_inline_edit_returns_the_updated_row(app, client):
    school_id = school_login(app, client)
    with app.app_context():
        from app.models import School

        supervisor_id = make_supervisor(db.session.get(School, school_id)).id
        db.session.commit()
    editor = client.get(
        f"/begeleiders/{supervisor_id}/bewerken", headers={"HX-Request": "true"}
    )
    assert "<form" in editor.text and "<html" not in editor.text
    row = client.post(
        f"/begeleiders/{supervisor_id}/bewerken",
        data={"name": "Nieuwe Naam", "phone": "03 212 34 56", "email": "nieuw@cvo.be"},
        headers={"HX-Request": "true"},
    )
    assert row.text.startswith(f'<tr id="supervisor-{supervisor_id}">')
    assert "Nieuwe Naam" in row.text and "03 212 34 56" in row.text
    assert 'hx-swap-oob="true"' in row.text


def test_supervisor_with_students_cannot_be_removed(app, client):
    with app.app_context():
        student = make_student()
        user = make_user("school", organisation=student.school)
        make_student(
            school=student.school, supervisor=student.supervisor, term=student.term
        )
        db.session.commit()
        email, supervisor_id = user.email, student.supervisor_id
    login(client, email)
    response = client.post(
        f"/begeleiders/{supervisor_id}/verwijderen", follow_redirects=True
    )
    assert "kan niet verwijderd worden" in response.text
    assert "2 studenten" in response.text
    with app.app_context():
        assert db.session.get(Supervisor, supervisor_id) is not None


def test_unlinked_supervisor_is_removed(app, client):
    school_id = school_login(app, client)
    with app.app_context():
        from app.models import School

        supervisor_id = make_supervisor(db.session.get(School, school_id)).id
        db.session.commit()
    client.post(f"/begeleiders/{supervisor_id}/verwijderen")
    with app.app_context():
        assert db.session.get(Supervisor, supervisor_id) is None


def test_school_cannot_see_or_change_another_schools_supervisor(app, client):
    school_login(app, client)
    with app.app_context():
        other = make_supervisor(make_school(), name="Andere School Begeleider")
        db.session.commit()
        other_id = other.id
    assert "Andere School Begeleider" not in client.get("/begeleiders").text
    for method, url in [
        ("GET", f"/begeleiders/{other_id}"),
        ("GET", f"/begeleiders/{other_id}/bewerken"),
        ("POST", f"/begeleiders/{other_id}/bewerken"),
        ("POST", f"/begeleiders/{other_id}/verwijderen"),
    ]:
        assert client.open(url, method=method, data={"name": "x"}).status_code == 404
    with app.app_context():
        assert db.session.get(Supervisor, other_id).name == "Andere School Begeleider"


def test_the_menu_the_title_and_the_heading_use_the_manuals_one_name(app, client):
    """The manual's field and page say "stage-/werkplekbegeleider": so do menu and page."""
    import re

    school_login(app, client)
    page = client.get("/begeleiders").text
    menu = re.search(r'<a href="/begeleiders"[^>]*>([^<]+)</a>', page).group(1)
    title = re.search(r"<title>([^<]+)</title>", page).group(1)
    heading = re.search(r"<h1>([^<]+)</h1>", page).group(1)
    assert menu == heading == "Stage-/werkplekbegeleiders"
    assert title.startswith("Stage-/werkplekbegeleiders")
    assert "Stagebegeleiders" not in page and "Begeleider toevoegen" not in page
