"""Retention (NF-5, SECURITY.md 25): `flask purge-students` deletes the students of the terms
whose internship ended more than RETENTION_YEARS years ago (the rule: app/schedule/retention.py).

What goes, in one transaction:
- the students of those terms with their periods, placements and declines (deleted, not
  anonymised: a row with school, supervisor, periods, service and mentor still points at one
  person, so only its removal ends the processing);
- the details of the audit events about them: the events keep their row, action, moment,
  user and object id (an id that no stored row explains any more), their detail text is
  cleared (it may hold an admin's free-text reason);
- the outbox mails written before the same cutoff, sent or not: their bodies name students
  ("X is aanvaard").

What stays: the dashboard's figures of the purged requests, per term, school and province,
in `PurgedCount` (the same definitions as app/admin/stats.py, added up over runs), the
terms, schools, services, mentors, supervisors and capacities, and one audit event
"students.purged" with the counts. A run with nothing to purge changes and records nothing,
so the monthly timer may run it again and again.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from app import audit
from app.admin.stats import _count_columns
from app.extensions import db
from app.models import (
    AllocationLine,
    AuditEvent,
    Decline,
    OutboxMail,
    Period,
    Placement,
    PurgedCount,
    School,
    Student,
    Term,
    utcnow,
)
from app.schedule.clock import local_date
from app.schedule.retention import (
    past_retention_sql,
    retention_cutoff,
    retention_moment,
)

ACTION = "students.purged"
# A --now this much past the clock is refused unless it is a dry run: a purge "in the future"
# would delete what the retention setting still keeps.
CLOCK_TOLERANCE = timedelta(minutes=5)


class PurgeRefused(ValueError):
    """The purge would not follow the retention setting; nothing was done."""


@dataclass
class TermPurge:
    """What a purge removes (or would remove) of one term."""

    term_id: int
    name: str
    ended: date
    students: int = 0
    periods: int = 0
    placements: int = 0
    declines: int = 0

    def line(self) -> str:
        return (
            f'term {self.term_id} "{self.name}" (internship ended {self.ended}): '
            f"{self.students} students, {self.periods} periods, "
            f"{self.placements} placements, {self.declines} declines"
        )

    def detail(self) -> str:
        return (
            f"term {self.term_id}: students={self.students} periods={self.periods} "
            f"placements={self.placements} declines={self.declines}"
        )


@dataclass
class PurgeReport:
    """The outcome of one run, printed by the command and written to the audit event."""

    years: int
    cutoff: date  # terms whose internship ended before this day are purged
    dry_run: bool
    terms: list[TermPurge] = field(default_factory=list)
    audit_events: int = 0  # events about the purged rows: kept, their detail cleared
    outbox_mails: int = 0

    @property
    def students(self) -> int:
        return sum(t.students for t in self.terms)

    @property
    def nothing(self) -> bool:
        return not self.terms and not self.audit_events and not self.outbox_mails

    def lines(self) -> list[str]:
        head = (
            f"retention {self.years} years: terms whose internship ended before "
            f"{self.cutoff} (Belgian date)"
        )
        if self.nothing:
            return [head, "nothing to purge"]
        verb = "would purge" if self.dry_run else "purged"
        return [
            head,
            *(t.line() for t in self.terms),
            f"audit events about them: {self.audit_events} (kept, their detail cleared)",
            f"outbox mails written before {self.cutoff}: {self.outbox_mails}",
            f"{verb} {self.students} students of {len(self.terms)} term(s)"
            + (" (dry run: nothing changed)" if self.dry_run else ""),
        ]

    def detail(self) -> str:
        return "; ".join(
            [
                f"years={self.years} ended_before={self.cutoff}",
                *(t.detail() for t in self.terms),
                f"audit_events={self.audit_events} outbox_mails={self.outbox_mails}",
            ]
        )


def purge_students(now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Purge (or, with `dry_run`, only count) what the retention setting no longer keeps.

    Commits on success; a dry run, or any error, rolls back and leaves the database as it
    was. Raises PurgeRefused for a retention setting below one year, or a `now` later than
    the clock outside a dry run."""
    years = current_app.config["RETENTION_YEARS"]
    if not isinstance(years, int) or years < 1:
        raise PurgeRefused("RETENTION_YEARS must be a whole number of at least 1.")
    clock = utcnow()
    now = now or clock
    if now > clock + CLOCK_TOLERANCE and not dry_run:
        raise PurgeRefused(
            "--now lies in the future: a purge then would delete what the retention "
            "setting still keeps. Use it with --dry-run only."
        )
    report = PurgeReport(years, retention_cutoff(local_date(now), years), dry_run)
    try:
        _plan(report, now)
        if dry_run or report.nothing:
            db.session.rollback()
        else:
            _purge(report, now)
            audit.record(ACTION, detail=report.detail(), user_id=None)
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


# --- what goes ---------------------------------------------------------------------------


def _terms(now: datetime, years: int, lock: bool) -> list[Term]:
    """The terms past retention. Locked (PostgreSQL) for a real run: a student, placement
    or decline inserted for them now waits for the purge to end, so the counts written are
    the rows deleted."""
    query = (
        select(Term)
        .where(past_retention_sql(now, years))
        .order_by(Term.internship_end, Term.id)
    )
    return list(db.session.scalars(query.with_for_update() if lock else query))


def _students_of(term_ids: list[int]):
    return select(Student.id).where(Student.term_id.in_(term_ids))


def _per_term(model, term_ids: list[int]) -> dict[int, int]:
    """Rows of `model` (Student, or a table with student_id) per term."""
    if model is Student:
        query = select(Student.term_id, func.count(Student.id))
    else:
        query = select(Student.term_id, func.count(model.id)).join(
            Student, model.student_id == Student.id
        )
    query = query.where(Student.term_id.in_(term_ids)).group_by(Student.term_id)
    return dict(db.session.execute(query).all())


def _audit_events_about(term_ids: list[int]):
    """The audit events whose object is one of the purged rows (today always a student;
    the other kinds in case a future event names them)."""
    students = _students_of(term_ids)
    objects = {
        "Student": students,
        "Period": select(Period.id).where(Period.student_id.in_(students)),
        "Placement": select(Placement.id).where(Placement.student_id.in_(students)),
        "Decline": select(Decline.id).where(Decline.student_id.in_(students)),
        "AllocationLine": select(AllocationLine.id).where(
            AllocationLine.student_id.in_(students)
        ),
    }
    return or_(
        *(
            (AuditEvent.object_type == kind) & AuditEvent.object_id.in_(ids)
            for kind, ids in objects.items()
        )
    )


def _old_mails(now: datetime, years: int):
    return OutboxMail.created_at < retention_moment(now, years)


def _plan(report: PurgeReport, now: datetime) -> None:
    """Fill `report` with what goes: per term, then the audit events and the mails."""
    terms = _terms(now, report.years, lock=not report.dry_run)
    ids = [term.id for term in terms]
    if ids:
        counts = {
            name: _per_term(model, ids)
            for name, model in (
                ("students", Student),
                ("periods", Period),
                ("placements", Placement),
                ("declines", Decline),
            )
        }
        for term in terms:
            if counts["students"].get(term.id):
                report.terms.append(
                    TermPurge(
                        term.id,
                        term.name,
                        term.internship_end,
                        **{
                            name: found.get(term.id, 0)
                            for name, found in counts.items()
                        },
                    )
                )
    purged = [t.term_id for t in report.terms]
    if purged:
        report.audit_events = db.session.scalar(
            select(func.count(AuditEvent.id)).where(_audit_events_about(purged))
        )
    report.outbox_mails = db.session.scalar(
        select(func.count(OutboxMail.id)).where(_old_mails(now, report.years))
    )


def kept_counts(term_id: int):
    """The figures of a term's purged requests as rows of the shape app/admin/stats.py groups
    its live ones in (school id, school name, province, requests, accepted, open, declined,
    stopped): the dashboard of a purged term adds these to what is still stored."""
    return (
        select(
            School.id,
            School.name,
            PurgedCount.province,
            PurgedCount.requests,
            PurgedCount.accepted,
            PurgedCount.open,
            PurgedCount.declined,
            PurgedCount.stopped,
        )
        .join(School, PurgedCount.school_id == School.id)
        .where(PurgedCount.term_id == term_id)
    )


# --- the deletion ------------------------------------------------------------------------


def _keep_counts(term_ids: list[int]) -> None:
    """Add the dashboard's figures of the students about to go to PurgedCount."""
    query = (
        select(Student.term_id, Student.school_id, Student.province, *_count_columns())
        .where(Student.term_id.in_(term_ids))
        .group_by(Student.term_id, Student.school_id, Student.province)
    )
    kept = {
        (row.term_id, row.school_id, row.province): row
        for row in db.session.scalars(
            select(PurgedCount).where(PurgedCount.term_id.in_(term_ids))
        )
    }
    names = ("requests", "accepted", "open", "declined", "stopped")
    for term_id, school_id, province, *numbers in db.session.execute(query).all():
        row = kept.get((term_id, school_id, province))
        if row is None:
            row = PurgedCount(
                term_id=term_id,
                school_id=school_id,
                province=province,
                **{name: 0 for name in names},
            )
            db.session.add(row)
        for name, number in zip(names, numbers):
            setattr(row, name, getattr(row, name) + int(number or 0))
        row.purged_at = utcnow()
    db.session.flush()


def _purge(report: PurgeReport, now: datetime) -> None:
    ids = [t.term_id for t in report.terms]
    if ids:
        _keep_counts(ids)
        db.session.execute(
            update(AuditEvent)
            .where(_audit_events_about(ids), AuditEvent.detail != "")
            .values(detail="")
            .execution_options(synchronize_session=False)
        )
        students = _students_of(ids)
        # A proposal's lines name students; the runs (settings, seed) stay as history.
        for model in (Placement, Decline, AllocationLine, Period):
            db.session.execute(
                delete(model)
                .where(model.student_id.in_(students))
                .execution_options(synchronize_session=False)
            )
        db.session.execute(
            delete(Student)
            .where(Student.term_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    if report.outbox_mails:
        db.session.execute(
            delete(OutboxMail)
            .where(_old_mails(now, report.years))
            .execution_options(synchronize_session=False)
        )
