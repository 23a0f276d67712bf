"""Supervisor lookups, always scoped to the logged-in school."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Student, Supervisor
from app.tenancy import owned_or_404


def school_supervisors(school_id: int) -> list[Supervisor]:
    """The school's supervisors by name."""
    return list(
        db.session.scalars(
            select(Supervisor)
            .where(Supervisor.school_id == school_id)
            .order_by(Supervisor.name)
        )
    )


def school_supervisor_or_404(school_id: int, supervisor_id: int) -> Supervisor:
    """The supervisor if it belongs to this school; 404 for another school's id."""
    return owned_or_404(Supervisor, supervisor_id, school_id=school_id)


def students_of_supervisor(supervisor_id: int) -> int:
    """How many students (of any term) are linked to the supervisor."""
    return db.session.scalar(
        select(func.count())
        .select_from(Student)
        .where(Student.supervisor_id == supervisor_id)
    )
