"""A care service's mentors and the places it offers per term, always scoped to the service."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import CareService, Mentor, Placement, ServiceCapacity, Student
from app.tenancy import owned_or_404


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


def trainees_of_mentor(mentor_id: int) -> int:
    """How many acceptances (of any term) name the mentor."""
    return db.session.scalar(
        select(func.count())
        .select_from(Placement)
        .where(Placement.mentor_id == mentor_id)
    )


def capacities(
    service: CareService, term_ids: list[int]
) -> dict[int, tuple[int | None, int]]:
    """capacity() for several terms at once, in two statements: {term id: (offered, taken)}."""
    if not term_ids:
        return {}
    offered = dict(
        db.session.execute(
            select(ServiceCapacity.term_id, ServiceCapacity.places).where(
                ServiceCapacity.care_service_id == service.id,
                ServiceCapacity.term_id.in_(term_ids),
            )
        ).all()
    )
    taken = dict(
        db.session.execute(
            select(Student.term_id, func.count(func.distinct(Placement.student_id)))
            .join(Student, Placement.student_id == Student.id)
            .where(
                Placement.care_service_id == service.id, Student.term_id.in_(term_ids)
            )
            .group_by(Student.term_id)
        ).all()
    )
    return {
        term_id: (offered.get(term_id, service.capacity_default), taken.get(term_id, 0))
        for term_id in term_ids
    }


def capacity(service_id: int, term_id: int) -> tuple[int | None, int]:
    """(places offered or None, places taken) of a service in a term (SVC-6)."""
    # The service is in the session already on every page that asks.
    service = db.session.get(CareService, service_id)
    return capacities(service, [term_id])[term_id]
