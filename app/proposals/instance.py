"""The instance of a run: the term's pool and the services with room, one query per table."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select

from app.allocation import Service, Span, Trainee
from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    CareService,
    Decline,
    Period,
    Placement,
    ServiceCapacity,
    Student,
    Term,
)
from app.schedule import rules


def line_waiting_sql(now: datetime):
    """The one rule for "this line still waits for its service's answer", used by the pool,
    the service's list and the reminders (the query joins AllocationRun): a line with a
    service, not taken out, unanswered, its run sent and before the deadline, and its student
    neither placed meanwhile nor stopped. Otherwise the line has been answered, expired or
    lapsed, and its student is back in the pool."""
    placed = exists().where(Placement.student_id == AllocationLine.student_id)
    stopped = exists().where(
        Student.id == AllocationLine.student_id, Student.stopped_on.is_not(None)
    )
    return and_(
        AllocationLine.care_service_id.is_not(None),
        AllocationLine.removed.is_(False),
        AllocationLine.answer == "",
        rules.proposal_answerable_sql(now),
        ~placed,
        ~stopped,
    )


def waiting_line_sql(now: datetime):
    """Per student (the query selects Student): a line of theirs still waits for an answer;
    such a student is not in the pool until it is answered or expires."""
    return exists().where(
        AllocationLine.student_id == Student.id,
        AllocationRun.id == AllocationLine.run_id,
        line_waiting_sql(now),
    )


def pool_sql(term: Term, now: datetime):
    """The pool's condition: the term's not-stopped students without any placement and
    without a proposal still waiting for an answer."""
    return and_(
        Student.term_id == term.id,
        Student.stopped_on.is_(None),
        ~exists().where(Placement.student_id == Student.id),
        ~waiting_line_sql(now),
    )


def pool_ids(term: Term, now: datetime) -> list[int]:
    """The ids of the students in the term's pool, in id order."""
    return list(
        db.session.scalars(
            select(Student.id).where(pool_sql(term, now)).order_by(Student.id)
        )
    )


def load_trainees(term: Term, now: datetime) -> list[Trainee]:
    """The pool as the algorithm sees it: four statements (students, the term's periods, the
    services that declined its students, the placed periods of the same persons elsewhere)."""
    pool = select(Student.id).where(pool_sql(term, now)).scalar_subquery()
    rows = db.session.execute(
        select(
            Student.id,
            Student.created_at,
            Student.province,
            Student.postcode,
            Student.transport,
            Student.preferred_service_id,
            Student.national_number_index,
        ).where(Student.id.in_(pool))
    ).all()
    # The term's periods and declines, kept for the pool: a join on the term is cheaper than
    # the pool's condition again, and students of one school share their dates (one Span).
    periods, spans = defaultdict(list), {}
    for student_id, *span in db.session.execute(
        select(Period.student_id, Period.number, Period.start_date, Period.end_date)
        .join(Student, Period.student_id == Student.id)
        .where(Student.term_id == term.id)
        .order_by(Period.student_id, Period.number)
    ):
        key = tuple(span)
        periods[student_id].append(spans.get(key) or spans.setdefault(key, Span(*key)))
    declined = defaultdict(set)
    for student_id, service_id in db.session.execute(
        select(Decline.student_id, Decline.care_service_id)
        .join(Student, Decline.student_id == Student.id)
        .where(Student.term_id == term.id)
    ):
        declined[student_id].add(service_id)
    placed = _placed_elsewhere(pool)
    return [
        Trainee(
            id=row.id,
            requested_at=row.created_at,
            province=row.province,
            postcode=row.postcode,
            periods=tuple(periods[row.id]),
            transport=tuple(code for code in row.transport.split(",") if code),
            preferred_service_id=row.preferred_service_id,
            declined_by=frozenset(declined[row.id]),
            placed=tuple(placed.get(row.national_number_index, ()))
            if row.national_number_index
            else (),
        )
        for row in rows
        if periods[row.id]
    ]


def _placed_elsewhere(pool) -> dict[str, list[tuple]]:
    """{national number index: placed (start, end)} of the pool's persons, at any school and
    in any term (SVC-7): a student of the pool has no placement of its own."""
    same_person = (
        select(Student.national_number_index)
        .where(Student.id.in_(pool), Student.national_number_index.is_not(None))
        .scalar_subquery()
    )
    found = defaultdict(list)
    for index, start, end in db.session.execute(
        select(Student.national_number_index, Period.start_date, Period.end_date)
        .join(Placement, Placement.period_id == Period.id)
        .join(Student, Placement.student_id == Student.id)
        .where(Student.national_number_index.in_(same_person))
    ):
        found[index].append((start, end))
    return found


def load_services(term: Term) -> list[Service]:
    """The active services with places in the term (their offer, else their default; SVC-6)
    and the periods their trainees of the term hold: two statements. A service that offered
    nothing and has no default is left out."""
    places = func.coalesce(ServiceCapacity.places, CareService.capacity_default)
    rows = db.session.execute(
        select(CareService.id, CareService.province, CareService.postcode, places)
        .outerjoin(
            ServiceCapacity,
            and_(
                ServiceCapacity.care_service_id == CareService.id,
                ServiceCapacity.term_id == term.id,
            ),
        )
        .where(CareService.active, places > 0)
    ).all()
    taken = defaultdict(list)
    for service_id, start, end in db.session.execute(
        select(Placement.care_service_id, Period.start_date, Period.end_date)
        .join(Period, Placement.period_id == Period.id)
        .join(Student, Placement.student_id == Student.id)
        .where(Student.term_id == term.id)
    ):
        taken[service_id].append((start, end))
    return [
        Service(
            id=service_id,
            province=province,
            postcode=postcode,
            places=offered,
            taken=tuple(taken[service_id]),
        )
        for service_id, province, postcode, offered in rows
    ]


def services_without_places(term: Term) -> int:
    """How many active services offered no places for the term (nor a default): a proposal
    leaves them out, whoever would prefer them (SVC-6)."""
    places = func.coalesce(ServiceCapacity.places, CareService.capacity_default)
    return db.session.scalar(
        select(func.count(CareService.id))
        .outerjoin(
            ServiceCapacity,
            and_(
                ServiceCapacity.care_service_id == CareService.id,
                ServiceCapacity.term_id == term.id,
            ),
        )
        .where(CareService.active, or_(places.is_(None), places <= 0))
    )
