"""SECURITY.md 25 (NF-5): `flask purge-students` deletes the students of terms whose internship
ended more than RETENTION_YEARS years ago, with their periods, placements and declines; their
audit events keep their row without detail; the dashboard's counts stay; one audit event;
a dry run and a second run change nothing; a purged student's data is found nowhere."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from app.admin import stats
from app.admin.purge import ACTION, kept_counts
from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    AuditEvent,
    Base,
    Decline,
    OutboxMail,
    Period,
    Placement,
    School,
    Student,
    Term,
)
from app.placements import logic as placement_logic
from app.schedule import operations
from app.schedule.clock import brussels, local_date
from app.schedule.retention import (
    past_retention,
    past_retention_sql,
    retention_cutoff,
)
from app.students import logic as student_logic
from tests.factories import (
    make_mentor,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
    valid_national_number,
)

# The purge runs "on" 15 March 2024 at 10:00 in Belgium, with the default 5 years: terms whose
# internship ended before 15 March 2019 go, a term that ended on that day stays.
NOW = brussels(date(2024, 3, 15), 10)
ARGS = ["--now", "2024-03-15T10:00"]
CUTOFF = date(2019, 3, 15)
OLD_NUMBER = valid_national_number(date(1980, 5, 17), 123)
YOUNG_NUMBER = valid_national_number(date(1985, 8, 2), 456)


def a_term(ended: date, name: str) -> Term:
    """A term whose internship ran the 90 days up to `ended`, its intake long closed."""
    return make_term(
        now=brussels(ended - timedelta(days=120)),
        intake_open=False,
        name=name,
        internship_start=ended - timedelta(days=90),
        internship_end=ended,
    )


def invoke(app, *args):
    """The command as `flask purge-students ARGS` runs it (in an app context)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["purge-students", *args])
        db.session.remove()
    return result


def run(app, *args):
    result = invoke(app, *ARGS, *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output
    )
    return result


def dump() -> dict[str, list[tuple]]:
    """Every row of every table, read afresh."""
    db.session.expire_all()
    rows = {
        table.name: sorted(
            (tuple(row) for row in db.session.execute(select(table))), key=repr
        )
        for table in Base.metadata.sorted_tables
    }
    db.session.commit()
    return rows


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(app):
    """A school and two services with logins; four terms around the cutoff (internship
    ended 2 days and 1 day before it: purged; on it and 1 day after it: kept), each with one
    student of two periods: both accepted, one of them withdrawn by VIVO with a reason that
    names the student, declined by the other service; the oldest one stopped. The mails to
    the school name the students; those of the purged terms, and their audit events, are
    dated back to their term."""
    with app.test_request_context(method="POST"):
        school = make_school(name="CVO Retentie")
        service = make_service(province="ANT", name="WZC Retentie")
        other = make_service(province="ANT", name="WZC Ander")
        make_user("school", school, email="coord@cvo.example")  # gets the mails
        service_login = make_user("service", service, email="dienst@wzc.example")
        admin = make_user("admin", email="admin@vivo.example")
        mentor = make_mentor(service)
        terms, students = {}, {}
        for key, ended in (
            ("old", CUTOFF - timedelta(days=2)),
            ("boundary_old", CUTOFF - timedelta(days=1)),
            ("boundary_young", CUTOFF),
            ("young", CUTOFF + timedelta(days=1)),
        ):
            term = terms[key] = a_term(ended, f"Stageperiode {key}")
            number = {"old": OLD_NUMBER, "young": YOUNG_NUMBER}.get(
                key, valid_national_number(date(1990, 1, 1), len(terms))
            )
            student = students[key] = make_student(
                school,
                term,
                periods=2,
                national_number=number,
                first_name="Fien",
                last_name=f"Achternaam{key.title().replace('_', '')}",
                email=f"{key}@student.example",
                province="ANT",
            )
            outcome = placement_logic.accept(
                student, student.periods, service, mentor, "", service_login
            )
            assert len(outcome.accepted) == 2
            placement_logic.decline(student, other, "Geen plaats", service_login)
            placement = db.session.scalar(
                select(Placement).where(Placement.period_id == student.periods[1].id)
            )
            operations.admin_withdraw(
                placement,
                f"{student.full_name} vroeg het zelf",
                admin,
                brussels(ended),
            )
            if key == "old":
                student_logic.mark_stopped(student, ended, "verhuisd")
            # A proposal of the second round that named the student (issue 13).
            db.session.add(
                AllocationRun(
                    term_id=term.id,
                    lines=[AllocationLine(rank=1, student_id=student.id)],
                )
            )
            db.session.flush()
            if key in ("old", "boundary_old"):  # made back then
                era = brussels(ended - timedelta(days=60), 12)
                db.session.execute(
                    update(OutboxMail)
                    .where(OutboxMail.created_at > era)
                    .values(created_at=era)
                )
                db.session.execute(
                    update(AuditEvent).where(AuditEvent.at > era).values(at=era)
                )
        db.session.commit()
        return dict(
            terms={k: t.id for k, t in terms.items()},
            students={k: s.id for k, s in students.items()},
            names={k: s.last_name for k, s in students.items()},
            school_id=school.id,
        )


PURGED, KEPT = ("old", "boundary_old"), ("boundary_young", "young")


# --- the rule (app/schedule/retention.py) ------------------------------------------------


def test_sec_25_the_cutoff_is_the_day_n_years_back_and_29_february_becomes_1_march():
    assert retention_cutoff(date(2024, 3, 15), 5) == date(2019, 3, 15)
    assert retention_cutoff(date(2024, 2, 29), 1) == date(2023, 3, 1)
    assert retention_cutoff(date(2024, 2, 29), 4) == date(2020, 2, 29)


def test_sec_25_the_rule_and_its_sql_twin_agree_on_the_boundary(ctx):
    years = 5
    for ended, gone in (
        (CUTOFF - timedelta(days=1), True),  # ended 5 years and 1 day ago
        (CUTOFF, False),  # ended exactly 5 years ago
        (CUTOFF + timedelta(days=1), False),
    ):
        term = a_term(ended, f"ended {ended}")
        assert past_retention(term, NOW, years) is gone
        in_sql = db.session.scalar(
            select(past_retention_sql(NOW, years)).where(Term.id == term.id)
        )
        assert bool(in_sql) is gone
    # Belgian days: 23:30 UTC on 14 March is already 15 March in Brussels.
    late = datetime(2024, 3, 14, 23, 30, tzinfo=timezone.utc)
    term = a_term(CUTOFF - timedelta(days=1), "a day before")
    assert past_retention(term, late, years)


# --- what goes and what stays --------------------------------------------------------------


def test_sec_25_older_terms_lose_their_students_younger_ones_keep_them(app, world):
    result = run(app)
    assert result.exit_code == 0, result.output
    with app.app_context():
        for key in PURGED:
            term_id, student_id = world["terms"][key], world["students"][key]
            assert count(Student, Student.term_id == term_id) == 0
            assert count(Period, Period.student_id == student_id) == 0
            assert count(Placement, Placement.student_id == student_id) == 0
            assert count(Decline, Decline.student_id == student_id) == 0
            assert count(AllocationLine, AllocationLine.student_id == student_id) == 0
            assert (
                count(AllocationRun, AllocationRun.term_id == term_id) == 1
            )  # history
            assert db.session.get(Term, term_id) is not None  # the term stays
        for key in KEPT:
            student_id = world["students"][key]
            student = db.session.get(Student, student_id)
            assert student is not None and student.last_name == world["names"][key]
            assert count(Period, Period.student_id == student_id) == 2
            assert count(Placement, Placement.student_id == student_id) == 1
            assert count(Decline, Decline.student_id == student_id) == 1
            assert count(AllocationLine, AllocationLine.student_id == student_id) == 1
            events = db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.object_type == "Student",
                    AuditEvent.object_id == student_id,
                    AuditEvent.action == "placement.withdrawn_by_admin",
                )
            ).all()
            assert [e.detail.endswith("vroeg het zelf") for e in events] == [True]


def test_sec_25_it_prints_per_term_what_it_purged(app, world):
    result = run(app)
    lines = result.output.splitlines()
    old, boundary = world["terms"]["old"], world["terms"]["boundary_old"]
    assert lines[0] == (
        "retention 5 years: terms whose internship ended before 2019-03-15 (Belgian date)"
    )
    assert lines[1] == (
        f'term {old} "Stageperiode old" (internship ended 2019-03-13): '
        "1 students, 2 periods, 1 placements, 1 declines"
    )
    assert lines[2] == (
        f'term {boundary} "Stageperiode boundary_old" (internship ended 2019-03-14): '
        "1 students, 2 periods, 1 placements, 1 declines"
    )
    assert "purged 2 students of 2 term(s)" in lines
    assert not any("boundary_young" in line or 'young"' in line for line in lines)


def test_sec_25_audit_events_of_purged_students_keep_their_row_but_lose_the_detail(
    app, world
):
    with app.app_context():
        before = {
            key: db.session.execute(
                select(AuditEvent.id, AuditEvent.action, AuditEvent.user_id)
                .where(
                    AuditEvent.object_type == "Student",
                    AuditEvent.object_id == world["students"][key],
                )
                .order_by(AuditEvent.id)
            ).all()
            for key in PURGED
        }
        db.session.commit()
    for rows in before.values():
        assert {row.action for row in rows} >= {
            "placement.accepted",
            "request.declined",
            "placement.withdrawn_by_admin",
        }
    run(app)
    with app.app_context():
        for key in PURGED:
            events = db.session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.object_type == "Student",
                    AuditEvent.object_id == world["students"][key],
                )
                .order_by(AuditEvent.id)
            ).all()
            assert [(e.id, e.action, e.user_id) for e in events] == before[key]
            assert {e.detail for e in events} == {""}


def test_sec_25_one_audit_event_records_the_counts(app, world):
    run(app)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == ACTION)
        ).all()
        assert len(events) == 1
        event = events[0]
        assert event.user_id is None and event.object_id is None
        old, boundary = world["terms"]["old"], world["terms"]["boundary_old"]
        assert f"term {old}: students=1 periods=2 placements=1 declines=1" in (
            event.detail
        )
        assert f"term {boundary}: students=1 periods=2" in event.detail
        assert "years=5 ended_before=2019-03-15" in event.detail


def figures(rows) -> tuple[list, list]:
    """Per school and per province, as the dashboard adds up (school id, name, province,
    requests, accepted, open, declined, stopped) rows."""
    provinces, schools = {}, {}
    for school_id, _name, province, *numbers in rows:
        for key, into in ((school_id, schools), (province, provinces)):
            into[key] = [a + b for a, b in zip(into.get(key, [0] * 5), numbers)]
    return sorted(schools.items()), sorted(provinces.items())


def test_sec_25_the_dashboard_counts_of_a_purged_term_are_kept(app, world):
    term_id = world["terms"]["old"]
    with app.app_context():
        provinces, schools = stats._counts(term_id)
        before = (
            [
                (c.key, [c.requests, c.accepted, c.open, c.declined, c.stopped])
                for c in schools
            ],
            [
                (c.key, [c.requests, c.accepted, c.open, c.declined, c.stopped])
                for c in provinces
                if c.requests
            ],
        )
        db.session.commit()
    assert before[0] == [(world["school_id"], [1, 1, 0, 1, 1])]
    run(app)
    with app.app_context():
        assert figures(db.session.execute(kept_counts(term_id))) == before
        # No student row is left, and the dashboard shows the same figures as before.
        provinces, schools = stats._counts(term_id)
        after = (
            [
                (c.key, [c.requests, c.accepted, c.open, c.declined, c.stopped])
                for c in schools
            ],
            [
                (c.key, [c.requests, c.accepted, c.open, c.declined, c.stopped])
                for c in provinces
                if c.requests
            ],
        )
        assert after == before
        db.session.commit()
    # A student added to the purged term later is counted on top by the next run.
    with app.test_request_context(method="POST"):
        school = db.session.get(School, world["school_id"])
        make_student(school, db.session.get(Term, term_id), province="ANT")
        db.session.commit()
    run(app)
    with app.app_context():
        schools, _ = figures(db.session.execute(kept_counts(term_id)))
        assert schools == [(world["school_id"], [2, 1, 1, 1, 1])]


def test_sec_25_a_purged_students_national_number_and_name_appear_nowhere(app, world):
    from app.crypto import national_number_index

    with app.app_context():
        old = dict(
            number=OLD_NUMBER,
            index=national_number_index(OLD_NUMBER),
            name=world["names"]["old"],
            email="old@student.example",
        )
        young_index = national_number_index(YOUNG_NUMBER)
        ciphertext = db.session.get(
            Student, world["students"]["old"]
        ).national_number_encrypted
        db.session.commit()
        text_before = repr(dump())
    assert old["index"] in text_before and old["name"] in text_before  # the scan sees
    assert repr(ciphertext) in text_before  # them before
    run(app)
    with app.app_context():
        text = repr(dump())
    for value in (*old.values(), repr(ciphertext), world["names"]["boundary_old"]):
        assert value not in text, value
    assert young_index in text and world["names"]["young"] in text


def test_sec_25_old_outbox_mails_go_younger_ones_stay(app, world):
    with app.app_context():
        assert count(OutboxMail) > 0
        old_mails = count(OutboxMail, OutboxMail.created_at < brussels(CUTOFF))
        young_mails = count(OutboxMail) - old_mails
        db.session.commit()
    assert old_mails and young_mails
    result = run(app)
    assert f"outbox mails written before 2019-03-15: {old_mails}" in result.output
    with app.app_context():
        assert count(OutboxMail) == young_mails


# --- dry run, second run, refusals -------------------------------------------------------


def test_sec_25_a_dry_run_prints_the_same_and_changes_nothing(app, world):
    with app.app_context():
        before = dump()
    dry = run(app, "--dry-run")
    assert dry.exit_code == 0, dry.output
    with app.app_context():
        after = dump()
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }
    assert after == before
    real = run(app)
    assert dry.output.splitlines()[:-1] == real.output.splitlines()[:-1]
    assert dry.output.splitlines()[-1] == (
        "would purge 2 students of 2 term(s) (dry run: nothing changed)"
    )
    assert real.output.splitlines()[-1] == "purged 2 students of 2 term(s)"


def test_sec_25_a_second_run_does_nothing(app, world):
    first = run(app)
    assert "purged 2 students" in first.output
    with app.app_context():
        before = dump()
    second = run(app)
    assert second.exit_code == 0
    assert second.output.splitlines()[-1] == "nothing to purge"
    with app.app_context():
        assert dump() == before
        assert count(AuditEvent, AuditEvent.action == ACTION) == 1


def test_sec_25_a_moment_after_the_clock_is_refused_without_dry_run(app, world):
    with app.app_context():
        before = dump()
    future = (datetime.now(timezone.utc) + timedelta(days=400)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    refused = invoke(app, "--now", future)
    assert refused.exit_code == 1
    assert "--now lies in the future" in refused.output
    looked = invoke(app, "--now", future, "--dry-run")
    assert looked.exit_code == 0 and "would purge 4 students" in looked.output
    with app.app_context():
        assert dump() == before


@pytest.mark.parametrize("app_overrides", [{"RETENTION_YEARS": 0}])
def test_sec_25_a_retention_below_one_year_is_refused(app):
    result = invoke(app, "--dry-run")
    assert result.exit_code == 1
    assert "RETENTION_YEARS must be a whole number of at least 1" in result.output


def test_sec_25_without_now_the_command_uses_the_clock(app, world):
    result = invoke(app, "--dry-run")
    assert result.exit_code == 0, result.output
    cutoff = retention_cutoff(local_date(datetime.now(timezone.utc)), 5)
    assert result.output.startswith(
        f"retention 5 years: terms whose internship ended before {cutoff}"
    )


def test_sec_25_every_table_pointing_at_a_student_is_purged_with_it():
    """A new table that refers to a student (or its periods, placements, declines) must be
    purged too: this fails until app/admin/purge.py learns about it."""
    personal = {"student", "period", "placement", "decline"}
    pointing = {
        table.name
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name in personal
    }
    assert pointing == {"period", "placement", "decline", "allocation_line"}
