"""'Student is gestopt' (OVR-4): once only, on a day within the term (issue 11, hole 8)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Student, utcnow
from app.schedule.clock import local_date
from app.schedule.timetable import stop_span, stop_undoable
from tests.factories import (
    login,
    make_placement,
    make_service,
    make_student,
    make_term,
    make_user,
)


def trainee(app, term_now=None) -> dict:
    """A school's trainee accepted by a service with one login, and the term's days."""
    with app.app_context():
        term = make_term(now=term_now) if term_now else make_term()
        school_user = make_user("school")
        service = make_service(province="ANT")
        service_user = make_user("service", service)
        student = make_student(school_user.school, term)
        make_placement(student, service)
        db.session.commit()
        return {
            "school_email": school_user.email,
            "service_email": service_user.email,
            "student_id": student.id,
            "opened": local_date(term.intake_opens_at),
            "end": term.internship_end,
        }


def stop(client, world, day, reason: str = "werk gevonden"):
    return client.post(
        f"/studenten/{world['student_id']}/gestopt",
        data={"stopped_on": str(day), "stopped_reason": reason},
        follow_redirects=True,
    )


def stored(app, student_id: int) -> tuple[date | None, str, int]:
    """The stored day and reason, and the number of stop events in the audit log."""
    with app.app_context():
        student = db.session.get(Student, student_id)
        events = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "student.stopped")
        )
        return student.stopped_on, student.stopped_reason, events


@pytest.fixture
def world(app):
    return trainee(app)


@pytest.fixture
def school(client, world):
    login(client, world["school_email"])
    return client


def today() -> date:
    return local_date(utcnow())


def test_stopping_tells_the_accepting_service_once(app, school, world, outbox):
    first = stop(school, world, today())
    assert "is gemarkeerd als gestopt" in first.text
    assert [m[0] for m in outbox()] == [world["service_email"]]

    again = stop(school, world, today() - timedelta(days=1), reason="toch iets anders")

    assert "staat al als gestopt sinds" in again.text
    assert "niemand opnieuw verwittigd" in again.text
    assert [m[0] for m in outbox()] == [world["service_email"]]
    assert stored(app, world["student_id"]) == (today(), "werk gevonden", 1)


def test_the_stop_page_of_a_stopped_trainee_says_so_instead_of_a_form(school, world):
    stop(school, world, today())
    page = school.get(
        f"/studenten/{world['student_id']}/gestopt", follow_redirects=True
    )
    assert "staat al als gestopt sinds" in page.text
    assert 'name="stopped_on"' not in page.text


def test_the_date_field_offers_the_days_of_the_term_up_to_today(school, world):
    page = school.get(f"/studenten/{world['student_id']}/gestopt")
    first, last = world["opened"], today()  # the internship has not ended yet
    assert f'min="{first.isoformat()}"' in page.text
    assert f'max="{last.isoformat()}"' in page.text
    assert f'value="{last.isoformat()}"' in page.text
    assert f"Een dag van {first:%d/%m/%Y} tot {last:%d/%m/%Y}." in page.text


@pytest.mark.parametrize(
    "day",
    [
        lambda world: date(1, 1, 1),
        lambda world: world["opened"] - timedelta(days=1),
        lambda world: today() + timedelta(days=1),
        lambda world: date(9999, 12, 31),
    ],
    ids=["year-1", "before-the-intake-opened", "tomorrow", "year-9999"],
)
def test_a_day_outside_the_term_is_refused_next_to_the_field(
    app, school, world, outbox, day
):
    response = stop(school, world, day(world))
    assert response.status_code == 200
    assert "Kies een dag van" in response.text
    assert 'id="stopped_on-error"' in response.text
    assert stored(app, world["student_id"]) == (None, "", 0)
    assert outbox() == []


def test_the_day_the_intake_opened_is_the_first_day_accepted(app, school, world):
    stop(school, world, world["opened"])
    assert stored(app, world["student_id"])[0] == world["opened"]


def test_after_the_internship_its_last_day_is_the_last_accepted(app, client):
    world = trainee(app, term_now=utcnow() - timedelta(days=300))
    login(client, world["school_email"])
    refused = stop(client, world, world["end"] + timedelta(days=1))
    assert "Kies een dag van" in refused.text
    stop(client, world, world["end"])
    assert stored(app, world["student_id"])[0] == world["end"]


def test_stop_span_of_a_running_and_an_ended_term(ctx):
    now = utcnow()
    running = make_student(term=make_term())
    ended = make_student(term=make_term(now=now - timedelta(days=300)))
    assert stop_span(running.term, now) == (
        local_date(running.term.intake_opens_at),
        local_date(now),
    )
    assert stop_span(ended.term, now)[1] == ended.term.internship_end


# --- undoing a stop until the results moment (issue 12) -----------------------------------


def undo(client, world):
    return client.post(
        f"/studenten/{world['student_id']}/gestopt/ongedaan", follow_redirects=True
    )


def stop_events(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action)
        )


def test_the_stop_page_asks_before_it_states(school, world):
    page = school.get(f"/studenten/{world['student_id']}/gestopt")
    assert "<title>Student stopzetten? · Stagematching</title>" in page.text
    assert "stopzetten?</h1>" in page.text
    assert "is gestopt</h1>" not in page.text


def test_a_stop_is_undone_from_the_student_page_and_the_service_hears_it(
    app, school, world, outbox
):
    stop(school, world, today())
    page = school.get(f"/studenten/{world['student_id']}")
    assert "Stopzetting ongedaan maken" in page.text

    undone = undo(school, world)

    assert "De stopzetting van" in undone.text
    assert "is ongedaan gemaakt" in undone.text
    assert "Stopzetting ongedaan maken" not in undone.text
    assert stored(app, world["student_id"]) == (None, "", 1)
    assert stop_events(app, "student.stop_undone") == 1
    mails = outbox()
    assert [m[0] for m in mails] == [world["service_email"]] * 2
    assert "toch niet gestopt" in mails[1][1]


def test_undoing_twice_changes_nothing_the_second_time(app, school, world, outbox):
    stop(school, world, today())
    undo(school, world)
    again = undo(school, world)
    assert "staat niet als gestopt" in again.text
    assert stop_events(app, "student.stop_undone") == 1
    assert len(outbox()) == 2


def test_after_the_results_moment_a_stop_stays(app, client, outbox):
    world = trainee(app, term_now=utcnow() - timedelta(days=300))
    login(client, world["school_email"])
    stop(client, world, world["end"])
    page = client.get(f"/studenten/{world['student_id']}")
    assert "Stopzetting ongedaan maken" not in page.text
    assert "kan niet meer ongedaan gemaakt worden" in page.text

    refused = undo(client, world)

    assert "kan niet meer ongedaan gemaakt worden" in refused.text
    assert stored(app, world["student_id"])[0] == world["end"]
    assert stop_events(app, "student.stop_undone") == 0
    assert len(outbox()) == 1


def test_another_school_cannot_undo_a_stop(app, client, world):
    with app.app_context():
        other = make_user("school")
        db.session.commit()
        email = other.email
    login(client, email)
    assert undo(client, world).status_code == 404


def test_a_stop_can_be_undone_until_the_results_moment(ctx):
    term = make_term()
    assert stop_undoable(term, term.results_at - timedelta(seconds=1))
    assert not stop_undoable(term, term.results_at)
