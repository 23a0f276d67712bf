"""Demo data: the manual's timetable on today's school year, valid requests, working logins."""

from collections import Counter
from datetime import date, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from stdnum.be import nn

from app.crypto import decrypt_national_number
from app.demo import (
    DEMO_PASSWORD,
    MARGIN,
    brussels,
    database_is_empty,
    demo_timetable,
    load_demo_data,
    manual_timetable,
    national_number,
    school_year_start,
)
from app.extensions import db
from app.models import (
    CareService,
    Decline,
    Mentor,
    Placement,
    School,
    ServiceCapacity,
    Student,
    Supervisor,
    Term,
    User,
    utcnow,
)
from app.models.reference import (
    INTERNSHIP_FORMS,
    PROVINCES,
    SERVICE_KINDS,
    TRANSPORT_MODES,
    province_for_postcode,
)
from app.schedule.rules import intake_open as intake_is_open
from app.schedule.rules import results_final as results_are_final

BRUSSELS = ZoneInfo("Europe/Brussels")


def local(moment):
    return moment.astimezone(BRUSSELS).replace(tzinfo=None)


# --- the timetable, as a pure function -----------------------------------------------------


def test_manual_timetable_of_2022_is_the_one_in_the_manual():
    terms = manual_timetable(2022)
    assert [t.name for t in terms] == [
        "1 okt – 31 dec 2022",
        "1 jan – 31 mrt 2023",
        "1 apr – 30 jun 2023",
        "1 sep – 31 dec 2023",
    ]
    assert terms[0].internship_start == date(2022, 10, 1)
    assert terms[0].internship_end == date(2022, 12, 31)
    assert local(terms[0].intake_closes_at).date() == date(2022, 9, 5)
    assert local(terms[1].intake_closes_at).date() == date(2022, 11, 15)
    assert str(local(terms[2].intake_opens_at)) == "2022-12-31 00:00:00"
    assert str(local(terms[2].intake_closes_at)) == "2023-02-01 12:00:00"
    assert str(local(terms[2].results_at)) == "2023-02-15 12:00:00"
    assert str(local(terms[3].intake_opens_at)) == "2023-03-30 12:00:00"
    assert str(local(terms[3].results_at)) == "2023-05-30 12:00:00"
    # Stored in UTC: 12:00 in Brussels is 11:00 UTC in winter, 10:00 UTC in summer.
    assert terms[2].intake_closes_at.tzinfo == timezone.utc
    assert terms[2].intake_closes_at.hour == 11 and terms[3].results_at.hour == 10


def test_school_year_runs_from_september_to_august():
    assert school_year_start(date(2026, 8, 31)) == 2025
    assert school_year_start(date(2026, 9, 1)) == 2026


def test_every_day_of_a_year_has_an_open_intake_and_a_term_awaiting_results():
    day = date(2026, 1, 1)
    while day < date(2027, 1, 1):
        for hour in (0, 11, 12, 18):
            now = brussels(day, hour, 30)
            terms = demo_timetable(now)
            assert any(
                t.intake_open(now) and t.intake_open(now + MARGIN) for t in terms
            ), now
            assert any(
                t.awaiting_results(now) and t.awaiting_results(now + MARGIN)
                for t in terms
            ), now
            _assert_valid_and_in_order(terms)
            assert min(t.internship_start for t in terms).year == school_year_start(day)
        day += timedelta(days=1)


def test_timetable_keeps_the_manual_dates_it_does_not_need_to_move():
    now = brussels(
        date(2026, 11, 20), 10
    )  # the second term awaits its results of 30 Nov
    moved = demo_timetable(now)
    manual = manual_timetable(2026)
    assert moved[:2] == manual[:2] and moved[3] == manual[3]
    assert str(local(moved[2].intake_opens_at)) == "2026-11-17 09:00:00"
    assert moved[2].intake_closes_at == manual[2].intake_closes_at


def _assert_valid_and_in_order(terms) -> None:
    for term in terms:
        assert term.internship_start <= term.internship_end
        assert term.intake_opens_at < term.intake_closes_at <= term.results_at
    for field in (
        "internship_start",
        "intake_opens_at",
        "intake_closes_at",
        "results_at",
    ):
        values = [getattr(t, field) for t in terms]
        assert values == sorted(values), field


def test_national_numbers_are_valid_before_and_after_2000():
    assert national_number(date(1985, 7, 30), 33) == "85073003328"
    for birth in (
        date(1960, 1, 1),
        date(1999, 12, 31),
        date(2000, 2, 29),
        date(2006, 12, 31),
    ):
        for serial in (1, 2, 997):
            assert nn.is_valid(national_number(birth, serial))


# --- the loader ----------------------------------------------------------------------------


def test_demo_data_fills_the_database_like_the_manual(ctx):
    assert database_is_empty()
    load_demo_data()
    assert not database_is_empty()
    assert db.session.scalar(select(func.count()).select_from(School)) == 6
    services = db.session.scalars(select(CareService)).all()
    assert len(services) == 40
    assert {s.province for s in services} == set(PROVINCES)
    assert all(province_for_postcode(s.postcode) == s.province for s in services)
    assert {s.kind for s in services} == set(SERVICE_KINDS)
    per_school = Counter(db.session.scalars(select(Supervisor.school_id)))
    assert len(per_school) == 6 and all(2 <= n <= 4 for n in per_school.values())
    per_service = Counter(db.session.scalars(select(Mentor.care_service_id)))
    assert len(per_service) == 40 and all(1 <= n <= 3 for n in per_service.values())
    assert db.session.scalar(select(func.count()).select_from(ServiceCapacity)) > 0


def test_demo_timetable_is_open_today_and_awaits_results(ctx):
    load_demo_data()
    now = utcnow()
    terms = db.session.scalars(select(Term).order_by(Term.internship_start)).all()
    assert len(terms) == 4
    assert any(intake_is_open(t, now) for t in terms)
    assert any(
        t.intake_closes_at <= now and not results_are_final(t, now) for t in terms
    )
    year = school_year_start(now.astimezone(BRUSSELS).date())
    assert terms[0].name == f"1 okt – 31 dec {year}"
    assert all(t.results_at.tzinfo is not None for t in terms)


def test_demo_students_are_valid_requests(ctx):
    load_demo_data()
    students = db.session.scalars(select(Student)).all()
    assert 140 <= len(students) <= 160
    numbers = [decrypt_national_number(s.national_number_encrypted) for s in students]
    assert all(nn.is_valid(number) for number in numbers)
    assert any(int(number[:2]) <= 6 for number in numbers)  # some born from 2000 on
    keys = [(s.school_id, s.term_id, s.national_number_index) for s in students]
    assert len(set(keys)) == len(keys)
    for student in students:
        _assert_valid_request(student)
    # The province is where they want the internship: mostly, not always, where they live.
    living_there = sum(
        province_for_postcode(s.postcode) == s.province for s in students
    )
    assert len(students) * 0.7 < living_there < len(students)
    assert any(s.preferred_service_id for s in students)
    assert 1 <= sum(s.stopped for s in students) <= 10
    assert len({s.school_id for s in students}) == 6


def _assert_valid_request(student: Student) -> None:
    term = student.term
    assert student.first_name and student.last_name and "@" in student.email
    assert student.phone.startswith("+324") and len(student.phone) == 12
    assert student.province in PROVINCES
    assert student.transport_codes and set(student.transport_codes) <= set(
        TRANSPORT_MODES
    )
    assert student.internship_form in INTERNSHIP_FORMS
    needs_hours = student.internship_form in ("blok", "blok_alternerend")
    assert (student.hours_per_week is not None) == needs_hours
    assert student.total_hours > 0
    assert [p.number for p in student.periods] == list(
        range(1, student.period_count + 1)
    )
    previous_end = None
    for period in student.periods:
        assert (
            term.internship_start
            <= period.start_date
            <= period.end_date
            <= term.internship_end
        )
        assert previous_end is None or previous_end < period.start_date
        previous_end = period.end_date
    if student.preferred_service is not None:
        assert student.preferred_service.province == student.province


def test_demo_placements_belong_to_the_term_awaiting_results(ctx):
    load_demo_data()
    now = utcnow()
    placements = db.session.scalars(select(Placement)).all()
    awaiting = [
        p
        for p in placements
        if p.student.term.intake_closes_at <= now < p.student.term.results_at
    ]
    assert len({p.student_id for p in awaiting}) >= 10
    for placement in placements:
        assert placement.period.student_id == placement.student_id
        assert placement.care_service.province == placement.student.province
        assert placement.mentor.care_service_id == placement.care_service_id
        assert not placement.student.stopped
        assert placement.student.term.intake_closes_at <= now
    declines = db.session.scalars(select(Decline)).all()
    assert len(declines) >= 2
    placed = {p.student_id for p in placements}
    assert all(d.student_id not in placed for d in declines)


def test_demo_logins_can_log_in_with_the_printed_password(app, client):
    with app.app_context():
        lines = load_demo_data()
        active = db.session.scalar(
            select(func.count()).where(User.activated_at.is_not(None))
        )
    roles = Counter(line.split()[0] for line in lines)
    assert roles == {"admin": 1, "school": 6, "service": 7}
    assert active == len(lines)
    for line in lines:
        _role, email, _slash, password = line.split()[:4]
        assert password == DEMO_PASSWORD and len(password) >= 12
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302 and response.location.endswith("/start"), (
            email
        )
        assert email in client.get("/start").text
        client.post("/logout")
    refused = client.post(
        "/login", data={"email": "admin@vivo.demo", "password": "fout-paswoord!"}
    )
    assert refused.status_code == 200 and "/start" not in (refused.location or "")


def test_demo_acceptances_were_made_in_the_first_round(ctx):
    """So that the demo honours SVC-4: final acceptances cannot be withdrawn by the service."""
    load_demo_data()
    placements = db.session.scalars(select(Placement)).all()
    assert placements
    for placement in placements:
        term = placement.student.term
        assert term.intake_closes_at <= placement.created_at <= term.results_at
