"""The time rules of app/schedule/rules.py: every boundary one second before, at and after,
also on the two daylight-saving change days; and the SQL twin of each rule gives the same answer
as the Python one for a table of (term, now) cases, on SQLite and PostgreSQL."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import IntakeOverride, Term
from app.schedule import rules
from app.schedule.clock import brussels, from_local, school_year_of, to_local
from app.schedule.rules import Phase
from tests.factories import make_school

SECOND = timedelta(seconds=1)
SPRING_FORWARD = date(2026, 3, 29)  # 02:00 -> 03:00 in Belgium
FALL_BACK = date(2026, 10, 25)  # 03:00 -> 02:00 in Belgium


@dataclass
class Plan:
    """A term's timetable without a database."""

    internship_start: date
    internship_end: date
    intake_opens_at: datetime
    intake_closes_at: datetime
    results_at: datetime
    requests_visible_at: datetime | None = None
    second_round_until: datetime | None = None


def dst_term(**changes) -> Plan:
    """Intake closes at 12:00 on the spring-forward day; results at 12:00 on the fall-back day."""
    values = dict(
        internship_start=date(2026, 11, 1),
        internship_end=date(2026, 12, 31),
        intake_opens_at=brussels(date(2026, 1, 10), 9),
        intake_closes_at=brussels(SPRING_FORWARD, 12),
        results_at=brussels(FALL_BACK, 12),
    )
    values.update(changes)
    return Plan(**values)


def around(moment: datetime) -> tuple[datetime, datetime, datetime]:
    return moment - SECOND, moment, moment + SECOND


# --- wall-clock time on the change days ---------------------------------------------------


def test_a_noon_deadline_is_noon_in_brussels_in_summer_and_in_winter():
    assert brussels(SPRING_FORWARD, 12) == datetime(
        2026, 3, 29, 10, tzinfo=timezone.utc
    )
    assert brussels(date(2026, 3, 28), 12) == datetime(
        2026, 3, 28, 11, tzinfo=timezone.utc
    )
    assert brussels(FALL_BACK, 12) == datetime(2026, 10, 25, 11, tzinfo=timezone.utc)
    assert brussels(date(2026, 10, 24), 12) == datetime(
        2026, 10, 24, 10, tzinfo=timezone.utc
    )
    for day in (SPRING_FORWARD, FALL_BACK):
        assert to_local(brussels(day, 12)) == datetime.combine(
            day, datetime.min.time()
        ).replace(hour=12)


def test_form_times_that_do_not_exist_or_exist_twice_are_read_predictably():
    # 02:30 on the spring-forward day does not exist: the clock already says 03:30.
    assert from_local(datetime(2026, 3, 29, 2, 30)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=timezone.utc
    )
    # 02:30 on the fall-back day happens twice: the first one (summer time) counts.
    assert from_local(datetime(2026, 10, 25, 2, 30)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=timezone.utc
    )
    assert from_local(datetime(2026, 7, 1, 12, 0)) == datetime(
        2026, 7, 1, 10, 0, tzinfo=timezone.utc
    )
    assert from_local(None) is None


def test_school_year_starts_on_the_first_of_september_in_belgium():
    assert school_year_of(brussels(date(2026, 9, 1), 0)) == 2026
    # 31 August 23:30 in Belgium is still the old school year, though it is 21:30 UTC.
    assert school_year_of(brussels(date(2026, 8, 31), 23, 30)) == 2025


# --- every rule around every boundary -----------------------------------------------------


def test_intake_opens_and_closes_to_the_second():
    term = dst_term()
    assert [rules.intake_open(term, t) for t in around(term.intake_opens_at)] == [
        False,
        True,
        True,
    ]
    assert [rules.intake_open(term, t) for t in around(term.intake_closes_at)] == [
        True,
        False,
        False,
    ]


def test_a_late_entry_runs_until_its_moment_unless_revoked():
    term = dst_term()
    until = brussels(date(2026, 4, 2), 12)
    late = IntakeOverride(until=until, revoked_at=None)
    assert [rules.override_active(late, t) for t in around(until)] == [
        True,
        False,
        False,
    ]
    assert [rules.intake_open_for_school(term, [late], t) for t in around(until)] == [
        True,
        False,
        False,
    ]
    assert rules.intake_open_for_school(term, [], until - SECOND) is False
    late.revoked_at = until - timedelta(days=1)
    assert rules.intake_open_for_school(term, [late], until - SECOND) is False


@pytest.mark.parametrize("release", [None, brussels(SPRING_FORWARD, 12)])
def test_requests_are_released_at_one_moment(release):
    term = dst_term(requests_visible_at=release)
    moment = release or term.intake_opens_at
    assert rules.release_moment(term) == moment
    assert [rules.released(term, t) for t in around(moment)] == [False, True, True]
    assert [rules.first_round_open(term, t) for t in around(moment)] == [
        False,
        True,
        True,
    ]


def test_the_first_round_ends_and_results_become_final_at_the_results_moment():
    term = dst_term()
    assert [rules.first_round_open(term, t) for t in around(term.results_at)] == [
        True,
        False,
        False,
    ]
    assert [rules.results_final(term, t) for t in around(term.results_at)] == [
        False,
        True,
        True,
    ]
    assert [rules.acceptance_open(term, t) for t in around(term.results_at)] == [
        True,
        False,
        False,
    ]
    assert [rules.second_round_may_open(term, t) for t in around(term.results_at)] == [
        False,
        True,
        True,
    ]


def test_a_second_round_runs_from_the_results_until_its_deadline():
    deadline = brussels(date(2026, 11, 5), 12)
    term = dst_term(second_round_until=deadline)
    assert [rules.second_round_open(term, t) for t in around(term.results_at)] == [
        False,
        True,
        True,
    ]
    assert [rules.acceptance_open(term, t) for t in around(term.results_at)] == [
        True,
        True,
        True,
    ]
    assert [rules.second_round_open(term, t) for t in around(deadline)] == [
        True,
        False,
        False,
    ]
    assert [rules.acceptance_open(term, t) for t in around(deadline)] == [
        True,
        False,
        False,
    ]
    assert rules.acceptance_deadline(term, term.results_at - SECOND) == term.results_at
    assert rules.acceptance_deadline(term, term.results_at) == deadline


def test_a_service_withdraws_until_the_results_or_a_second_round_acceptance_while_it_runs():
    deadline = brussels(date(2026, 11, 5), 12)
    term = dst_term(second_round_until=deadline)
    first_round = term.results_at - timedelta(days=3)
    second_round = term.results_at + timedelta(hours=1)
    assert [
        rules.service_may_withdraw(term, first_round, t)
        for t in around(term.results_at)
    ] == [True, False, False]
    assert [
        rules.service_may_withdraw(term, second_round, t) for t in around(deadline)
    ] == [True, False, False]


def test_phases_follow_each_other():
    deadline = brussels(date(2026, 11, 5), 12)
    term = dst_term(second_round_until=deadline)
    assert rules.phase(term, term.intake_opens_at - SECOND) is Phase.UPCOMING
    assert rules.phase(term, term.intake_opens_at) is Phase.INTAKE
    assert rules.phase(term, term.intake_closes_at) is Phase.MATCHING
    assert rules.phase(term, term.results_at) is Phase.SECOND_ROUND
    assert rules.phase(term, deadline) is Phase.FINAL
    after_span = brussels(term.internship_end + timedelta(days=1), 0)
    assert rules.phase(term, after_span - SECOND) is Phase.FINAL
    assert rules.phase(term, after_span) is Phase.CLOSED


# --- Python and SQL agree -----------------------------------------------------------------


def _terms() -> list[Term]:
    base = dict(
        name="t",
        school_year=2025,
        internship_start=date(2026, 11, 1),
        internship_end=date(2026, 12, 31),
    )
    plain = dst_term()
    variants = [
        dict(),
        dict(requests_visible_at=brussels(SPRING_FORWARD, 12)),
        dict(second_round_until=brussels(date(2026, 11, 5), 12)),
        dict(
            requests_visible_at=brussels(date(2026, 2, 1), 9),
            second_round_until=brussels(date(2026, 10, 26), 12),
        ),
        dict(
            intake_opens_at=brussels(FALL_BACK, 2, 30),
            intake_closes_at=brussels(FALL_BACK, 12),
            results_at=brussels(date(2026, 10, 30), 12),
        ),
    ]
    terms = []
    for changes in variants:
        values = dict(
            intake_opens_at=plain.intake_opens_at,
            intake_closes_at=plain.intake_closes_at,
            results_at=plain.results_at,
            **base,
        )
        values.update(changes)
        terms.append(Term(**values))
    db.session.add_all(terms)
    db.session.flush()
    return terms


def _moments(terms: list[Term], overrides: list[IntakeOverride]) -> list[datetime]:
    boundaries = set()
    for term in terms:
        boundaries |= {
            term.intake_opens_at,
            term.intake_closes_at,
            term.results_at,
            rules.release_moment(term),
        }
        if term.second_round_until:
            boundaries.add(term.second_round_until)
    boundaries |= {o.until for o in overrides}
    return sorted({m for b in boundaries for m in around(b)})


PAIRS = [
    (rules.intake_open, rules.intake_open_sql),
    (rules.released, rules.released_sql),
    (rules.first_round_open, rules.first_round_open_sql),
    (rules.second_round_open, rules.second_round_open_sql),
    (rules.acceptance_open, rules.acceptance_open_sql),
    (rules.results_final, rules.results_final_sql),
]


def test_python_and_sql_give_the_same_answer(ctx):
    terms = _terms()
    school, other = make_school(), make_school()
    overrides = [
        IntakeOverride(
            term_id=terms[0].id,
            school_id=school.id,
            reason="ziekte",
            until=brussels(date(2026, 4, 2), 12),
        ),
        IntakeOverride(
            term_id=terms[1].id,
            school_id=school.id,
            reason="ingetrokken",
            until=brussels(date(2026, 4, 9), 12),
            revoked_at=brussels(date(2026, 3, 30), 9),
        ),
        IntakeOverride(
            term_id=terms[2].id,
            school_id=other.id,
            reason="andere school",
            until=brussels(date(2026, 5, 1), 12),
        ),
    ]
    db.session.add_all(overrides)
    db.session.commit()
    ids = [t.id for t in terms]
    checked = 0
    for now in _moments(terms, overrides):
        for python_rule, sql_rule in PAIRS:
            in_sql = set(
                db.session.scalars(
                    select(Term.id).where(Term.id.in_(ids), sql_rule(now))
                )
            )
            in_python = {t.id for t in terms if python_rule(t, now)}
            assert in_sql == in_python, (python_rule.__name__, now)
            checked += 1
        for school_id in (school.id, other.id):
            in_sql = set(
                db.session.scalars(
                    select(Term.id).where(
                        Term.id.in_(ids),
                        rules.intake_open_for_school_sql(school_id, now),
                    )
                )
            )
            in_python = {
                t.id
                for t in terms
                if rules.intake_open_for_school(
                    t,
                    [
                        o
                        for o in overrides
                        if o.term_id == t.id and o.school_id == school_id
                    ],
                    now,
                )
            }
            assert in_sql == in_python, ("intake_open_for_school", school_id, now)
    # The table really exercises both answers of every rule.
    assert checked > 100
    outcomes = {
        (p.__name__, p(t, now))
        for t in terms
        for now in _moments(terms, overrides)
        for p, _ in PAIRS
    }
    assert len(outcomes) == 2 * len(PAIRS)
