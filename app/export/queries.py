"""Who may export what (EXP-4): the scope is decided here, on the server, from the login."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from app.export.columns import export_row
from app.extensions import db
from app.models import Decline, Placement, Student, Term
from app.schedule.timetable import term_state
from app.students.logic import national_number_of

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
    """Every student in scope as an export row, fetched in batches (memory stays flat)."""
    query = (
        students_query(scope)
        .options(
            selectinload(Student.periods),
            selectinload(Student.school),
            selectinload(Student.term),
            selectinload(Student.supervisor),
            selectinload(Student.preferred_service),
            selectinload(Student.placements).selectinload(Placement.care_service),
            selectinload(Student.placements).selectinload(Placement.mentor),
            selectinload(Student.placements).selectinload(Placement.period),
            selectinload(Student.declines).selectinload(Decline.care_service),
        )
        .execution_options(yield_per=BATCH)
    )
    final: dict[int, bool] = {}
    for student in db.session.scalars(query):
        if student.term_id not in final:
            final[student.term_id] = term_state(student.term).final
        placements = student.placements
        if scope.for_service:
            placements = [
                p for p in placements if p.care_service_id == scope.care_service_id
            ]
        yield export_row(
            student,
            national_number_of(student),
            placements,
            final[student.term_id],
            show_declines=not scope.for_service,
        )
        _forget(student)


def _forget(student: Student) -> None:
    """Let the session drop a written student and its own rows, so memory stays flat; the
    shared ones (school, term, supervisor, services, mentors) stay, as they repeat."""
    for row in (*student.placements, *student.declines):
        if row in db.session:
            db.session.expunge(row)
    db.session.expunge(student)  # its periods go with it (cascade)
