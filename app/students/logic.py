"""Rules of the school side: the intake window, the edit lock, saving, stopping, deleting."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app import audit
from app.crypto import (
    decrypt_national_number,
    encrypt_national_number,
    national_number_index,
)
from app.extensions import db
from app.models import Decline, Period, Student
from app.schedule.timetable import intake_window
from app.students.forms import PERIOD_NUMBERS, StudentForm

STUDENT_FIELDS = (
    "first_name",
    "last_name",
    "street",
    "postcode",
    "city",
    "province",
    "phone",
    "email",
    "remarks",
    "supervisor_id",
    "internship_form",
    "period_count",
    "hours_per_week",
    "total_hours",
    "internship_remarks",
    "preferred_service_id",
)


def edit_refusal(student: Student, now: datetime) -> str | None:
    """Why the school cannot change this request now, or None when it can (STU-17, OVR-3)."""
    if student.accepted:
        return str(
            _l(
                "Deze student werd aanvaard door een dienst; de gegevens kunnen niet meer gewijzigd worden."
            )
        )
    window = intake_window(student.term, student.school_id, now)
    return None if window.open else window.message


def find_duplicate(
    school_id: int, term_id: int, index: str, exclude_id: int | None
) -> Student | None:
    """Another request of this school and term with the same national number (blind index)."""
    query = select(Student).where(
        Student.school_id == school_id,
        Student.term_id == term_id,
        Student.national_number_index == index,
    )
    if exclude_id is not None:
        query = query.where(Student.id != exclude_id)
    return db.session.scalar(query)


def national_number_of(student: Student) -> str | None:
    """The decrypted national number (school side and accepting service only)."""
    return decrypt_national_number(student.national_number_encrypted)


def apply_form(student: Student, form: StudentForm) -> None:
    """Copy the validated form onto the student and its periods."""
    for name in STUDENT_FIELDS:
        setattr(student, name, form[name].data)
    student.transport = ",".join(form.transport.data or [])
    if (
        student.internship_form not in ("blok", "blok_alternerend")
        and not form.hours_per_week.data
    ):
        student.hours_per_week = None
    number = form.national_number.data if "national_number" in form else None
    student.national_number_encrypted = (
        encrypt_national_number(number) if number else None
    )
    student.national_number_index = national_number_index(number) if number else None
    _apply_periods(student, form)


def _apply_periods(student: Student, form: StudentForm) -> None:
    existing = {period.number: period for period in student.periods}
    for number in PERIOD_NUMBERS:
        start, end = form.period_fields(number)
        period = existing.get(number)
        if number > student.period_count:
            if period is not None:
                student.periods.remove(period)
            continue
        if period is None:
            period = Period(number=number)
            student.periods.append(period)
        period.start_date, period.end_date = start.data, end.data


def fill_form(form: StudentForm, student: Student) -> None:
    """Put a stored request into an empty form for editing."""
    for name in STUDENT_FIELDS:
        form[name].data = getattr(student, name)
    form.preferred_service_id.data = student.preferred_service_id or 0
    form.transport.data = student.transport_codes
    if "national_number" in form:
        from app.validation import format_national_number

        form.national_number.data = format_national_number(national_number_of(student))
    for period in student.periods:
        start, end = form.period_fields(period.number)
        start.data, end.data = period.start_date, period.end_date


def delete_request(student: Student) -> None:
    """Delete a wrongly added request; never one that a service accepted."""
    if student.accepted:
        raise PermissionError("accepted requests cannot be deleted")
    db.session.execute(delete(Decline).where(Decline.student_id == student.id))
    audit.record("student.deleted", student)
    db.session.delete(student)


def mark_stopped(student: Student, stopped_on: date, reason: str) -> bool:
    """The trainee quit: stays in overview and export, leaves the services' lists (OVR-4).

    Once only: a trainee marked before keeps their date and reason, and no service hears of
    it again (False then)."""
    if student.stopped:
        return False
    student.stopped_on = stopped_on
    student.stopped_reason = reason or ""
    audit.record("student.stopped", student)
    _tell_accepting_services(student)
    return True


def undo_stop(student: Student) -> bool:
    """The trainee did not stop after all (or was marked by mistake): the request counts
    again, for the school and the services. False when the student was not stopped."""
    if not student.stopped:
        return False
    stopped_on = student.stopped_on
    student.stopped_on = None
    student.stopped_reason = ""
    audit.record("student.stop_undone", student, detail=stopped_on.isoformat())
    _tell_accepting_services(student, stopped=False)
    return True


def _tell_accepting_services(student: Student, stopped: bool = True) -> None:
    """A service that accepted the trainee hears that they stopped (or did not after all)."""
    from app.auth.logic import active_logins
    from app.models import User
    from app.outbox import in_language, queue_mail

    service_ids = {placement.care_service_id for placement in student.placements}
    for email, language in (
        active_logins(User.care_service_id.in_(service_ids)) if service_ids else []
    ):
        with in_language(language):
            if stopped:
                subject = _l("Stagematching: een stagiair is gestopt")
            else:
                subject = _l("Stagematching: een stagiair is toch niet gestopt")
            queue_mail(
                email,
                str(subject),
                "student_stopped" if stopped else "student_stop_undone",
                student=student,
            )
