"""The start pages answer "where do I stand": a school's requests per term by status (each a
link to the filtered overview), the next deadline with the days left and what still needs
doing; a care service's new requests since its previous login, those that prefer it, its
places and the trainees starting soon; VIVO's screens with their one number."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.main import queries
from app.models import Decline, Student, User, utcnow
from app.schedule import rules, start
from app.schedule.timetable import acceptances_final
from app.students.queries import STATUSES, overview
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


def decline(student, service, reason="Volzet"):
    db.session.add(
        Decline(student_id=student.id, care_service_id=service.id, reason=reason)
    )
    db.session.flush()


def a_school_in_intake(now):
    """A school in a term whose intake is open: one request of each kind, and another
    school's request that must count nowhere."""
    term = make_term(now)
    school, other = make_school(), make_school()
    supervisor = make_supervisor(school)
    service = make_service()
    preferred = dict(preferred_service_id=service.id)
    made = dict(
        waiting=make_student(school, term, supervisor, **preferred),
        no_preference=make_student(school, term, supervisor),
        declined=make_student(school, term, supervisor, **preferred),
        placed=make_student(school, term, supervisor, **preferred),
        declined_then_placed=make_student(school, term, supervisor, **preferred),
        stopped=make_student(school, term, supervisor, **preferred),
        stopped_placed=make_student(school, term, supervisor, **preferred),
    )
    decline(made["declined"], service)
    decline(made["declined_then_placed"], make_service())
    for key in ("placed", "declined_then_placed", "stopped_placed"):
        make_placement(made[key], service)
    for key in ("stopped", "stopped_placed"):
        made[key].stopped_on = now.date()
    make_student(other, term, preferred_service_id=None)
    db.session.commit()
    return school, term, made


def counts_of(school, now):
    (row,) = queries.school_start(school.id, now).terms
    return row


def test_a_school_sees_each_request_once_under_its_status(ctx):
    now = utcnow()
    school, term, _ = a_school_in_intake(now)
    row = counts_of(school, now)
    assert row.term.state.term.id == term.id
    assert (row.entered, row.voorlopig, row.definitief) == (7, 2, 0)
    assert (row.wachtend, row.geweigerd, row.gestopt) == (2, 1, 2)
    assert row.without_preference == 1
    # The statuses split the requests: together they are every request entered.
    assert sum(getattr(row, status) for status in STATUSES) == row.entered


def test_each_count_is_what_the_filtered_overview_lists(ctx):
    now = utcnow()
    school, term, made = a_school_in_intake(now)
    row = counts_of(school, now)
    expected = {
        "voorlopig": {"placed", "declined_then_placed"},
        "wachtend": {"waiting", "no_preference"},
        "geweigerd": {"declined"},
        "gestopt": {"stopped", "stopped_placed"},
        "definitief": set(),
        "zonder-voorkeur": {"no_preference"},
    }
    for status, keys in expected.items():
        page = overview(school.id, term.id, status=status)
        listed = {s.id for s in page.students}
        assert listed == {made[k].id for k in keys}, status
        count = row.without_preference if status == "zonder-voorkeur" else None
        assert page.total == (count if count is not None else getattr(row, status))
    # An unknown status narrows nothing.
    assert overview(school.id, term.id, status="onzin").total == 7


def test_acceptances_turn_final_at_the_results_moment_but_not_in_a_running_second_round(
    ctx,
):
    now = utcnow()
    term = make_term(
        now,
        intake_open=False,
        results_at=now - timedelta(days=1),
        second_round_until=now + timedelta(days=5),
    )
    school = make_school()
    before, during = make_student(school, term), make_student(school, term)
    make_placement(before).created_at = now - timedelta(days=2)
    make_placement(during).created_at = now - timedelta(hours=2)
    db.session.commit()
    row = counts_of(school, now)
    assert (row.definitief, row.voorlopig) == (1, 1)
    final = {s.id for s in overview(school.id, term.id, status="definitief").students}
    assert final == {before.id}
    # The SQL rule says what the Python rule says, for each student.
    for student in (before, during):
        moments = [p.created_at for p in student.placements]
        in_sql = db.session.scalar(
            select(rules.placements_final_sql(now)).where(Student.id == student.id)
        )
        assert bool(in_sql) == acceptances_final(term, moments, now)


def test_what_a_school_still_has_to_do(ctx):
    now = utcnow()
    school, term, _ = a_school_in_intake(now)
    todos = queries.school_start(school.id, now).todos
    assert [(t.kind, t.count, t.status) for t in todos] == [
        ("no_preference", 1, "zonder-voorkeur"),
        ("declined", 1, "geweigerd"),
    ]
    # A school without supervisors in an open intake is told to enter them first.
    empty = make_school()
    db.session.commit()
    assert [t.kind for t in queries.school_start(empty.id, now).todos] == [
        "supervisors",
        "no_requests",
    ]


def test_once_the_results_are_final_the_unplaced_are_a_todo(ctx):
    now = utcnow()
    term = make_term(now, intake_open=False, results_at=now - timedelta(days=1))
    school = make_school()
    make_student(school, term)
    make_placement(make_student(school, term))
    db.session.commit()
    todos = queries.school_start(school.id, now).todos
    assert [(t.kind, t.term.id, t.count, t.status) for t in todos] == [
        ("unplaced", term.id, 1, "wachtend")
    ]


def test_the_next_deadline_comes_with_the_days_left(ctx):
    now = utcnow()
    term = make_term(now, intake_closes_at=now + timedelta(days=3))
    school = make_school()
    db.session.commit()
    deadline = queries.school_start(school.id, now).deadline
    assert (deadline.term_name, deadline.at, deadline.days_left) == (
        term.name,
        term.intake_closes_at,
        3,
    )
    assert start.days_left(now, now) == 0


def test_the_school_start_page_links_each_count_to_the_filtered_overview(app, client):
    with app.app_context():
        school, term, _ = a_school_in_intake(utcnow())
        user = make_user("school", school)
        db.session.commit()
        email, term_id, name = user.email, term.id, term.name
    login(client, email)
    page = client.get("/start").text
    assert f"Stageperiode {name}" in page
    assert f'href="/studenten?term={term_id}&amp;status=voorlopig"' in page
    assert f'href="/studenten?term={term_id}&amp;status=geweigerd"' in page
    assert "Nog 10 dagen:" in page
    assert "1 stageaanvraag zonder voorkeursdienst" in page
    filtered = client.get(f"/studenten?term={term_id}&status=gestopt").text
    assert filtered.count("status-stopped") == 2
    assert '<option value="gestopt" selected>' in filtered


# --- the care service ---------------------------------------------------------------------


def test_a_service_counts_what_reached_it_since_its_previous_login(ctx):
    now = utcnow()
    term = make_term(now)  # released when the intake opened, ten days ago
    service = make_service("ANT")
    user = make_user("service", service, previous_login_at=now - timedelta(days=2))
    school = make_school()
    old = make_student(school, term, province="ANT")
    old.created_at = now - timedelta(days=5)
    new = make_student(school, term, province="ANT", preferred_service_id=service.id)
    new.created_at = now - timedelta(days=1)
    make_student(school, term, province="ANT", preferred_service_id=service.id)
    make_student(school, term, province="LIM")  # another province: never shown
    declined = make_student(school, term, province="ANT")
    decline(declined, service)  # answered already: not open any more
    db.session.commit()
    (row,) = queries.service_start(service, user, now).terms
    assert (row.open, row.new, row.preferred, row.new_preferred) == (3, 2, 2, 2)
    # Never logged in before: every open request is new.
    user.previous_login_at = None
    (row,) = queries.service_start(service, user, now).terms
    assert (row.open, row.new) == (3, 3)


def test_a_request_entered_before_a_late_release_is_new_from_the_release(ctx):
    now = utcnow()
    term = make_term(now, requests_visible_at=now - timedelta(hours=1))
    service = make_service("ANT")
    student = make_student(province="ANT", term=term)
    student.created_at = now - timedelta(days=3)
    db.session.commit()
    since = now - timedelta(days=1)
    assert rules.reached_service_after(term, student.created_at, True, since)
    in_sql = db.session.scalar(
        select(rules.reached_service_after_sql(service.province, since)).where(
            Student.id == student.id
        )
    )
    assert in_sql
    assert not rules.reached_service_after(
        term, student.created_at, True, now - timedelta(minutes=5)
    )


def test_a_service_sees_its_places_and_the_trainees_starting_in_two_weeks(ctx):
    now = utcnow()
    today = now.date()
    term = make_term(now, internship_start=today + timedelta(days=3))
    service = make_service("ANT", capacity_default=4)
    user = make_user("service", service)
    mentor = make_mentor(service, "Mentor Marleen")
    school = make_school()
    soon = make_student(school, term, last_name="Binnenkort")
    later = make_student(
        school,
        term,
        last_name="Later",
        periods=1,
    )
    later.periods[0].start_date = today + timedelta(days=20)
    gone = make_student(school, term, last_name="Gestopt", stopped_on=today)
    for student in (soon, later, gone):
        make_placement(student, service, mentor=mentor)
    db.session.commit()
    result = queries.service_start(service, user, now)
    (row,) = result.terms
    assert (row.offered, row.taken, row.free) == (4, 3, 1)
    assert [(s.last_name, s.start, s.mentor) for s in result.starting] == [
        ("Binnenkort", today + timedelta(days=3), "Mentor Marleen")
    ]
    assert not result.starting_more


def test_logging_in_keeps_the_previous_login_for_the_start_page(app, client):
    with app.app_context():
        user = make_user("service")
        db.session.commit()
        email = user.email
    login(client, email)
    with app.app_context():
        first = db.session.scalar(select(User).where(User.email == email))
        assert first.previous_login_at is None and first.last_login_at is not None
        first_login = first.last_login_at
    login(app.test_client(), email)
    with app.app_context():
        again = db.session.scalar(select(User).where(User.email == email))
        assert again.previous_login_at == first_login


def test_the_service_start_page_tells_the_new_requests(app, client):
    with app.app_context():
        now = utcnow()
        term = make_term(now)
        service = make_service("ANT")
        user = make_user("service", service)
        make_student(term=term, province="ANT", preferred_service_id=service.id)
        make_student(term=term, province="ANT")
        db.session.commit()
        email, term_id = user.email, term.id
    login(client, email)
    page = client.get("/start").text
    assert "2 stageaanvragen wachten op je antwoord." in page
    assert f'href="/dienst/aanvragen?term={term_id}&amp;voorkeur=1">1</a>' in page
    # The second login counts only what came in since the first.
    client.post("/logout")
    login(client, email)
    assert (
        "0 nieuwe stageaanvragen sinds je vorige login op" in client.get("/start").text
    )


# --- VIVO ---------------------------------------------------------------------------------


def test_vivo_sees_each_screen_with_its_number(ctx):
    now = utcnow()
    term = make_term(now)
    school = make_school()
    make_school(active=False)
    make_service()
    make_user("admin", activated=False)
    make_student(school, term)
    make_placement(make_student(school, term))
    stopped = make_student(school, term)
    stopped.stopped_on = now.date()
    db.session.commit()
    numbers = queries.admin_start(now)
    assert numbers.term.id == term.id
    assert numbers.unplaced == 1
    assert numbers.live_terms == 1
    assert numbers.not_activated == 1
    assert numbers.unanswered == 1
    assert numbers.late_entries == 0
    # The inactive school does not count; the placement brought a second service.
    assert (numbers.schools, numbers.services) == (1, 2)


def test_the_admin_start_page_links_every_screen(app, client):
    with app.app_context():
        user = make_user("admin")
        db.session.commit()
        email = user.email
    login(client, email)
    page = client.get("/start").text
    for path in ("/admin/dashboard", "/admin/onbeantwoord", "/admin/logins"):
        assert f'href="{path}"' in page
    assert "logins die hun account nog niet activeerden" in page


def test_vivos_number_of_unplaced_students_is_of_the_term_near_its_results(ctx):
    """The term whose services are accepting (its results moment near) counts, not the one
    still taking requests, where almost every request is still without a placement."""
    now = utcnow()
    taking_requests = make_term(now, name="Voorjaar")
    accepting = make_term(now, intake_open=False, name="Winter")
    school = make_school()
    for _ in range(3):
        make_student(school, taking_requests)
    make_student(school, accepting)
    make_placement(make_student(school, accepting))
    db.session.commit()
    numbers = queries.admin_start(now)
    assert numbers.term.id == accepting.id
    assert numbers.unplaced == 1
