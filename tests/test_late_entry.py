"""TERM-3: a late entry opens the intake for exactly one school and one term until exactly its
moment; the banner, the request form and the overview agree, for that school and no other."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import IntakeOverride, School, Term, utcnow
from app.schedule.timetable import intake_window
from tests.factories import login, make_supervisor, make_term, make_user
from tests.test_students import request_data

OPEN_NOW = "VIVO opende de ingave voor je school tot"
CLOSED = "is afgesloten sinds"
BUTTON = 'role="button">Stageaanvraag ingeven'


@pytest.fixture
def late(app):
    """Two closed terms; school A got a late entry for the first one, school B got none."""
    with app.app_context():
        closed, other = make_term(intake_open=False), make_term(intake_open=False)
        a, b = make_user("school"), make_user("school")
        supervisors = {user.email: make_supervisor(user.school).id for user in (a, b)}
        override = IntakeOverride(
            term_id=closed.id,
            school_id=a.school_id,
            reason="nieuwe groep",
            until=utcnow() + timedelta(hours=2),
        )
        db.session.add(override)
        db.session.commit()
        return dict(
            term=closed.id,
            other=other.id,
            a=a.email,
            b=b.email,
            supervisors=supervisors,
            override=override.id,
            start=closed.internship_start,
            end=closed.internship_end,
        )


def client_of(app, email):
    client = app.test_client()
    login(client, email)
    return client


def post_request(client, late, email, term_id):
    data = request_data(
        dict(start=late["start"], supervisor_id=late["supervisors"][email])
    )
    return client.post(f"/studenten/nieuw?term={term_id}", data=data)


def test_only_that_school_and_that_term_are_open(app, late):
    a, b = client_of(app, late["a"]), client_of(app, late["b"])
    overview_a = a.get(f"/studenten?term={late['term']}").text
    assert OPEN_NOW in overview_a and BUTTON in overview_a
    assert "geen ingave van stageaanvragen" not in overview_a  # the banner agrees
    assert "Volgende deadline:</strong>" in overview_a
    assert "late ingave voor je school sluit" in overview_a
    assert OPEN_NOW in a.get(f"/studenten/nieuw?term={late['term']}").text
    assert post_request(a, late, late["a"], late["term"]).status_code == 302

    overview_b = b.get(f"/studenten?term={late['term']}").text
    assert CLOSED in overview_b and "geen ingave van stageaanvragen" in overview_b
    assert "late ingave voor je school sluit" not in overview_b
    assert BUTTON not in overview_b
    assert CLOSED in post_request(b, late, late["b"], late["term"]).text

    assert CLOSED in post_request(a, late, late["a"], late["other"]).text


def test_the_late_entry_ends_at_exactly_its_moment(app, late):
    with app.app_context():
        override = db.session.get(IntakeOverride, late["override"])
        term, school = (
            db.session.get(Term, late["term"]),
            db.session.get(School, override.school_id),
        )
        until = override.until
        assert intake_window(term, school.id, until - timedelta(seconds=1)).open
        assert not intake_window(term, school.id, until).open
        override.until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    a = client_of(app, late["a"])
    overview = a.get(f"/studenten?term={late['term']}").text
    assert CLOSED in overview and "geen ingave van stageaanvragen" in overview
    assert CLOSED in post_request(a, late, late["a"], late["term"]).text


def test_a_revoked_late_entry_closes_banner_form_and_overview(app, late):
    with app.app_context():
        db.session.get(IntakeOverride, late["override"]).revoked_at = utcnow()
        db.session.commit()
    a = client_of(app, late["a"])
    overview = a.get(f"/studenten?term={late['term']}").text
    assert CLOSED in overview and "geen ingave van stageaanvragen" in overview
    assert CLOSED in post_request(a, late, late["a"], late["term"]).text


def test_the_banner_names_the_next_intake_when_none_is_open(app, late):
    with app.app_context():
        make_term(
            intake_opens_at=utcnow() + timedelta(days=3),
            intake_closes_at=utcnow() + timedelta(days=30),
            results_at=utcnow() + timedelta(days=40),
            name="1 jan – 31 mrt 2027",
        )
        db.session.commit()
    page = client_of(app, late["b"]).get("/start").text
    assert "geen ingave van stageaanvragen" in page
    assert "Volgende ingave: 1 jan – 31 mrt 2027, vanaf" in page
    # An opening is no deadline: the next deadline is a closing moment.
    deadline = page.split("Volgende deadline:</strong>")[1].split("</p>")[0]
    assert "opent" not in deadline and "resultaten definitief" in deadline
