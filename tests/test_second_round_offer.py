"""The second round's "accepted in the round" rule: Python and SQL agree at the boundary."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Placement, Student, utcnow
from app.schedule import rules
from tests.factories import make_placement, make_student, make_term


def test_made_in_second_round_python_and_sql_agree(ctx):
    now = utcnow()
    term = make_term(
        now=now - timedelta(days=60),
        intake_open=False,
        results_at=now - timedelta(days=1),
    )
    cases = {}
    for label, moment in (
        ("before", term.results_at - timedelta(seconds=1)),
        ("at", term.results_at),
        ("after", term.results_at + timedelta(seconds=1)),
    ):
        student = make_student(term=term)
        placement = make_placement(student)
        placement.created_at = moment
        cases[label] = (student.id, placement)
    db.session.commit()
    for label, (student_id, placement) in cases.items():
        in_sql = db.session.scalar(
            select(Student.id).where(
                Student.id == student_id, rules.placed_in_second_round_sql()
            )
        )
        in_python = rules.made_in_second_round(term, placement.created_at)
        assert (in_sql is not None) == in_python == (label != "before"), label
    assert db.session.scalar(select(Placement.id).limit(1)) is not None
