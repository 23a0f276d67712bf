"""Ready answers of the timetable for the start pages ("where do I stand"): which terms a
page shows, the next deadline with the days left, the coming days. Pages never compare
moments themselves (CONVENTIONS.md, one rule one place)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.models import utcnow
from app.schedule import rules
from app.schedule.clock import brussels, local_date
from app.schedule.rules import Phase
from app.schedule.timetable import (
    TermState,
    Window,
    all_terms,
    intake_window,
    term_state,
    upcoming_moments,
)

# Phases in which a term still matters on a start page: its requests are being entered or
# answered, or its internships run.
CURRENT = (Phase.INTAKE, Phase.MATCHING, Phase.SECOND_ROUND, Phase.FINAL)


@dataclass(frozen=True)
class NextDeadline:
    """The next moment by which something must be done, and the Belgian days left until it."""

    label: object  # a lazy translated string
    term_name: str
    at: datetime
    days_left: int  # 0: today, 1: tomorrow


def days_left(moment: datetime, now: datetime) -> int:
    """Belgian calendar days from now until the moment (0 when it is today)."""
    return (local_date(moment) - local_date(now)).days


def next_deadline(
    role: str, school_id: int | None = None, now: datetime | None = None
) -> NextDeadline | None:
    """The next deadline that matters to `role` (a school's own late entry counts)."""
    now = now or utcnow()
    moments = upcoming_moments(now, role, school_id)
    first = next((m for m in moments if not m.opening), None)
    if first is None:
        return None
    return NextDeadline(
        first.label, first.term.name, first.at, days_left(first.at, now)
    )


@dataclass(frozen=True)
class SchoolTerm:
    """A term on a school's start page: its state and the school's own intake window."""

    state: TermState
    window: Window


def school_terms(school_id: int, now: datetime | None = None) -> list[SchoolTerm]:
    """The open and recent terms of a school's start page, the earliest internship first:
    intake, matching, second round, or results final while the internship runs; a term
    with a late entry for the school too. With none of those, the latest term that started."""
    now = now or utcnow()
    terms = sorted(all_terms(), key=lambda t: (t.internship_start, t.id))
    chosen = []
    for term in terms:
        state, window = term_state(term, now), intake_window(term, school_id, now)
        if state.phase in CURRENT or window.open:
            chosen.append(SchoolTerm(state, window))
    if not chosen:
        started = [t for t in terms if rules.phase(t, now) is not Phase.UPCOMING]
        chosen = [
            SchoolTerm(term_state(t, now), intake_window(t, school_id, now))
            for t in started[-1:]
        ]
    return chosen


def service_terms(now: datetime | None = None) -> list[TermState]:
    """The terms of a care service's start page: released to the services and not over yet
    (accepting now, or results final while the internships run), the earliest first."""
    now = now or utcnow()
    return [
        term_state(term, now)
        for term in sorted(all_terms(), key=lambda t: (t.internship_start, t.id))
        if rules.released(term, now) and rules.phase(term, now) in CURRENT
    ]


def coming_days(now: datetime | None = None, days: int = 14) -> tuple[date, date]:
    """Today and the last day of the coming `days` days, in Belgium."""
    today = local_date(now or utcnow())
    return today, today + timedelta(days=days)


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight of today in Belgium, as a UTC moment."""
    return brussels(local_date(now or utcnow()))
