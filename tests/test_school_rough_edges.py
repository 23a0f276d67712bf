"""The school side's rough edges of issue 12 ("the coordinator's day")."""

from app.extensions import db
from app.models import School, Term
from tests.factories import (
    login,
    make_placement,
    make_service,
    make_student,
    make_term,
    make_user,
)


def a_coordinator(app, client, **term) -> dict:
    """A logged-in coordinator of a school with a term (open unless told otherwise)."""
    with app.app_context():
        user = make_user("school")
        made = make_term(**term)
        db.session.commit()
        world = {"school_id": user.school_id, "term_id": made.id, "email": user.email}
    login(client, user.email)
    return world


# --- 2. the service's note once in the overview -------------------------------------------


def test_a_note_of_a_service_that_accepted_two_periods_shows_once(app, client):
    world = a_coordinator(app, client)
    with app.app_context():
        student = make_student(
            db.session.get(School, world["school_id"]),
            db.session.get(Term, world["term_id"]),
            periods=2,
        )
        service = make_service(name="WZC De Linde")
        make_placement(student, service, 1, notes="Bel eerst naar Els.")
        make_placement(student, service, 2, notes="Bel eerst naar Els.")
        db.session.commit()
    page = client.get(f"/studenten?term={world['term_id']}")
    assert page.text.count("Bel eerst naar Els.") == 1
    assert "periode 2" in page.text  # both accepted periods still show
