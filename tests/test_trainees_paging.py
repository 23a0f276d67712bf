""" "Mijn stagiairs" on the busiest day: one term at a time, 50 rows a page, a fixed number of
statements, and an audit event only for the students on the page shown."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import AuditEvent, utcnow
from app.placements.queries import PER_PAGE
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
)

URL = "/dienst/stagiairs"
VIEWED = "student.personal_data_viewed"


def add_trainees(service, terms, n: int) -> None:
    """n placements with this service, spread over the terms, six schools and three mentors."""
    mentors = [make_mentor(service) for _ in range(3)]
    schools = [make_school() for _ in range(6)]
    supervisors = [make_supervisor(school) for school in schools]
    for i in range(n):
        student = make_student(
            schools[i % 6], terms[i % len(terms)], supervisors[i % 6]
        )
        make_placement(student, service=service, mentor=mentors[i % 3])


@pytest.fixture
def service_client(app):
    """A logged-in care service and a way to give it trainees."""
    with app.app_context():
        service = make_service(name="WZC Druk")
        user = make_user("service", organisation=service)
        db.session.commit()
        service_id, email = service.id, user.email
    client = app.test_client()
    login(client, email)
    client.service_id = service_id
    return client


def statements(app, client, url: str) -> tuple[list[str], str]:
    """Every SQL statement one GET sends (BEGINs included), and the page."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return seen, response.text


def views(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.object_id)
                .where(AuditEvent.action == VIEWED)
                .order_by(AuditEvent.id)
            )
        )


def rows(html: str) -> int:
    return html.count('<td><a href="/dienst/aanvragen/')


def test_the_statements_are_the_same_for_10_and_200_placements(app, service_client):
    def fill(n):
        with app.app_context():
            from app.models import CareService

            service = db.session.get(CareService, service_client.service_id)
            terms = [make_term(), make_term()]
            add_trainees(service, terms, n)
            db.session.commit()

    fill(10)
    few, _ = statements(app, service_client, URL)
    fill(190)  # 200 placements over four terms
    many, page = statements(app, service_client, URL)
    assert len(few) == len(many) <= 12, (len(few), len(many), many)
    assert rows(page) == PER_PAGE  # the most recent term holds 95 of them


def test_one_term_a_page_at_a_time_and_only_the_shown_students_are_audited(
    app, service_client
):
    with app.app_context():
        from app.models import CareService

        service = db.session.get(CareService, service_client.service_id)
        now = utcnow()
        older = make_term(name="Najaar", now=now - timedelta(days=200))
        recent = make_term(name="Voorjaar", now=now)
        add_trainees(service, [recent], 120)
        add_trainees(service, [older], 5)
        other = make_service()  # another service's term is not offered
        make_placement(make_student(term=make_term(name="Elders")), service=other)
        db.session.commit()
        recent_id, older_id = recent.id, older.id

    first = service_client.get(URL).text
    assert rows(first) == PER_PAGE and len(views(app)) == PER_PAGE
    assert len(set(views(app))) == PER_PAGE
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', first)
    assert [(name, bool(selected)) for _, selected, name in options] == [
        ("Voorjaar", True),
        ("Najaar", False),
        ("Alle stageperiodes", False),
    ]
    # Windowed page links that keep the term; a plain GET form works without JavaScript.
    assert f'href="/dienst/stagiairs?page=3&amp;term={recent_id}"' in first
    assert '<form method="get" action="/dienst/stagiairs"' in first

    last = service_client.get(f"{URL}?term={recent_id}&page=3").text
    assert rows(last) == 20 and len(views(app)) == PER_PAGE + 20
    assert set(views(app)[:PER_PAGE]).isdisjoint(views(app)[PER_PAGE:])
    assert rows(service_client.get(f"{URL}?term={recent_id}&page=99").text) == 20

    before = len(views(app))
    assert rows(service_client.get(f"{URL}?term={older_id}").text) == 5
    assert len(views(app)) == before + 5
    every = service_client.get(f"{URL}?term=alle&page=3").text
    assert rows(every) == 125 - 2 * PER_PAGE
    assert 'href="/dienst/stagiairs?page=2&amp;term=alle"' in every
    # An unknown or foreign term id falls back to the most recent term of this service.
    assert rows(service_client.get(f"{URL}?term=999999").text) == PER_PAGE


def test_a_service_without_trainees_sees_the_empty_list_and_audits_nothing(
    app, service_client
):
    page = service_client.get(URL).text
    assert "Je aanvaardde nog geen stagiairs." in page
    assert 'name="term"' not in page and 'class="pagination"' not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
