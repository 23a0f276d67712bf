"""TERM-7: after the results moment, unplaced students of a term are offered to the services of
every province until the second round's deadline, marked "tweede ronde"; one winner per period."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Placement, Term, utcnow
from app.models.reference import PROVINCES
from tests.concurrency import post_all_at_once
from tests.factories import (
    login,
    make_mentor,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)


@pytest.fixture
def world(app):
    """A term past its results: Sara (Antwerp) unplaced, Tom placed, Lien stopped; services in
    Antwerp and Limburg, a coordinator of the school."""
    with app.app_context():
        now = utcnow()
        term = make_term(intake_open=False, results_at=now - timedelta(minutes=1))
        school = make_school()
        coordinator = make_user("school", organisation=school)
        antwerp = make_service(province="ANT", name="WZC Schelde")
        sara = make_student(
            school=school, term=term, first_name="Sara", last_name="Unplaced"
        )
        tom = make_student(
            school=school, term=term, first_name="Tom", last_name="Placed"
        )
        make_placement(tom, service=antwerp).created_at = now - timedelta(
            days=3
        )  # first round
        make_student(
            school=school,
            term=term,
            first_name="Lien",
            last_name="Stopped",
            stopped_on=now.date(),
        )
        limburg = make_service(province="LIM", name="WZC Maasland")
        limburg_user = make_user("service", organisation=limburg)
        limburg_mentor = make_mentor(limburg)
        db.session.commit()
        return dict(
            term=term.id,
            sara=sara.id,
            sara_period=sara.periods[0].id,
            tom=tom.id,
            limburg=limburg_user.email,
            limburg_mentor=limburg_mentor.id,
            coordinator=coordinator.email,
        )


def open_second_round(app, world, until):
    with app.app_context():
        db.session.get(Term, world["term"]).second_round_until = until
        db.session.commit()


def as_user(app, email):
    client = app.test_client()
    login(client, email)
    return client


def test_other_provinces_see_unplaced_students_only_while_the_second_round_runs(
    app, world
):
    limburg = as_user(app, world["limburg"])
    assert "Unplaced" not in limburg.get("/dienst/aanvragen").text
    assert limburg.get(f"/dienst/aanvragen/{world['sara']}").status_code == 404

    open_second_round(app, world, utcnow() + timedelta(days=5))
    page = limburg.get("/dienst/aanvragen").text
    assert "Sara Unplaced" in page and "tweede ronde" in page
    assert "Placed" not in page and "Stopped" not in page
    request_page = limburg.get(f"/dienst/aanvragen/{world['sara']}").text
    assert "tweede ronde" in request_page and "Aanvaarden" in request_page

    # The deadline passes: the round closes by itself.
    with app.app_context():
        term = db.session.get(Term, world["term"])
        term.results_at = utcnow() - timedelta(days=2)
        term.second_round_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert "Unplaced" not in limburg.get("/dienst/aanvragen").text
    assert limburg.get(f"/dienst/aanvragen/{world['sara']}").status_code == 404


def test_the_school_sees_that_the_second_round_runs(app, world):
    school = as_user(app, world["coordinator"])
    assert "Tweede ronde" not in school.get(f"/studenten?term={world['term']}").text
    open_second_round(app, world, utcnow() + timedelta(days=5))
    page = school.get(f"/studenten?term={world['term']}").text
    assert page.count("Tweede ronde") == 2  # the banner and the overview


def test_a_service_of_another_province_accepts_and_may_withdraw_while_the_round_runs(
    app, world
):
    open_second_round(app, world, utcnow() + timedelta(days=5))
    limburg = as_user(app, world["limburg"])
    response = limburg.post(
        f"/dienst/aanvragen/{world['sara']}/aanvaarden",
        data={
            "periods": [str(world["sara_period"])],
            "mentor_id": str(world["limburg_mentor"]),
            "action": "accept",
        },
        follow_redirects=True,
    )
    assert "Aanvaard: periode 1" in response.text
    assert "Aanvaarding intrekken" in response.text
    with app.app_context():
        placement = db.session.scalar(
            select(Placement).where(Placement.student_id == world["sara"])
        )
        assert placement.care_service.province == "LIM"
        placement_id = placement.id
    limburg.post(
        f"/dienst/plaatsingen/{placement_id}/intrekken", data={"confirmed": "1"}
    )
    with app.app_context():
        assert db.session.get(Placement, placement_id) is None


def test_a_first_round_acceptance_stays_final_during_the_second_round(app, world):
    open_second_round(app, world, utcnow() + timedelta(days=5))
    with app.app_context():
        placement = db.session.scalar(
            select(Placement).where(Placement.student_id == world["tom"])
        )
        antwerp_user = make_user("service", organisation=placement.care_service)
        db.session.commit()
        placement_id, email = placement.id, antwerp_user.email
    response = as_user(app, email).post(
        f"/dienst/plaatsingen/{placement_id}/intrekken",
        data={"confirmed": "1"},
        follow_redirects=True,
    )
    assert "enkel VIVO" in response.text
    with app.app_context():
        assert db.session.get(Placement, placement_id) is not None


def test_twenty_services_of_every_province_accepting_one_second_round_period_one_wins(
    app, world
):
    open_second_round(app, world, utcnow() + timedelta(days=5))
    provinces = list(PROVINCES)
    with app.app_context():
        contenders = []
        for n in range(20):
            service = make_service(
                province=provinces[n % len(provinces)], name=f"Dienst {n}"
            )
            contenders.append(
                (
                    make_user("service", organisation=service).email,
                    make_mentor(service).id,
                )
            )
        db.session.commit()
    clients = [(as_user(app, email), mentor) for email, mentor in contenders]
    url = f"/dienst/aanvragen/{world['sara']}/aanvaarden"
    results = post_all_at_once(
        (
            client,
            url,
            {
                "periods": [str(world["sara_period"])],
                "mentor_id": str(mentor),
                "action": "accept",
            },
        )
        for client, mentor in clients
    )
    assert all(status == 200 for status, _ in results), [s for s, _ in results]
    winners = [text for _, text in results if "Aanvaard: periode 1" in text]
    losers = [
        text
        for _, text in results
        if "werd intussen door een andere dienst aanvaard" in text
    ]
    assert (len(winners), len(losers)) == (1, 19)
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(Placement)
            .where(Placement.student_id == world["sara"])
        )
        assert count == 1


def accept_sara(client, world, mentor):
    return client.post(
        f"/dienst/aanvragen/{world['sara']}/aanvaarden",
        data={
            "periods": [str(world["sara_period"])],
            "mentor_id": str(mentor),
            "action": "accept",
        },
    )


def test_accepting_after_the_deadline_says_until_when_it_was_possible(app, world):
    with app.app_context():
        antwerp = make_service(province="ANT", name="WZC Laatkomer")
        email, mentor = (
            make_user("service", organisation=antwerp).email,
            make_mentor(antwerp).id,
        )
        db.session.commit()
    late = as_user(app, email)
    response = accept_sara(late, world, mentor)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/dienst/aanvragen"
    )
    assert "kon tot" in late.get("/dienst/aanvragen").text
    # Another province never had the request offered: no hint that it exists.
    assert (
        accept_sara(
            as_user(app, world["limburg"]), world, world["limburg_mentor"]
        ).status_code
        == 404
    )

    # After a second round, every province is told when it closed.
    with app.app_context():
        term = db.session.get(Term, world["term"])
        term.results_at = utcnow() - timedelta(days=2)
        term.second_round_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    limburg = as_user(app, world["limburg"])
    assert accept_sara(limburg, world, world["limburg_mentor"]).status_code == 302
    assert "kon tot" in limburg.get("/dienst/aanvragen").text
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Placement)
                .where(Placement.student_id == world["sara"])
            )
            == 0
        )


def test_a_second_round_acceptance_is_provisional_for_the_school_while_the_round_runs(
    app, world
):
    open_second_round(app, world, utcnow() + timedelta(days=5))
    limburg = as_user(app, world["limburg"])
    accept_sara(limburg, world, world["limburg_mentor"])
    school = as_user(app, world["coordinator"])
    overview = school.get(f"/studenten?term={world['term']}&q=Unplaced").text
    assert "(voorlopig)" in overview and "(definitief)" not in overview
    assert (
        "<strong>voorlopig</strong>" in school.get(f"/studenten/{world['sara']}").text
    )
    # Tom's first-round acceptance is final.
    assert (
        "(definitief)" in school.get(f"/studenten?term={world['term']}&q=Placed").text
    )


def test_a_second_round_offers_only_periods_that_are_not_over(app, world):
    from datetime import date

    from app.models import Period, Student

    open_second_round(app, world, utcnow() + timedelta(days=5))
    today = utcnow().date()
    with app.app_context():
        sara = db.session.get(Student, world["sara"])
        sara.periods[0].start_date, sara.periods[0].end_date = (
            today - timedelta(days=20),
            today - timedelta(days=2),
        )
        sara.period_count = 2
        sara.periods.append(
            Period(
                number=2,
                start_date=today + timedelta(days=3),
                end_date=today + timedelta(days=30),
            )
        )
        over = make_student(
            school=sara.school, term=sara.term, first_name="Over", last_name="Voorbij"
        )
        over.periods[0].start_date, over.periods[0].end_date = (
            date(2020, 1, 1),
            today - timedelta(days=1),
        )
        db.session.commit()
        future_period = sara.periods[1].id
    limburg = as_user(app, world["limburg"])
    listing = limburg.get("/dienst/aanvragen").text
    assert "Sara Unplaced" in listing and "Voorbij" not in listing
    page = limburg.get(f"/dienst/aanvragen/{world['sara']}").text
    assert (
        f'value="{future_period}"' in page
        and f'value="{world["sara_period"]}"' not in page
    )
