"""Who may export what (EXP-4): the scope is decided here, on the server, from the login."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, any_, bindparam, exists, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from app.export.columns import export_row
from app.extensions import db
from app.crypto import decrypt_national_number
from app.models import (
    CareService,
    Decline,
    Mentor,
    Period,
    Placement,
    School,
    Student,
    Supervisor,
    Term,
)
from app.schedule.timetable import all_terms, term_state

BATCH = 500
STATUSES = ("open", "aanvaard", "gestopt")


@dataclass(frozen=True)
class Scope:
    """The students one export holds: of one school, of one care service, or chosen by an admin."""

    school_id: int | None = None  # a school's own students
    care_service_id: int | None = (
        None  # a service's accepted students (only its placements)
    )
    term_id: int | None = None
    province: str = ""
    status: str = ""

    @property
    def for_service(self) -> bool:
        return self.care_service_id is not None


def students_query(scope: Scope):
    """A select of the students in scope, in a stable order."""
    query = select(Student).join(Term, Student.term_id == Term.id)
    if scope.school_id is not None:
        query = query.where(Student.school_id == scope.school_id)
    if scope.for_service:
        query = query.where(
            exists().where(
                Placement.student_id == Student.id,
                Placement.care_service_id == scope.care_service_id,
            )
        )
    if scope.term_id:
        query = query.where(Student.term_id == scope.term_id)
    if scope.province:
        query = query.where(Student.province == scope.province)
    placed = exists().where(Placement.student_id == Student.id)
    if scope.status == "gestopt":
        query = query.where(Student.stopped_on.is_not(None))
    elif scope.status == "aanvaard":
        query = query.where(Student.stopped_on.is_(None), placed)
    elif scope.status == "open":
        query = query.where(Student.stopped_on.is_(None), ~placed)
    return query.order_by(
        Term.internship_start,
        Student.school_id,
        Student.last_name,
        Student.first_name,
        Student.id,
    )


def count(scope: Scope) -> int:
    return db.session.scalar(
        select(func.count()).select_from(students_query(scope).subquery())
    )


def rows(scope: Scope) -> Iterator[list]:
    """Every student in scope as an export row, BATCH students at a time (memory stays flat).

    The students' ids come first, in export order; each batch is then read as plain rows
    (students with school, term, supervisor and preference; periods; acceptances with
    service, mentor and period; declines) into light records that export_row reads like the
    models. Loading ORM objects cost eight times a bare read of the same rows."""
    connection = db.session.connection()
    ids = connection.scalars(students_query(scope).with_only_columns(Student.id)).all()
    terms = {term.id: term for term in all_terms()}
    final = {term_id: term_state(term).final for term_id, term in terms.items()}
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        for student in _records(connection, batch, scope, terms):
            yield export_row(
                student,
                decrypt_national_number(student.national_number_encrypted),
                student.placements,
                final[student.term.id],
                show_declines=not scope.for_service,
            )


@dataclass(slots=True)
class _Named:
    id: int
    name: str
    city: str = ""


@dataclass(slots=True)
class _Person:
    id: int
    name: str
    phone: str
    email: str


@dataclass(slots=True)
class _Period:
    number: int
    start_date: date
    end_date: date


@dataclass(slots=True)
class _Placement:
    care_service: _Named
    mentor: _Person
    period: _Period
    notes: str


@dataclass(slots=True)
class _Decline:
    care_service: _Named
    reason: str


@dataclass(slots=True)
class _Student:
    """The attributes of Student that export_row reads."""

    id: int
    first_name: str
    last_name: str
    national_number_encrypted: bytes | None
    street: str
    postcode: str
    city: str
    province: str
    phone: str
    email: str
    transport: str
    remarks: str
    internship_form: str
    period_count: int
    hours_per_week: int | None
    total_hours: int
    internship_remarks: str
    stopped_on: date | None
    stopped_reason: str
    school: _Named
    term: Term
    supervisor: _Person
    preferred_service: _Named | None
    periods: list = field(default_factory=list)
    placements: list = field(default_factory=list)
    declines: list = field(default_factory=list)

    @property
    def stopped(self) -> bool:
        return self.stopped_on is not None

    @property
    def transport_codes(self) -> list[str]:
        return [code for code in self.transport.split(",") if code]


_STUDENT_COLUMNS = (
    Student.id,
    Student.first_name,
    Student.last_name,
    Student.national_number_encrypted,
    Student.street,
    Student.postcode,
    Student.city,
    Student.province,
    Student.phone,
    Student.email,
    Student.transport,
    Student.remarks,
    Student.internship_form,
    Student.period_count,
    Student.hours_per_week,
    Student.total_hours,
    Student.internship_remarks,
    Student.stopped_on,
    Student.stopped_reason,
)


def _among(connection, column, ids: list[int]):
    """column IN ids; on PostgreSQL as one array parameter (= ANY), which it plans in a
    quarter of the time of a list of 500 parameters."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _records(connection, ids: list[int], scope: Scope, terms) -> list[_Student]:
    preferred = aliased(CareService)
    students = {}
    for row in connection.execute(
        select(
            *_STUDENT_COLUMNS,
            Student.term_id,
            School.id,
            School.name,
            Supervisor.id,
            Supervisor.name,
            Supervisor.phone,
            Supervisor.email,
            preferred.id,
            preferred.name,
            preferred.city,
        )
        .join(School, Student.school_id == School.id)
        .join(Supervisor, Student.supervisor_id == Supervisor.id)
        .outerjoin(preferred, Student.preferred_service_id == preferred.id)
        .where(_among(connection, Student.id, ids))
    ):
        own = row[: len(_STUDENT_COLUMNS)]
        term_id, school_id, school_name, *rest = row[len(_STUDENT_COLUMNS) :]
        sup_id, sup_name, sup_phone, sup_email, pref_id, pref_name, pref_city = rest
        students[own[0]] = _Student(
            *own,
            school=_Named(school_id, school_name),
            term=terms[term_id],
            supervisor=_Person(sup_id, sup_name, sup_phone, sup_email),
            preferred_service=None
            if pref_id is None
            else _Named(pref_id, pref_name, pref_city or ""),
        )
    periods = {}
    for period_id, student_id, number, start, end in connection.execute(
        select(
            Period.id,
            Period.student_id,
            Period.number,
            Period.start_date,
            Period.end_date,
        )
        .where(_among(connection, Period.student_id, ids))
        .order_by(Period.student_id, Period.number)
    ):
        periods[period_id] = _Period(number, start, end)
        students[student_id].periods.append(periods[period_id])
    placements = (
        select(
            Placement.student_id,
            CareService.id,
            CareService.name,
            CareService.city,
            Mentor.id,
            Mentor.name,
            Mentor.phone,
            Mentor.email,
            Placement.period_id,
            Placement.notes,
        )
        # The batch's periods are known already: no join with the largest table, which
        # PostgreSQL would read whole for every batch.
        .join(CareService, Placement.care_service_id == CareService.id)
        .join(Mentor, Placement.mentor_id == Mentor.id)
        .where(_among(connection, Placement.student_id, ids))
        .order_by(Placement.student_id, Placement.period_id)
    )
    if scope.for_service:
        placements = placements.where(
            Placement.care_service_id == scope.care_service_id
        )
    for row in connection.execute(placements):
        students[row[0]].placements.append(
            _Placement(
                _Named(row[1], row[2], row[3] or ""),
                _Person(row[4], row[5], row[6], row[7]),
                periods[row[8]],
                row[9],
            )
        )
    if not scope.for_service:
        for student_id, service_id, name, reason in connection.execute(
            select(Decline.student_id, CareService.id, CareService.name, Decline.reason)
            .join(CareService, Decline.care_service_id == CareService.id)
            .where(_among(connection, Decline.student_id, ids))
            .order_by(Decline.student_id, Decline.created_at, Decline.id)
        ):
            students[student_id].declines.append(
                _Decline(_Named(service_id, name), reason)
            )
    return [students[i] for i in ids]
