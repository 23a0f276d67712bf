"""What a review at full size found on the lists: a term switch brings its own notice and links,
a closed term's trainee offers no forms, a withdrawal returns to the page it came from, and
search characters are searched as typed."""

import re
from datetime import timedelta

from app.extensions import db
from app.models import Placement, utcnow
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

HTMX = {"HX-Request": "true"}


def logged_in(app, role: str, organisation: int):
    from app.models import CareService, School

    with app.app_context():
        model = School if role == "school" else CareService
        user = make_user(role, organisation=db.session.get(model, organisation))
        db.session.commit()
        email = user.email
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def test_choosing_another_term_swaps_in_its_notice_and_links(app):
    now = utcnow()
    with app.app_context():
        school = make_school()
        open_term = make_term(name="Open")
        closed = make_term(
            name="Dicht", now=now - timedelta(days=200), intake_open=False
        )
        make_student(school, open_term)
        make_student(school, closed)
        db.session.commit()
        open_id, closed_id, school_id = open_term.id, closed.id, school.id
    client = logged_in(app, "school", school_id)
    fragment = client.get(f"/studenten?term={closed_id}", headers=HTMX).text
    assert f"/export?term={closed_id}" in fragment
    assert f"/studenten/nieuw?term={closed_id}" not in fragment  # its intake is closed
    assert f"term={open_id}" not in fragment
    fragment = client.get(f"/studenten?term={open_id}", headers=HTMX).text
    assert f"/studenten/nieuw?term={open_id}" in fragment
    assert f"/export?term={open_id}" in fragment


def test_a_trainee_of_a_closed_term_shows_why_and_no_forms(app):
    now = utcnow()
    with app.app_context():
        service = make_service(province="ANT")
        past = make_term(
            now=now - timedelta(days=120),
            intake_open=False,
            results_at=now - timedelta(days=30),
        )
        student = make_student(term=past, periods=2)
        make_placement(student, service=service, period_number=1)
        db.session.commit()
        student_id, service_id = student.id, service.id
    client = logged_in(app, "service", service_id)
    page = client.get(f"/dienst/aanvragen/{student_id}").text
    assert "de resultaten zijn definitief" in page
    assert f"/dienst/aanvragen/{student_id}/aanvaarden" not in page
    assert f"/dienst/aanvragen/{student_id}/weigeren" not in page


def test_a_withdrawal_returns_to_the_page_and_term_it_came_from(app):
    with app.app_context():
        service = make_service(province="ANT")
        mentor = make_mentor(service)
        school = make_school()
        supervisor = make_supervisor(school)
        term = make_term()
        for _ in range(60):
            student = make_student(school, term, supervisor)
            make_placement(student, service=service, mentor=mentor)
        db.session.commit()
        term_id, service_id = term.id, service.id
    client = logged_in(app, "service", service_id)
    page = client.get(f"/dienst/stagiairs?term={term_id}&page=2").text
    placement_id = re.search(r"/dienst/plaatsingen/(\d+)/intrekken", page).group(1)
    here = f"/dienst/stagiairs?term={term_id}&amp;page=2"
    assert f'name="next" value="{here}"' in page
    next_url = here.replace("&amp;", "&")
    confirm = client.post(
        f"/dienst/plaatsingen/{placement_id}/intrekken", data={"next": next_url}
    ).text
    assert f'href="{here}"' in confirm  # "Annuleren" goes back there too
    done = client.post(
        f"/dienst/plaatsingen/{placement_id}/intrekken",
        data={"next": next_url, "confirmed": "1"},
    )
    assert done.status_code == 302 and done.headers["Location"] == next_url
    with app.app_context():
        assert db.session.get(Placement, int(placement_id)) is None


def test_a_withdrawal_never_redirects_off_the_list(app):
    with app.app_context():
        service = make_service(province="ANT")
        placement = make_placement(make_student(), service=service)
        db.session.commit()
        placement_id, service_id = placement.id, service.id
    client = logged_in(app, "service", service_id)
    for target in ("https://evil.example/", "//evil.example", "/admin/logins"):
        done = client.post(
            f"/dienst/plaatsingen/{placement_id}/intrekken",
            data={"next": target},
        )
        assert done.status_code == 200
        assert f'href="{target}"' not in done.text
        assert 'href="/dienst/stagiairs"' in done.text


def test_search_characters_are_searched_as_typed(app):
    with app.app_context():
        school = make_school()
        term = make_term()
        make_student(school, term, last_name="Peeters")
        make_student(school, term, last_name="50%_korting")
        db.session.commit()
        term_id, school_id = term.id, school.id
    client = logged_in(app, "school", school_id)
    for query, expected in (("%", 1), ("_", 1), ("peet", 1), ("x%y", 0)):
        text = client.get(f"/studenten?term={term_id}&q={query}", headers=HTMX).text
        shown = len(re.findall(r'href="/studenten/\d+"', text))
        assert shown == expected, (query, shown)


def test_an_unknown_transport_or_form_filters_nothing(app):
    with app.app_context():
        service = make_service(province="ANT")
        term = make_term()
        make_student(term=term, transport="fiets")
        make_student(term=term, transport="auto")
        db.session.commit()
        service_id = service.id
    client = logged_in(app, "service", service_id)
    every = client.get("/dienst/aanvragen", headers=HTMX).text
    wild = client.get("/dienst/aanvragen?vervoer=%25&vorm=%25", headers=HTMX).text
    cycling = client.get("/dienst/aanvragen?vervoer=fiets", headers=HTMX).text
    count = re.compile(
        r'href="/dienst/aanvragen/\d+[?"]'
    )  # a filtered list rides along
    assert len(count.findall(every)) == len(count.findall(wild)) == 2
    assert len(count.findall(cycling)) == 1
