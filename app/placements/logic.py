"""Accepting, declining and withdrawing, with the database deciding who wins (SVC-2..7)."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app import audit
from app.auth.logic import active_logins
from app.extensions import db
from app.models import (
    CareService,
    Decline,
    Mentor,
    Period,
    Placement,
    Student,
    User,
    utcnow,
)
from app.mentors.queries import capacities, capacity  # noqa: F401  (re-exported)
from app.outbox import in_language, queue_mail
from app.schedule import rules


@dataclass
class AcceptOutcome:
    """What happened to each chosen period."""

    accepted: list[Period] = field(default_factory=list)
    taken: list[Period] = field(default_factory=list)
    overlapping: list[Period] = field(default_factory=list)


def browse_page(service: CareService, args, now: datetime) -> dict:
    """What the browse list shows (the service's own page and VIVO's helpdesk copy): one
    page of the requests the query string asks for, the terms open for acceptance and the
    service's capacity in each."""
    from app.placements import queries
    from app.schedule.timetable import browsable_terms

    filters = queries.RequestFilters.from_args(args)
    students, total, page, pages = queries.browse(service, now, filters)
    terms = browsable_terms(now)
    return dict(
        students=students,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        terms=terms,
        capacities=capacities(service, [t.id for t in terms]),
        service=service,
    )


ALL_TERMS = "alle"  # "Mijn stagiairs" of every term


def trainees_page(service: CareService, args, now: datetime) -> dict:
    """What "Mijn stagiairs" shows (the service's own page and VIVO's helpdesk copy): one
    page of the acceptances of the term the query string asks for (the most recent one by
    default, every term with "alle"), with the national numbers and the withdrawable ones."""
    from app.crypto import decrypt_national_number
    from app.placements import queries
    from app.schedule.timetable import acceptance_withdrawable
    from app.schedule.timing import page_number
    from app.validation import format_national_number

    terms = queries.trainee_terms(service)
    wanted = args.get("term", "")
    term = None
    if wanted != ALL_TERMS:
        term = next((t for t in terms if str(t.id) == wanted), None) or (
            terms[0] if terms else None
        )
    result = queries.my_trainees(
        service, term.id if term else None, page_number(args.get("page"))
    )
    return dict(
        service=service,
        result=result,
        numbers={
            row.student_id: format_national_number(
                decrypt_national_number(row.national_number_encrypted)
            )
            for row in result.items
        },
        withdrawable={
            row.placement_id
            for row in result.items
            if acceptance_withdrawable(row.term, row.accepted_at, now)
        },
        terms=terms,
        term_arg=term.id if term else ALL_TERMS,
        all_terms=ALL_TERMS,
    )


def clashes(student: Student, periods: list[Period]) -> dict[int, list[Period]]:
    """SVC-7, the one rule: for each of `periods`, the placed periods the same person (same
    student, or same national number at any school, in any term) already has elsewhere that
    overlap it, as {period id: placed periods}; a period without a clash is left out."""
    if not periods:
        return {}
    same_person = [Student.id == student.id]
    if student.national_number_index:
        same_person.append(
            Student.national_number_index == student.national_number_index
        )
    wanted = aliased(Period)
    found: dict[int, list[Period]] = {}
    for period_id, placed in db.session.execute(
        select(wanted.id, Period)
        .join(Placement, Placement.period_id == Period.id)
        .join(Student, Placement.student_id == Student.id)
        .join(wanted, wanted.id.in_([p.id for p in periods]))
        .where(Period.id != wanted.id, or_(*same_person))
        .where(
            Period.start_date <= wanted.end_date,
            Period.end_date >= wanted.start_date,
        )
        .order_by(wanted.id, Period.start_date)
    ):
        found.setdefault(period_id, []).append(placed)
    return found


def accept(
    student: Student,
    periods: list[Period],
    service: CareService,
    mentor: Mentor,
    notes: str,
    user: User,
) -> AcceptOutcome:
    """Accept the chosen periods; a period taken meanwhile is reported, never double-booked."""
    outcome = AcceptOutcome()
    clashing = clashes(student, periods)
    for period in periods:
        if period.id in clashing:
            outcome.overlapping.append(period)
        elif _claim_period(student, period, service, mentor, notes, user):
            outcome.accepted.append(period)
        else:
            outcome.taken.append(period)
    if outcome.accepted:
        audit.record(
            "placement.accepted",
            student,
            detail="periods " + ",".join(str(p.number) for p in outcome.accepted),
        )
        _tell_school(student, "accepted", service)
    return outcome


def _claim_period(student, period, service, mentor, notes, user) -> bool:
    """Insert the placement only if the period is free; the unique key settles races."""
    taken = exists().where(Placement.period_id == period.id)
    values = select(
        literal(student.id),
        literal(period.id),
        literal(service.id),
        literal(mentor.id),
        literal(notes or ""),
        literal(user.id),
        literal(utcnow(), type_=Placement.created_at.type),
    ).where(~taken)
    columns = [
        "student_id",
        "period_id",
        "care_service_id",
        "mentor_id",
        "notes",
        "accepted_by_id",
        "created_at",
    ]
    try:
        with db.session.begin_nested():
            inserted = db.session.execute(
                insert(Placement).from_select(columns, values).returning(Placement.id)
            ).first()
    except IntegrityError:
        # Lost the race on the unique key; anything else is a real error.
        if db.session.scalar(select(exists().where(Placement.period_id == period.id))):
            return False
        raise
    return inserted is not None


def decline(student: Student, service: CareService, reason: str, user: User) -> Decline:
    """Say no with a reason the school sees; the request stays open for others (SVC-5)."""
    row = Decline(
        student_id=student.id,
        care_service_id=service.id,
        reason=reason,
        created_by_id=user.id,
    )
    db.session.add(row)
    audit.record("request.declined", student)
    _tell_school(student, "declined", service, reason=reason)
    return row


def withdrawal_refusal(placement: Placement, user: User, now: datetime) -> str | None:
    """Why this user cannot withdraw the placement now, or None (SVC-4)."""
    if user.role == "admin":
        return None
    if not rules.service_may_withdraw(
        placement.student.term, placement.created_at, now
    ):
        return _(
            "De resultaten zijn definitief; enkel VIVO kan deze aanvaarding nog intrekken."
        )
    return None


def withdraw(placement: Placement) -> None:
    """Undo an acceptance: the period returns to the open list."""
    student, service = placement.student, placement.care_service
    audit.record(
        "placement.withdrawn", student, detail=f"period {placement.period.number}"
    )
    db.session.delete(placement)
    _tell_school(student, "withdrawn", service)


def _subject(event: str, student: Student, service: CareService) -> str:
    names = dict(name=student.full_name, service=service.name)
    if event == "accepted":
        return _("Stagematching: %(name)s werd aanvaard door %(service)s", **names)
    if event == "declined":
        return _("Stagematching: %(service)s kan %(name)s niet aanvaarden", **names)
    return _("Stagematching: %(service)s trok de aanvaarding van %(name)s in", **names)


def _tell_school(
    student: Student, event: str, service: CareService, reason: str = ""
) -> None:
    """Queue a mail to every active login of the student's school, in its language (TERM-5)."""
    for email, language in active_logins(User.school_id == student.school_id):
        with in_language(language):
            queue_mail(
                email,
                _subject(event, student, service),
                f"placement_{event}",
                student=student,
                service=service,
                reason=reason,
            )
