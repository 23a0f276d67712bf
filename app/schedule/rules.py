"""Every rule of "what is allowed when", each once in Python and, beside it, once in SQL.

A rule is a plain function of a term (anything with the timetable attributes of `Term`) and
the moment `now`; its `*_sql` twin is the same rule as an SQL expression over the `Term`
columns, for queries that filter many rows. tests/test_schedule_rules.py checks for a table of
(term, now) cases that both give the same answer on SQLite and PostgreSQL.
"""

from datetime import date, datetime, timedelta
from enum import Enum
from typing import Protocol

from sqlalchemy import and_, case, exists, func, or_, true

from app.models import IntakeOverride, Term
from app.schedule.clock import local_date


class Timetable(Protocol):
    """The timetable attributes of a term (a `Term` row or a plan of one)."""

    internship_end: date
    intake_opens_at: datetime
    intake_closes_at: datetime
    results_at: datetime
    requests_visible_at: datetime | None
    second_round_until: datetime | None


# --- intake (STU-17, TERM-3) -------------------------------------------------------------


def intake_open(term: Timetable, now: datetime) -> bool:
    """True while every school may enter requests for `term` (the window itself)."""
    return term.intake_opens_at <= now < term.intake_closes_at


def intake_open_sql(now: datetime):
    return and_(Term.intake_opens_at <= now, Term.intake_closes_at > now)


def override_active(override: IntakeOverride, now: datetime) -> bool:
    """True while an admin's late entry lets its school enter requests (TERM-3)."""
    return override.revoked_at is None and now < override.until


def override_active_sql(now: datetime):
    return and_(IntakeOverride.revoked_at.is_(None), IntakeOverride.until > now)


def intake_open_for_school(term: Timetable, overrides, now: datetime) -> bool:
    """The window, or one of this school's overrides for this term, is open now."""
    return intake_open(term, now) or any(override_active(o, now) for o in overrides)


def intake_open_for_school_sql(school_id, now: datetime):
    """`school_id` may be a value or a column (e.g. Student.school_id)."""
    late_entry = exists().where(
        IntakeOverride.term_id == Term.id,
        IntakeOverride.school_id == school_id,
        override_active_sql(now),
    )
    return or_(intake_open_sql(now), late_entry)


# --- the care services' side (TERM-6, TERM-7, SVC-4) -------------------------------------


def release_moment(term: Timetable) -> datetime:
    """When the term's requests become visible to services: one moment for all (TERM-6)."""
    return term.requests_visible_at or term.intake_opens_at


def release_moment_sql():
    return func.coalesce(Term.requests_visible_at, Term.intake_opens_at)


def released(term: Timetable, now: datetime) -> bool:
    return now >= release_moment(term)


def released_sql(now: datetime):
    return release_moment_sql() <= now


def first_round_open(term: Timetable, now: datetime) -> bool:
    """Services of the chosen province browse and accept: from the release to the results."""
    return released(term, now) and now < term.results_at


def first_round_open_sql(now: datetime):
    return and_(released_sql(now), Term.results_at > now)


def second_round_open(term: Timetable, now: datetime) -> bool:
    """After the results moment, until the deadline an admin set (TERM-7)."""
    return (
        term.second_round_until is not None
        and term.results_at <= now < term.second_round_until
    )


def second_round_open_sql(now: datetime):
    return and_(
        Term.second_round_until.is_not(None),
        Term.results_at <= now,
        Term.second_round_until > now,
    )


def acceptance_open(term: Timetable, now: datetime) -> bool:
    """Services may browse and accept this term's requests now (either round)."""
    return first_round_open(term, now) or second_round_open(term, now)


def acceptance_open_sql(now: datetime):
    return or_(first_round_open_sql(now), second_round_open_sql(now))


def acceptance_deadline(term: Timetable, now: datetime) -> datetime:
    """Until when accepting is possible: the second round's deadline while it runs."""
    return term.second_round_until if second_round_open(term, now) else term.results_at


def results_final(term: Timetable, now: datetime) -> bool:
    """From the results moment on, acceptances are final ("definitief raadplegen", OVR-5)."""
    return now >= term.results_at


def results_final_sql(now: datetime):
    return Term.results_at <= now


def service_may_withdraw(term: Timetable, accepted_at: datetime, now: datetime) -> bool:
    """A service withdraws its own acceptance until the results moment (SVC-4); one made in
    the second round, while that round runs. After that only an admin can."""
    if now < term.results_at:
        return True
    return second_round_open(term, now) and made_in_second_round(term, accepted_at)


def made_in_second_round(term: Timetable, accepted_at: datetime) -> bool:
    """An acceptance from the results moment on belongs to the second round (TERM-7)."""
    return accepted_at >= term.results_at


def placed_in_second_round_sql():
    """SQL twin, per student: one of its periods was accepted in its term's second round."""
    from app.models import Placement, Student

    return exists().where(
        Placement.student_id == Student.id,
        Term.id == Student.term_id,
        Placement.created_at >= Term.results_at,
    )


def second_round_may_open(term: Timetable, now: datetime) -> bool:
    """An admin can open (or extend) a second round once the results are final (TERM-7)."""
    return results_final(term, now)


# --- phases ------------------------------------------------------------------------------


class Phase(str, Enum):
    UPCOMING = "upcoming"
    INTAKE = "intake"
    MATCHING = "matching"
    FINAL = "final"
    SECOND_ROUND = "second_round"
    CLOSED = "closed"


def phase(term: Timetable, now: datetime) -> Phase:
    """Where a term stands: before intake, intake, matching, final, second round, closed."""
    if now < term.intake_opens_at:
        return Phase.UPCOMING
    if intake_open(term, now):
        return Phase.INTAKE
    if now < term.results_at:
        return Phase.MATCHING
    if second_round_open(term, now):
        return Phase.SECOND_ROUND
    if local_date(now) > term.internship_end:
        return Phase.CLOSED
    return Phase.FINAL


# --- VIVO's desk (ADM-3, ADM-5) ----------------------------------------------------------


def waiting_since(term: Timetable, created_at: datetime) -> datetime:
    """Since when a request waits for an answer: its entry, or the release if that is later."""
    return max(created_at, release_moment(term))


def waiting_since_sql(created_at):
    """`created_at` is a column such as Student.created_at (the query joins Term)."""
    release = release_moment_sql()
    return case((created_at > release, created_at), else_=release)


def matching_days(term: Timetable) -> tuple[date, date]:
    """The Belgian days on which services accept: from the release to the results moment, or
    to the end of the second round when one was opened."""
    until = term.second_round_until or term.results_at
    return local_date(release_moment(term)), local_date(until)


# --- the start pages ("where do I stand") ------------------------------------------------


def placements_final_sql(now: datetime):
    """SQL twin of timetable.acceptances_final, per student (the query selects Student): the
    term's results are final and no acceptance was made in a second round that still runs."""
    from app.models import Placement, Student

    # Two flat EXISTS, each correlated to the student of the enclosing query (a nested one
    # would not be correlated to it).
    made_in_running_second_round = exists().where(
        Placement.student_id == Student.id,
        Term.id == Student.term_id,
        second_round_open_sql(now),
        Placement.created_at >= Term.results_at,
    )
    return and_(
        exists().where(Term.id == Student.term_id, results_final_sql(now)),
        ~made_in_running_second_round,
    )


def reached_service_at(term: Timetable, created_at: datetime, own_province: bool):
    """When a request reached a service: its entry or the release in its own province; in
    another province, no earlier than the results moment that opens a second round (TERM-7)."""
    since = waiting_since(term, created_at)
    return since if own_province else max(since, term.results_at)


def reached_service_after(
    term: Timetable, created_at: datetime, own_province: bool, since: datetime | None
) -> bool:
    """Is the request new to a service that last came by at `since` (None: never)?"""
    return since is None or reached_service_at(term, created_at, own_province) > since


def reached_service_after_sql(province: str, since: datetime | None):
    """SQL twin of reached_service_after, per student (the query selects Student)."""
    from app.models import Student

    if since is None:
        return true()
    reached = waiting_since_sql(Student.created_at)
    reached_here = case(
        (Student.province == province, reached),
        (reached > Term.results_at, reached),
        else_=Term.results_at,
    )
    return exists().where(Term.id == Student.term_id, reached_here > since)


# --- allocation proposals (issue 13) -----------------------------------------------------


def proposal_answerable(run, now: datetime) -> bool:
    """A sent proposal may be answered (accepted or declined) until its deadline; a line
    still unanswered after it has expired, and its student is back in the pool."""
    return run.sent_at is not None and run.answer_by is not None and now < run.answer_by


def proposal_answerable_sql(now: datetime):
    from app.models import AllocationRun

    return and_(
        AllocationRun.sent_at.is_not(None),
        AllocationRun.answer_by.is_not(None),
        AllocationRun.answer_by > now,
    )


def proposal_days_left(run, now: datetime) -> int:
    """Whole Belgian calendar days from today until the proposal's deadline (0 on its last
    day; negative once past), for "nog N dagen" beside the deadline."""
    return (local_date(run.answer_by) - local_date(now)).days


def proposal_reminder_days(run, now: datetime, days_before) -> int | None:
    """The most urgent reminder of an unanswered proposal due now: the smallest N in
    `days_before` with `now` within N days of the deadline, while it is answerable."""
    if not proposal_answerable(run, now):
        return None
    due = [n for n in days_before if now >= run.answer_by - timedelta(days=n)]
    return min(due, default=None)


def allocation_may_run(term: Timetable, now: datetime) -> bool:
    """VIVO may make a proposal for a term's leftovers once its results are final."""
    return results_final(term, now)
