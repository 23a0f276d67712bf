"""Numbers of VIVO's desk: the dashboard per term (ADM-3) and the unanswered requests (ADM-5).

Every figure is an aggregate query (GROUP BY), so the number of statements a page runs does
not grow with the number of students.
"""

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    CareService,
    Decline,
    Placement,
    School,
    ServiceCapacity,
    Student,
    Term,
    User,
    utcnow,
)
from app.models.reference import PROVINCES
from app.schedule import rules
from app.schedule.clock import local_date

# --- the dashboard (ADM-3) ---------------------------------------------------------------


@dataclass
class Counts:
    """The state of a group of requests: all, accepted (≥1 placement), open (not stopped,
    no placement), declined (≥1 decline) and stopped."""

    key: object
    label: str
    requests: int = 0
    accepted: int = 0
    open: int = 0
    declined: int = 0
    stopped: int = 0

    @property
    def stopped_unplaced(self) -> int:
        """Stopped without any placement: with `accepted` and `open` it makes `requests`."""
        return self.requests - self.accepted - self.open

    def add(self, other: "Counts") -> None:
        for name in ("requests", "accepted", "open", "declined", "stopped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _has_placement():
    return exists().where(Placement.student_id == Student.id)


def _has_decline():
    return exists().where(Decline.student_id == Student.id)


def _count_columns():
    placed, stopped = _has_placement(), Student.stopped_on.is_not(None)
    return (
        func.count(Student.id),
        func.sum(case((placed, 1), else_=0)),
        func.sum(case((and_(~stopped, ~placed), 1), else_=0)),
        func.sum(case((_has_decline(), 1), else_=0)),
        func.sum(case((stopped, 1), else_=0)),
    )


def counts_per_province(term_id: int) -> list[Counts]:
    """One row per province of the manual (zeros included), in the manual's order."""
    return _counts(term_id)[0]


def counts_per_school(term_id: int) -> list[Counts]:
    """One row per school with requests in the term, by name."""
    return _counts(term_id)[1]


def _counts(term_id: int) -> tuple[list[Counts], list[Counts]]:
    """Per province and per school from one scan of the term: grouped by both, summed here."""
    query = (
        select(School.id, School.name, Student.province, *_count_columns())
        .join(School, Student.school_id == School.id)
        .where(Student.term_id == term_id)
        .group_by(School.id, School.name, Student.province)
    )
    from app.admin.purge import kept_counts

    provinces = {code: Counts(code, name) for code, name in PROVINCES.items()}
    schools: dict[int, Counts] = {}
    # The requests still stored, and the figures kept of those purged (RETENTION_YEARS).
    rows = [*db.session.execute(query), *db.session.execute(kept_counts(term_id))]
    for school_id, name, province, *numbers in rows:
        group = Counts(None, "", *(int(n or 0) for n in numbers))
        schools.setdefault(school_id, Counts(school_id, name)).add(group)
        if province in provinces:
            provinces[province].add(group)
    return list(provinces.values()), sorted(
        schools.values(), key=lambda row: (row.label, row.key)
    )


def total(rows: list[Counts], label: str = "") -> Counts:
    """The sum of the rows."""
    result = Counts(None, label)
    for row in rows:
        result.add(row)
    return result


@dataclass
class Day:
    day: date
    count: int


def acceptances_per_day(term: Term) -> list[Day]:
    """Acceptances of the term per Belgian day over its matching weeks (every day, zeros
    too; a day outside them with acceptances, e.g. an admin's, widens the range)."""
    # The moments are read and bucketed here: a Belgian day in SQL differs per dialect.
    moments = db.session.scalars(
        select(Placement.created_at)
        .join(Student, Placement.student_id == Student.id)
        .where(Student.term_id == term.id)
    ).all()
    per_day: dict[date, int] = {}
    for moment in moments:
        day = local_date(moment)
        per_day[day] = per_day.get(day, 0) + 1
    first, last = rules.matching_days(term)
    first, last = min([first, *per_day]), max([last, *per_day])
    return [
        Day(first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0))
        for n in range((last - first).days + 1)
    ]


@dataclass
class Capacity:
    """Care services of a province for one term: with room, full, unknown (no capacity)."""

    province: str
    label: str
    services: int = 0
    with_room: int = 0
    free_places: int = 0
    full: int = 0
    unknown: int = 0


def capacity_per_province(term_id: int) -> list[Capacity]:
    """Free places per province: capacity minus the distinct students placed at the service
    in the term; active services only. The capacity is the service's ServiceCapacity.places
    for the term, else its CareService.capacity_default (the rule of
    app.placements.logic.capacity); a service with neither counts as unknown."""
    placed = (
        select(
            Placement.care_service_id.label("service_id"),
            func.count(func.distinct(Placement.student_id)).label("students"),
        )
        .join(Student, Placement.student_id == Student.id)
        .where(Student.term_id == term_id)
        .group_by(Placement.care_service_id)
        .subquery()
    )
    places = func.coalesce(ServiceCapacity.places, CareService.capacity_default)
    known = places.is_not(None)
    free = places - func.coalesce(placed.c.students, 0)
    query = (
        select(
            CareService.province,
            func.count(CareService.id),
            func.sum(case((and_(known, free > 0), 1), else_=0)),
            func.sum(case((and_(known, free > 0), free), else_=0)),
            func.sum(case((and_(known, free <= 0), 1), else_=0)),
            func.sum(case((known, 0), else_=1)),
        )
        .outerjoin(
            ServiceCapacity,
            and_(
                ServiceCapacity.care_service_id == CareService.id,
                ServiceCapacity.term_id == term_id,
            ),
        )
        .outerjoin(placed, placed.c.service_id == CareService.id)
        .where(CareService.active)
        .group_by(CareService.province)
    )
    found = {row[0]: row[1:] for row in db.session.execute(query)}
    return [
        Capacity(code, name, *(int(n or 0) for n in found.get(code, (0,) * 5)))
        for code, name in PROVINCES.items()
    ]


@dataclass
class Dashboard:
    term: Term
    provinces: list[Counts]
    schools: list[Counts]
    total: Counts
    days: list[Day]
    capacity: list[Capacity]
    computed_at: datetime  # the figures are of this moment (they may be kept a minute)


# (database, term id) -> (monotonic time, the figures): each worker process keeps the last
# figures of a term for DASHBOARD_CACHE_SECONDS, so that VIVO's desk, reloaded by several
# people on the busiest day, scans a term's requests once a minute, not on every view.
_kept: dict[tuple[str, int], tuple[float, dict]] = {}


def dashboard(term: Term) -> Dashboard:
    """Everything the dashboard shows for `term`, in a fixed number of queries."""
    max_age = current_app.config.get("DASHBOARD_CACHE_SECONDS", 0)
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], term.id)
    kept = _kept.get(key)
    if max_age and kept and time.monotonic() - kept[0] < max_age:
        figures = kept[1]
    else:
        provinces, schools = _counts(term.id)
        figures = dict(
            provinces=provinces,
            schools=schools,
            total=total(provinces),
            days=acceptances_per_day(term),
            capacity=capacity_per_province(term.id),
            computed_at=utcnow(),
        )
        if max_age:
            _kept[key] = (time.monotonic(), figures)
    return Dashboard(term=term, **figures)


# --- unanswered requests (ADM-5) ---------------------------------------------------------


def _unanswered(now: datetime):
    """Released requests of terms open for acceptance, not stopped, never accepted nor
    declined (the query joins Term)."""
    return (
        select(Student)
        .join(Term, Student.term_id == Term.id)
        .where(
            rules.released_sql(now),
            rules.acceptance_open_sql(now),
            Student.stopped_on.is_(None),
            ~_has_placement(),
            ~_has_decline(),
        )
    )


def unanswered_page(
    now: datetime,
    province: str = "",
    school_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
):
    """One page of unanswered requests, the longest waiting first."""
    query = _unanswered(now).options(
        joinedload(Student.school), joinedload(Student.term)
    )
    if province:
        query = query.where(Student.province == province)
    if school_id:
        query = query.where(Student.school_id == school_id)
    query = query.order_by(rules.waiting_since_sql(Student.created_at), Student.id)
    result = db.paginate(
        query, page=page, per_page=per_page, error_out=False, count=True
    )
    if result.pages and page > result.pages:  # past the end: the last page
        result = db.paginate(
            query, page=result.pages, per_page=per_page, error_out=False, count=True
        )
    return result


@dataclass(frozen=True)
class Waiting:
    """One unanswered request and how long it waits."""

    student: Student
    since: datetime
    days: int


def waiting(students, now: datetime) -> list[Waiting]:
    """The requests with the moment they wait since and the Belgian days since then."""
    rows = []
    for student in students:
        since = rules.waiting_since(student.term, student.created_at)
        rows.append(Waiting(student, since, (local_date(now) - local_date(since)).days))
    return rows


def unanswered_per_province(
    now: datetime, school_id: int | None = None
) -> dict[str, int]:
    """Number of unanswered requests per province code."""
    query = _unanswered(now).with_only_columns(Student.province, func.count(Student.id))
    if school_id:
        query = query.where(Student.school_id == school_id)
    return dict(db.session.execute(query.group_by(Student.province)).all())


def unanswered_per_term(now: datetime, province: str) -> list[tuple[Term, int]]:
    """(term, number of unanswered requests) of one province, per term open for acceptance."""
    query = (
        _unanswered(now)
        .where(Student.province == province)
        .with_only_columns(Student.term_id, func.count(Student.id))
        .group_by(Student.term_id)
    )
    counts = dict(db.session.execute(query).all())
    if not counts:
        return []
    terms = db.session.scalars(
        select(Term).where(Term.id.in_(counts)).order_by(Term.id)
    )
    return [(term, counts[term.id]) for term in terms]


def school_choices() -> list[tuple[int, str]]:
    """(id, name) of every school, by name, for the filter."""
    return list(
        db.session.execute(select(School.id, School.name).order_by(School.name)).all()
    )


def province_service_logins(province: str):
    """(e-mail, language) of the active logins of the province's active care services."""
    from app.auth.logic import active_logins

    services = select(CareService.id).where(
        CareService.active, CareService.province == province
    )
    return active_logins(
        and_(User.role == "service", User.care_service_id.in_(services))
    )
