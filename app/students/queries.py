"""Student lookups and the overview query, always scoped to one school."""

from dataclasses import dataclass
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import load_only, selectinload

from app.extensions import db
from app.models import Decline, Placement, Student
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


@dataclass(frozen=True)
class OverviewPage:
    students: list[Student]
    total: int
    page: int
    pages: int


def overview(
    school_id: int, term_id: int, search: str = "", sort: str = "naam", page: int = 1
) -> OverviewPage:
    """One page of the school's requests for a term, with everything the columns need."""
    query = select(Student).where(
        Student.school_id == school_id, Student.term_id == term_id
    )
    if search.strip():
        for word in search.split()[:5]:
            pattern = f"%{word.lower()}%"
            query = query.where(
                or_(
                    func.lower(Student.first_name).like(pattern),
                    func.lower(Student.last_name).like(pattern),
                )
            )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    order = _status_order() if sort == "status" else SORTS.get(sort, SORTS["naam"])
    students = db.session.scalars(
        query.order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .options(
            # Only the columns the table shows: the rest (national number, address, remarks)
            # would be loaded and decoded for nothing on every view.
            load_only(
                Student.id,
                Student.term_id,
                Student.first_name,
                Student.last_name,
                Student.stopped_on,
            ),
            selectinload(Student.periods),
            selectinload(Student.placements).selectinload(Placement.care_service),
            selectinload(Student.placements).selectinload(Placement.mentor),
            selectinload(Student.declines).selectinload(Decline.care_service),
        )
    ).all()
    return OverviewPage(list(students), total, page, pages)


def _status_order():
    accepted = exists().where(Placement.student_id == Student.id)
    return (
        accepted.desc(),
        Student.stopped_on.is_(None).desc(),
        Student.last_name,
        Student.id,
    )
