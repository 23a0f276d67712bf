"""The start pages: where a school, a care service or VIVO stands (NF-1, NF-2, OVR-1).

Every figure is an aggregate: a start page runs the same few statements however many
requests, acceptances or logins there are.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    CareService,
    IntakeOverride,
    Mentor,
    Period,
    Placement,
    School,
    Student,
    Supervisor,
    User,
)
from app.schedule import rules, start
from app.students.queries import STATUSES, WITHOUT_PREFERENCE, status_condition

# --- the school (OVR-1) ------------------------------------------------------------------


@dataclass
class TermCounts:
    """A school's requests of one term by status: each request in exactly one status
    (STATUSES); `without_preference` are still waiting and have no voorkeursdienst."""

    term: start.SchoolTerm
    entered: int = 0
    voorlopig: int = 0
    definitief: int = 0
    wachtend: int = 0
    geweigerd: int = 0
    gestopt: int = 0
    without_preference: int = 0

    @property
    def unplaced(self) -> int:
        """Not stopped and without a stageplek (waiting or declined)."""
        return self.wachtend + self.geweigerd


@dataclass(frozen=True)
class Todo:
    """One thing a school still has to do or look at; the template words it by `kind`."""

    kind: str
    term: object = None  # the Term, when the to-do is about one
    count: int = 0
    status: str = ""  # the overview filter that lists the requests concerned


@dataclass
class SchoolStart:
    terms: list[TermCounts]
    deadline: start.NextDeadline | None
    supervisors: int
    todos: list[Todo] = field(default_factory=list)


def school_counts(school_id: int, terms: list[start.SchoolTerm], now: datetime):
    """The status counts of the school's requests in these terms: one grouped statement."""
    by_id = {t.state.term.id: TermCounts(t) for t in terms}
    if not by_id:
        return []
    columns = [status_condition(s, now) for s in (*STATUSES, WITHOUT_PREFERENCE)]
    query = (
        select(
            Student.term_id,
            func.count(Student.id),
            *(func.sum(case((condition, 1), else_=0)) for condition in columns),
        )
        .where(Student.school_id == school_id, Student.term_id.in_(by_id))
        .group_by(Student.term_id)
    )
    for term_id, entered, *numbers in db.session.execute(query):
        row = by_id[term_id]
        row.entered = entered
        for name, number in zip((*STATUSES, "without_preference"), numbers):
            setattr(row, name, int(number or 0))
    return list(by_id.values())


def school_todos(counts: list[TermCounts], supervisors: int) -> list[Todo]:
    """What a school still has to do, in the manual's order: supervisors first, then the
    requests of each term whose intake is open for it, then the unplaced ones."""
    todos = []
    if not supervisors and any(row.term.window.open for row in counts):
        todos.append(Todo("supervisors"))
    for row in counts:
        term, open_ = row.term.state.term, row.term.window.open
        if open_ and not row.entered:
            todos.append(Todo("no_requests", term))
        if open_ and row.without_preference:
            todos.append(
                Todo("no_preference", term, row.without_preference, WITHOUT_PREFERENCE)
            )
        if row.geweigerd:
            todos.append(Todo("declined", term, row.geweigerd, "geweigerd"))
        if row.term.state.final and row.wachtend:
            todos.append(Todo("unplaced", term, row.wachtend, "wachtend"))
    return todos


def school_start(school_id: int, now: datetime) -> SchoolStart:
    """Everything the school's start page shows: three statements besides the timetable's."""
    counts = school_counts(school_id, start.school_terms(school_id, now), now)
    supervisors = db.session.scalar(
        select(func.count(Supervisor.id)).where(Supervisor.school_id == school_id)
    )
    return SchoolStart(
        counts,
        start.next_deadline("school", school_id, now),
        supervisors,
        school_todos(counts, supervisors),
    )


# --- the care service --------------------------------------------------------------------


@dataclass
class ServiceTerm:
    """A term on a service's start page: open requests, new ones, the places."""

    state: object  # TermState
    open: int = 0  # requests it may answer now
    new: int = 0  # of those, reached it since its previous login
    preferred: int = 0  # of those, with this service as voorkeursdienst
    new_preferred: int = 0
    offered: int | None = None  # places offered (None: not said)
    taken: int = 0  # distinct trainees accepted

    @property
    def free(self) -> int | None:
        return None if self.offered is None else max(self.offered - self.taken, 0)


@dataclass(frozen=True)
class Starting:
    """A trainee of the service whose period starts in the coming days."""

    student_id: int
    first_name: str
    last_name: str
    period: int
    start: date
    end: date
    school: str
    mentor: str


@dataclass
class ServiceStart:
    terms: list[ServiceTerm]
    since: datetime | None  # the previous login (None: the first one)
    starting: list[Starting]
    starting_more: bool  # more than STARTING_LIMIT start in the coming days
    coming: tuple[date, date]
    deadline: start.NextDeadline | None

    @property
    def new(self) -> int:
        return sum(term.new for term in self.terms)


STARTING_LIMIT = 20
COMING_DAYS = 14


def request_counts(service: CareService, since: datetime | None, now: datetime):
    """{term id: (open, new, preferred, new and preferred)} of the requests this service may
    answer now (the browse list's own rule): one grouped statement."""
    from app.placements.queries import visible_requests

    new = rules.reached_service_after_sql(service.province, since)
    preferred = Student.preferred_service_id == service.id
    query = (
        visible_requests(service, now)
        .with_only_columns(
            Student.term_id,
            func.count(Student.id),
            func.sum(case((new, 1), else_=0)),
            func.sum(case((preferred, 1), else_=0)),
            func.sum(case((new & preferred, 1), else_=0)),
        )
        .group_by(Student.term_id)
    )
    return {
        term_id: tuple(int(n or 0) for n in numbers)
        for term_id, *numbers in db.session.execute(query)
    }


def starting_trainees(service_id: int, first: date, last: date) -> list[Starting]:
    """The service's trainees (not stopped) whose accepted period starts between `first` and
    `last`, the soonest first; at most STARTING_LIMIT + 1 (to tell that there are more)."""
    rows = db.session.execute(
        select(
            Student.id,
            Student.first_name,
            Student.last_name,
            Period.number,
            Period.start_date,
            Period.end_date,
            School.name,
            Mentor.name,
        )
        .select_from(Placement)
        .join(Student, Placement.student_id == Student.id)
        .join(Period, Placement.period_id == Period.id)
        .join(School, Student.school_id == School.id)
        .join(Mentor, Placement.mentor_id == Mentor.id)
        .where(
            Placement.care_service_id == service_id,
            Student.stopped_on.is_(None),
            Period.start_date.between(first, last),
        )
        .order_by(Period.start_date, Student.last_name, Student.first_name, Period.id)
        .limit(STARTING_LIMIT + 1)
    )
    return [Starting(*row) for row in rows]


def service_start(service: CareService, user: User, now: datetime) -> ServiceStart:
    """Everything a care service's start page shows: four statements besides the timetable's."""
    from app.placements.logic import capacities

    states = start.service_terms(now)
    since = user.previous_login_at
    counts = request_counts(service, since, now)
    places = capacities(service, [state.term.id for state in states])
    terms = []
    for state in states:
        row = ServiceTerm(state, *counts.get(state.term.id, (0, 0, 0, 0)))
        row.offered, row.taken = places[state.term.id]
        terms.append(row)
    first, last = start.coming_days(now, COMING_DAYS)
    starting = starting_trainees(service.id, first, last)
    return ServiceStart(
        terms,
        since,
        starting[:STARTING_LIMIT],
        len(starting) > STARTING_LIMIT,
        (first, last),
        start.next_deadline("service", None, now),
    )


# --- VIVO --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminStart:
    """The one most important number of each of VIVO's screens."""

    term: object  # the dashboard's default term, or None
    unplaced: int  # its requests not stopped and without a stageplek
    live_terms: int  # terms in which something is open now (intake or accepting)
    late_entries: int  # running late entries
    schools: int  # active schools
    services: int  # active care services
    not_activated: int  # invited logins that never activated their account
    unanswered: int  # released requests no service answered
    events_today: int  # audit events since midnight
    deadline: start.NextDeadline | None


def admin_start(now: datetime) -> AdminStart:
    """Everything VIVO's start page shows: two statements besides the timetable's."""
    from app.admin import stats
    from app.schedule.timetable import accepting_term, all_terms

    terms = all_terms()
    term = accepting_term(terms, now)

    def count(column, *conditions):
        return select(func.count(column)).where(*conditions).scalar_subquery()

    unplaced = (
        count(
            Student.id,
            Student.term_id == term.id,
            status_condition("wachtend") | status_condition("geweigerd"),
        )
        if term is not None
        else select(0).scalar_subquery()
    )
    numbers = db.session.execute(
        select(
            unplaced,
            count(IntakeOverride.id, rules.override_active_sql(now)),
            count(School.id, School.active),
            count(CareService.id, CareService.active),
            count(User.id, User.enabled, User.activated_at.is_(None)),
            count(AuditEvent.id, AuditEvent.at >= start.start_of_today(now)),
        )
    ).one()
    live = sum(
        1 for t in terms if rules.intake_open(t, now) or rules.acceptance_open(t, now)
    )
    unanswered = sum(stats.unanswered_per_province(now).values())
    return AdminStart(
        term,
        numbers[0],
        live,
        numbers[1],
        numbers[2],
        numbers[3],
        numbers[4],
        unanswered,
        numbers[5],
        start.next_deadline("admin", None, now),
    )
