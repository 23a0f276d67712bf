"""Student lookups and the overview query, always scoped to one school."""

from dataclasses import dataclass, field
from datetime import datetime
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    CareService,
    Decline,
    Mentor,
    Period,
    Placement,
    Student,
    Term,
    utcnow,
)
from app.querytools import contains
from app.schedule import rules
from app.schedule.timetable import acceptances_final
from app.tenancy import owned_or_404

PER_PAGE = 50
SORTS = {
    "naam": (Student.last_name, Student.first_name, Student.id),
    "-naam": (Student.last_name.desc(), Student.first_name.desc(), Student.id.desc()),
    "recent": (Student.created_at.desc(), Student.id.desc()),
}


def school_student_or_404(
    school_id: int, student_id: int, lock: bool = False
) -> Student:
    """The student if it belongs to this school; 404 for another school's id. What its pages
    show (periods, acceptances with service and mentor, declines) comes in a fixed number of
    queries, however many periods it has."""
    return owned_or_404(
        Student, student_id, lock=lock, options=DETAIL, school_id=school_id
    )


DETAIL = (
    selectinload(Student.periods),
    selectinload(Student.placements).selectinload(Placement.care_service),
    selectinload(Student.placements).selectinload(Placement.mentor),
    selectinload(Student.declines).selectinload(Decline.care_service),
)


@dataclass
class OverviewRow:
    """One line of the overview, read as plain rows (the ORM would build a few hundred
    objects per page for what is only shown)."""

    id: int
    first_name: str
    last_name: str
    stopped: bool
    periods: list = field(default_factory=list)  # (number, start, end), in order
    placements: list = field(default_factory=list)  # PlacementLine, by period
    declines: list = field(default_factory=list)  # (service name, reason), oldest first
    final: bool = False  # every acceptance final (set once the placements are known)

    @property
    def services(self) -> list:
        return _unique(p.service for p in self.placements)

    @property
    def mentors(self) -> list:
        return _unique(p.mentor for p in self.placements)

    @property
    def notes(self) -> list:
        """(service name, note) once per service and text: a service that accepts several
        periods stores its note with each of them."""
        seen, result = set(), []
        for placement in self.placements:
            key = (placement.service[0], placement.notes)
            if placement.notes and key not in seen:
                seen.add(key)
                result.append((placement.service[1], placement.notes))
        return result


@dataclass(frozen=True)
class PlacementLine:
    period: tuple  # (number, start, end)
    service: tuple  # (id, name, city)
    mentor: tuple  # (id, name, phone, email)
    notes: str
    created_at: datetime


def _unique(items) -> list:
    seen, result = set(), []
    for item in items:
        if item[0] not in seen:
            seen.add(item[0])
            result.append(item)
    return result


@dataclass(frozen=True)
class OverviewPage:
    students: list[OverviewRow]
    total: int
    page: int
    pages: int


# The status filter of the overview, and the counts of the start page: each request is in
# exactly one of the first five (stopped before accepted before declined before waiting).
STATUSES = ("voorlopig", "definitief", "wachtend", "geweigerd", "gestopt")
# A to-do of the start page, not a status: still editable and no voorkeursdienst chosen.
WITHOUT_PREFERENCE = "zonder-voorkeur"


def status_condition(status: str, now: datetime | None = None):
    """The SQL condition of an overview status filter (None for an unknown value)."""
    stopped = Student.stopped_on.is_not(None)
    placed = exists().where(Placement.student_id == Student.id)
    declined = exists().where(Decline.student_id == Student.id)
    if status == "gestopt":
        return stopped
    if status in ("voorlopig", "definitief"):
        final = rules.placements_final_sql(now or utcnow())
        return and_(~stopped, placed, final if status == "definitief" else ~final)
    if status == "geweigerd":
        return and_(~stopped, ~placed, declined)
    if status == "wachtend":
        return and_(~stopped, ~placed, ~declined)
    if status == WITHOUT_PREFERENCE:
        return and_(~stopped, ~placed, Student.preferred_service_id.is_(None))
    return None


def overview(
    school_id: int,
    term_id: int,
    search: str = "",
    sort: str = "naam",
    page: int = 1,
    status: str = "",
) -> OverviewPage:
    """One page of the school's requests for a term, with everything the columns need:
    five statements whatever the page holds. `status` narrows to one of STATUSES (or the
    requests without a voorkeursdienst); an unknown value narrows nothing."""
    query = select(Student).where(
        Student.school_id == school_id, Student.term_id == term_id
    )
    condition = status_condition(status)
    if condition is not None:
        query = query.where(condition)
    if search.strip():
        for word in search.split()[:5]:
            query = query.where(
                or_(
                    contains(Student.first_name, word),
                    contains(Student.last_name, word),
                )
            )
    total = db.session.scalar(
        select(func.count()).select_from(query.with_only_columns(Student.id).subquery())
    )
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    order = _status_order() if sort == "status" else SORTS.get(sort, SORTS["naam"])
    rows = [
        OverviewRow(id_, first, last, stopped_on is not None)
        # Core reads on the session's connection: cheaper per row than the ORM's path.
        for id_, first, last, stopped_on in db.session.connection().execute(
            query.with_only_columns(
                Student.id, Student.first_name, Student.last_name, Student.stopped_on
            )
            .order_by(*order)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    ]
    _fill(rows, db.session.get(Term, term_id))
    return OverviewPage(rows, total, page, pages)


def _fill(rows: list[OverviewRow], term: Term) -> None:
    """Periods, acceptances (with service and mentor) and declines of the rows: three reads."""
    by_id = {row.id: row for row in rows}
    if not by_id:
        return
    periods = {}
    for student_id, period_id, number, start, end in db.session.connection().execute(
        select(
            Period.student_id,
            Period.id,
            Period.number,
            Period.start_date,
            Period.end_date,
        )
        .where(Period.student_id.in_(by_id))
        .order_by(Period.student_id, Period.number)
    ):
        periods[period_id] = (number, start, end)
        by_id[student_id].periods.append((number, start, end))
    for line in db.session.connection().execute(
        select(
            Placement.student_id,
            Placement.period_id,
            CareService.id,
            CareService.name,
            CareService.city,
            Mentor.id,
            Mentor.name,
            Mentor.phone,
            Mentor.email,
            Placement.notes,
            Placement.created_at,
        )
        .join(CareService, Placement.care_service_id == CareService.id)
        .join(Mentor, Placement.mentor_id == Mentor.id)
        .where(Placement.student_id.in_(by_id))
        .order_by(Placement.student_id, Placement.period_id)
    ):
        by_id[line[0]].placements.append(
            PlacementLine(
                periods[line[1]], tuple(line[2:5]), tuple(line[5:9]), line[9], line[10]
            )
        )
    for student_id, name, reason in db.session.connection().execute(
        select(Decline.student_id, CareService.name, Decline.reason)
        .join(CareService, Decline.care_service_id == CareService.id)
        .where(Decline.student_id.in_(by_id))
        .order_by(Decline.student_id, Decline.created_at, Decline.id)
    ):
        by_id[student_id].declines.append((name, reason))
    now = utcnow()
    for row in rows:
        row.final = bool(row.placements) and acceptances_final(
            term, [p.created_at for p in row.placements], now
        )


def _status_order():
    accepted = exists().where(Placement.student_id == Student.id)
    return (
        accepted.desc(),
        Student.stopped_on.is_(None).desc(),
        Student.last_name,
        Student.id,
    )
