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


def _trainees_in_two_terms(app, world):
    """Service A accepted Sara (the world's term) and Tom in an older term."""
    from datetime import timedelta

    from app.models import CareService, Mentor, utcnow
    from tests.factories import make_student, make_term

    accept(as_service(app, world, "a"), world, "a")
    with app.app_context():
        older = make_term(name="Najaar oud", now=utcnow() - timedelta(days=300))
        service = db.session.get(CareService, world["services"]["a"]["id"])
        tom = make_student(term=older, province="ANT", first_name="Tom")
        make_placement(
            tom,
            service=service,
            mentor=db.session.get(Mentor, world["services"]["a"]["mentor"]),
        )
        db.session.commit()
        return older.id


def test_my_trainees_counts_filters_by_term_and_names_the_term_in_all(app, world):
    older = _trainees_in_two_terms(app, world)
    client = as_service(app, world, "a")
    recent = client.get("/dienst/stagiairs").text
    assert "1 aanvaarde periode" in recent and "Sara" in recent and "Tom" not in recent
    assert '<th scope="col">Stageperiode</th>' not in recent
    old = client.get(f"/dienst/stagiairs?term={older}").text
    assert "Tom" in old and "Sara" not in old
    every = client.get("/dienst/stagiairs?term=alle").text
    assert "2 aanvaarde periodes" in every
    assert '<th scope="col">Stageperiode</th>' in every
    assert "<td>Najaar oud</td>" in every


def test_my_trainees_filter_submits_itself_and_answers_htmx_with_the_table(app, world):
    _trainees_in_two_terms(app, world)
    client = as_service(app, world, "a")
    page = client.get("/dienst/stagiairs").text
    assert 'hx-get="/dienst/stagiairs"' in page and 'hx-trigger="change' in page
    assert '<form method="get" action="/dienst/stagiairs"' in page  # without script
    fragment = client.get("/dienst/stagiairs?term=alle", headers=HTMX).text
    assert '<div id="trainees">' in fragment and "<html" not in fragment


def test_the_helpdesk_sees_my_trainees_read_only_and_audited(app, world):
    from app.models import AuditEvent
    from tests.factories import login as log_in
    from tests.factories import make_user

    _trainees_in_two_terms(app, world)
    with app.app_context():
        admin = make_user("admin")
        db.session.commit()
        email = admin.email
    client = app.test_client()
    log_in(client, email)
    service_id = world["services"]["a"]["id"]
    page = client.get(f"/admin/hulp/diensten/{service_id}/stagiairs?term=alle").text
    assert "Sara" in page and "Tom" in page and "2 aanvaarde periodes" in page
    assert "alleen lezen" in page
    assert "intrekken" not in page and 'method="post" action="/dienst' not in page
    assert f"/admin/hulp/diensten/{service_id}/aanvragen/{world['student']}" in page
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"helpdesk.viewed", "student.personal_data_viewed"} <= actions
    school = as_service(app, world, "b")
    assert school.get(f"/admin/hulp/diensten/{service_id}/stagiairs").status_code in (
        403,
        404,
    )


def test_the_pager_links_a_window_not_every_page():
    from app.pagination import page_numbers

    assert page_numbers(7, 400) == [1, None, 5, 6, 7, 8, 9, None, 400]
    assert page_numbers(1, 400) == [1, 2, 3, None, 400]
    assert page_numbers(2, 3) == [1, 2, 3]
    assert page_numbers(1, 1) == [1]


def test_every_paged_list_uses_the_one_pager():
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "app" / "templates"
    own_pagers = [
        path.relative_to(templates).as_posix()
        for path in templates.rglob("*.html")
        if path.name != "_pager.html"
        and (
            "iter_pages" in path.read_text() or 'class="pagination"' in path.read_text()
        )
    ]
    assert own_pagers == []


def test_decline_returns_to_the_list_with_the_filters_the_service_had(app, world):
    client = as_service(app, world, "a")
    filtered = "/dienst/aanvragen?vorm=blok&sort=naam&page=1"
    listing = client.get("/dienst/aanvragen?sort=naam").text
    assert (
        "?next=/dienst/aanvragen?sort%3Dnaam" in listing
    )  # the request links carry the list
    page = client.get(
        f"/dienst/aanvragen/{world['student']}", query_string={"next": filtered}
    ).text
    assert (
        'name="next" value="/dienst/aanvragen?vorm=blok&amp;sort=naam&amp;page=1"'
        in page
    )
    answer = client.post(
        f"/dienst/aanvragen/{world['student']}/weigeren",
        data={"reason": "Geen plaats", "next": filtered},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == filtered


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/dienst/aanvragen",
        "https://evil.example/",
        "/dienst/stagiairs",
        "/dienst/aanvragenX",
        "/admin/logboek?x=/dienst/aanvragen",
    ],
)
def test_decline_never_sends_the_service_elsewhere(app, world, target):
    client = as_service(app, world, "a")
    answer = client.post(
        f"/dienst/aanvragen/{world['student']}/weigeren",
        data={"reason": "Geen plaats", "next": target},
    )
    assert answer.headers["Location"] == "/dienst/aanvragen"


def test_the_language_switch_on_a_refused_decline_returns_to_the_request_page(
    app, world
):
    """A refused form answers from a POST-only address: the language switch on that page
    returns to the page the form was on, not to the POST address (which answered 405)."""
    client = as_service(app, world, "a")
    request_page = f"/dienst/aanvragen/{world['student']}"
    refused = client.post(
        f"{request_page}/weigeren",
        data={"reason": ""},
        headers={"Referer": f"http://localhost{request_page}"},
    )
    assert refused.status_code in (200, 422) and 'id="reason-error"' in refused.text
    assert f'name="next" value="{request_page}"' in refused.text
    switched = client.post("/taal", data={"lang": "en", "next": request_page})
    assert switched.headers["Location"] == request_page
    assert client.get(request_page).status_code == 200
    # A foreign referer is not followed: the switch falls back to the start page.
    foreign = client.post(
        f"{request_page}/weigeren",
        data={"reason": ""},
        headers={"Referer": "https://evil.example/x"},
    )
    assert 'name="next" value="/start"' in foreign.text
