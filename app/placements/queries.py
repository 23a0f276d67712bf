"""What a care service may see: open requests of its province (TERM-6, TERM-7, SVC-1)."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from sqlalchemy import and_, case, exists, func, literal, or_, select, true
from sqlalchemy.orm import contains_eager, selectinload

from app.extensions import db
from app.models import CareService, Decline, Mentor, Period, Placement, Student, Term
from app.schedule import rules
from app.schedule.clock import local_date
from app.tenancy import owned_or_404, valid_id

PER_PAGE = 50


@dataclass
class RequestFilters:
    """The browse filters; every value comes from the query string and is only a narrowing."""

    term_id: int | None = None
    form: str = ""
    transport: str = ""
    period_from: date | None = None
    period_until: date | None = None
    preferred_only: bool = False
    sort: str = "voorkeur"
    page: int = 1


def _open_period_exists(ending_from: date | None = None):
    """A period nobody accepted yet (and, from `ending_from` on, not over yet)."""
    placed = exists().where(Placement.period_id == Period.id)
    conditions = [Period.student_id == Student.id, ~placed]
    if ending_from is not None:
        conditions.append(Period.end_date >= ending_from)
    return exists().where(*conditions)


def visible_requests(service: CareService, now: datetime, include_placed: bool = False):
    """A select of the students this service may browse: the only place the rule lives.

    include_placed keeps requests whose periods are all placed, so that a service that lost
    a race is told "already placed" instead of "not found".
    """
    own_province = and_(
        rules.first_round_open_sql(now), Student.province == service.province
    )
    # A second round offers only periods that are not over yet.
    second_round = and_(
        rules.second_round_open_sql(now),
        true() if include_placed else _open_period_exists(local_date(now)),
    )
    declined_by_me = exists().where(
        Decline.student_id == Student.id, Decline.care_service_id == service.id
    )
    return (
        select(Student)
        .join(Term, Student.term_id == Term.id)
        .where(or_(own_province, second_round))
        .where(Student.stopped_on.is_(None), ~declined_by_me)
        .where(true() if include_placed else _open_period_exists())
    )


def browse(service: CareService, now: datetime, filters: RequestFilters):
    """One page of browsable requests, the preferred-me ones first by default."""
    query = visible_requests(service, now)
    if filters.term_id:
        query = query.where(Student.term_id == filters.term_id)
    if filters.form:
        query = query.where(Student.internship_form == filters.form)
    if filters.transport:
        padded = literal(",") + Student.transport + literal(",")
        query = query.where(padded.like(f"%,{filters.transport},%"))
    if filters.period_from or filters.period_until:
        query = query.where(_period_between(filters.period_from, filters.period_until))
    if filters.preferred_only:
        query = query.where(Student.preferred_service_id == service.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(filters.page, 1), pages)
    students = db.session.scalars(
        query.order_by(*_order(filters.sort, service.id))
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .options(
            selectinload(Student.periods),
            selectinload(Student.placements),
            selectinload(Student.school),
            selectinload(Student.supervisor),
            selectinload(Student.term),
        )
    ).all()
    return list(students), total, page, pages


def _period_between(start: date | None, end: date | None):
    """An open period of the student overlapping [start, end]."""
    conditions = [
        Period.student_id == Student.id,
        ~exists().where(Placement.period_id == Period.id),
    ]
    if start:
        conditions.append(Period.end_date >= start)
    if end:
        conditions.append(Period.start_date <= end)
    return exists().where(*conditions)


def _order(sort: str, service_id: int):
    first_start = (
        select(func.min(Period.start_date))
        .where(Period.student_id == Student.id)
        .scalar_subquery()
    )
    # CASE, not a boolean: NULL preferences must sort last on every database.
    preferred = case((Student.preferred_service_id == service_id, 0), else_=1)
    if sort == "naam":
        return (Student.last_name, Student.first_name, Student.id)
    if sort == "start":
        return (first_start, Student.id)
    return (preferred, first_start, Student.id)


def visible_student_or_404(
    service: CareService, student_id: int, now: datetime, include_placed: bool = False
) -> Student:
    """A student this service may see: browsable now, or placed with this service."""
    student_id = valid_id(student_id)
    student = db.session.scalar(
        visible_requests(service, now, include_placed).where(Student.id == student_id)
    ) or accepted_student(service, student_id)
    if student is None:
        abort(404)
    return student


class AcceptanceClosed(Exception):
    """The request was this service's to answer, but the timetable closed it meanwhile."""


def open_request_or_404(
    service: CareService, student_id: int, now: datetime, include_placed: bool = False
) -> Student:
    """A request this service may act on now (accept, decline), locked against a parallel edit.

    A request of the service's province (or of a term that had a second round) whose term is
    no longer open raises AcceptanceClosed with the reason; any other id answers 404.
    """
    student = db.session.scalar(
        visible_requests(service, now, include_placed)
        .where(Student.id == valid_id(student_id))
        .with_for_update(of=Student)
    )
    if student is None:
        _raise_if_closed_meanwhile(service, student_id, now)
        abort(404)
    return student


def _raise_if_closed_meanwhile(
    service: CareService, student_id: int, now: datetime
) -> None:
    from app.schedule.timetable import acceptance_closed_message

    student = (
        db.session.get(Student, valid_id(student_id)) if valid_id(student_id) else None
    )
    if student is None or student.stopped_on is not None:
        return
    message = acceptance_closed_message(
        student.term, student.province == service.province, now
    )
    if message:
        raise AcceptanceClosed(message)


def accepted_student(service: CareService, student_id: int) -> Student | None:
    """The student if this service accepted at least one of its periods."""
    return db.session.scalar(
        select(Student).where(
            Student.id == student_id,
            exists().where(
                Placement.student_id == Student.id,
                Placement.care_service_id == service.id,
            ),
        )
    )


def trainee_terms(service: CareService) -> list[Term]:
    """The terms in which this service accepted someone, the most recent internship first."""
    accepted_in_term = exists().where(
        Placement.care_service_id == service.id,
        Placement.student_id == Student.id,
        Student.term_id == Term.id,
    )
    return list(
        db.session.scalars(
            select(Term)
            .where(accepted_in_term)
            .order_by(Term.internship_start.desc(), Term.id.desc())
        )
    )


def my_trainees(service: CareService, term_id: int | None, page: int):
    """One page of this service's placements (of one term, or of all with None), with
    student, school, supervisor, term, period and mentor loaded: a page runs the same
    statements for 10 placements as for 500."""
    query = (
        select(Placement)
        .join(Student, Placement.student_id == Student.id)
        .join(Period, Placement.period_id == Period.id)
        .join(Term, Student.term_id == Term.id)
        .where(Placement.care_service_id == service.id)
        .order_by(
            Period.start_date, Student.last_name, Student.first_name, Placement.id
        )
        .options(
            contains_eager(Placement.student).selectinload(Student.school),
            contains_eager(Placement.student).selectinload(Student.supervisor),
            contains_eager(Placement.student).contains_eager(Student.term),
            contains_eager(Placement.period),
            selectinload(Placement.mentor),
        )
    )
    if term_id is not None:
        query = query.where(Student.term_id == term_id)
    result = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    if result.pages and page > result.pages:  # past the end: the last page
        result = db.paginate(
            query, page=result.pages, per_page=PER_PAGE, error_out=False
        )
    return result


def service_mentors(service_id: int) -> list[Mentor]:
    """The service's mentors by name."""
    return list(
        db.session.scalars(
            select(Mentor)
            .where(Mentor.care_service_id == service_id)
            .order_by(Mentor.name)
        )
    )


def service_mentor_or_404(service_id: int, mentor_id: int) -> Mentor:
    """The mentor if it belongs to this service; 404 for another service's id."""
    return owned_or_404(Mentor, mentor_id, care_service_id=service_id)
