"""Retention (NF-5, SECURITY.md 25): which terms are old enough for their students to go.

A term is past retention once its internship ended more than `years` years ago, counted in
Belgian calendar days: with 5 years, a term whose internship ended on 31 December 2020 is
kept through 31 December 2025 and purged from 1 January 2026 on. The age of a term is the
age of its last internship day, not of its school year: the data serve the internship until
it is over, and every term then gets the same `years` (a school-year rule would keep an
autumn term eight months longer than a spring term of the same school year).

The rule is here once in Python and once in SQL, like the rules of `rules.py`.
"""

from datetime import date, datetime

from app.models import Term
from app.schedule.clock import brussels, local_date
from app.schedule.rules import Timetable


def retention_cutoff(today: date, years: int) -> date:
    """The first day that is not past retention: `today` moved `years` back (29 February,
    in a year without one, becomes 1 March). A term whose internship ended before it goes."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return date(today.year - years, 3, 1)


def past_retention(term: Timetable, now: datetime, years: int) -> bool:
    """The internship of `term` ended more than `years` years before `now` (Belgian days)."""
    return term.internship_end < retention_cutoff(local_date(now), years)


def past_retention_sql(now: datetime, years: int):
    """SQL twin of `past_retention`, over Term's columns."""
    return Term.internship_end < retention_cutoff(local_date(now), years)


def retention_moment(now: datetime, years: int) -> datetime:
    """The start of the cutoff day in Belgium: a record made before it (a mail of the outbox)
    is more than `years` years old."""
    return brussels(retention_cutoff(local_date(now), years))
