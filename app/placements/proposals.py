"""A care service's answer to VIVO's allocation proposals (issue 13, ALLOC-3).

A line of a sent run that names this service is a proposed trainee: the service accepts it
with a mentor (a normal acceptance of all the student's periods, through `logic.accept`, so
the one-winner guarantee holds) or declines it with a reason (a normal `Decline`, so the next
run passes this service over), until the run's deadline. Lines of a draft run, lines VIVO
removed and other services' lines do not exist for a service.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload

from app import audit
from app.context import moment as format_moment
from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    CareService,
    Mentor,
    Student,
    User,
    utcnow,
)
from app.outbox import QUEUED
from app.placements import logic
from app.proposals.instance import line_waiting_sql
from app.schedule import rules
from app.tenancy import valid_id

ACCEPTED, DECLINED = "accepted", "declined"
# Answered and expired lines shown below the waiting ones, the most recent first.
RECENT_LIMIT = 50

_LINE_PAGE = (
    joinedload(AllocationLine.run),
    joinedload(AllocationLine.student).joinedload(Student.school),
    joinedload(AllocationLine.student).joinedload(Student.supervisor),
    joinedload(AllocationLine.student).joinedload(Student.term),
    joinedload(AllocationLine.student).selectinload(Student.periods),
    joinedload(AllocationLine.student).selectinload(Student.placements),
)


def _proposed_to(service_id: int):
    """The lines VIVO proposed to this service: of a sent run, not taken out of it."""
    return (
        select(AllocationLine)
        .join(AllocationRun, AllocationLine.run_id == AllocationRun.id)
        .where(
            AllocationLine.care_service_id == service_id,
            AllocationLine.removed.is_(False),
            AllocationRun.sent_at.is_not(None),
        )
    )


def has_proposals(service_id: int) -> bool:
    """Whether any sent proposal ever named this service (the menu shows "Voorstellen")."""
    return bool(
        db.session.scalar(select(exists(_proposed_to(service_id).subquery().select())))
    )


@dataclass(frozen=True)
class ProposalLists:
    waiting: list  # AllocationLine, still to answer
    recent: list  # AllocationLine, answered or expired, most recent first
    days_left: dict  # line id -> whole days until its deadline (waiting lines)


def waiting_sql(now: datetime):
    """The SQL twin of `refusal(line, now) is None`: the shared rule of a waiting line."""
    return line_waiting_sql(now)


def service_proposals(service: CareService, now: datetime) -> ProposalLists:
    """The service's waiting proposals (deadline first) and its recent answered, expired or
    lapsed ones: two reads and the students' periods and placements, whatever the number
    of lines."""
    waiting = db.session.scalars(
        _proposed_to(service.id)
        .where(waiting_sql(now))
        .options(*_LINE_PAGE)
        .order_by(AllocationRun.answer_by, AllocationLine.rank, AllocationLine.id)
    ).all()
    recent = db.session.scalars(
        _proposed_to(service.id)
        .where(~waiting_sql(now))
        .options(*_LINE_PAGE)
        .order_by(
            func.coalesce(AllocationLine.answered_at, AllocationRun.answer_by).desc(),
            AllocationLine.id.desc(),
        )
        .limit(RECENT_LIMIT)
    ).all()
    return ProposalLists(
        waiting=list(waiting),
        recent=list(recent),
        days_left={
            line.id: rules.proposal_days_left(line.run, now) for line in waiting
        },
    )


def proposal_or_404(service: CareService, line_id: int) -> AllocationLine:
    """One line proposed to this service (sent, not removed); anything else answers 404."""
    line = db.session.scalar(
        _proposed_to(service.id)
        .where(AllocationLine.id == valid_id(line_id))
        .options(*_LINE_PAGE)
    )
    if line is None:
        abort(404)
    return line


def refusal(line: AllocationLine, now: datetime) -> str | None:
    """Why the service can no longer answer this line, or None while it may."""
    if line.answer:
        return _("Dit voorstel werd al beantwoord.")
    if not rules.proposal_answerable(line.run, now):
        return _(
            "De termijn om op dit voorstel te antwoorden liep af op %(at)s. De student gaat terug naar VIVO.",
            at=format_moment(line.run.answer_by),
        )
    if line.student.stopped_on is not None:
        return _stopped()
    if line.student.placements:
        return _placed_meanwhile()
    return None


class AnswerRefused(Exception):
    """The line can no longer get this answer; the message says why."""


def _claim_answer(line: AllocationLine, answer: str, user: User, reason: str = ""):
    """Record the answer only if the line is still unanswered: two logins answering at
    once, one wins; the other is told it was answered."""
    claimed = db.session.execute(
        update(AllocationLine)
        .where(AllocationLine.id == line.id, AllocationLine.answer == "")
        .values(
            answer=answer,
            answered_at=utcnow(),
            answered_by_id=user.id,
            decline_reason=reason,
        )
        .returning(AllocationLine.id)
    ).first()
    if claimed is None:
        raise AnswerRefused(_("Dit voorstel werd al beantwoord."))


def _stopped() -> str:
    return _("Deze student is intussen gestopt met de opleiding; je voorstel vervalt.")


def _placed_meanwhile() -> str:
    return _(
        "Deze student werd intussen al geplaatst; je voorstel vervalt. Er werd niets dubbel geboekt."
    )


def accept(
    line: AllocationLine,
    service: CareService,
    mentor: Mentor,
    notes: str,
    user: User,
) -> list:
    """Accept the proposed trainee for all their periods, or nothing: a period placed or
    clashing meanwhile undoes the whole answer (AnswerRefused says why). Returns the
    accepted periods; the caller commits."""
    student = line.student
    # The savepoint makes the answer all or nothing. Its end fires the session's
    # after_commit or after_rollback, on which the outbox forgets the mails queued so far
    # (meant for the whole transaction): they are put back here, with the new ones only
    # when the savepoint is kept.
    queued = list(db.session.info.get(QUEUED, []))
    savepoint = db.session.begin_nested()
    _claim_answer(line, ACCEPTED, user)
    outcome = logic.accept(student, list(student.periods), service, mentor, notes, user)
    if outcome.taken or outcome.overlapping or not outcome.accepted:
        savepoint.rollback()
        db.session.info[QUEUED] = queued
        db.session.expire(student, ["placements"])
        if outcome.overlapping:
            raise AnswerRefused(
                _(
                    "Een periode van deze student overlapt met een stage die hij of zij al heeft; je kan het voorstel niet aanvaarden."
                )
            )
        raise AnswerRefused(_placed_meanwhile())
    queued = list(db.session.info.get(QUEUED, []))
    savepoint.commit()
    db.session.info[QUEUED] = queued
    audit.record("proposal.accepted", line, detail=f"run {line.run_id}")
    return outcome.accepted


def decline(line: AllocationLine, service: CareService, reason: str, user: User):
    """Decline the proposed trainee with a reason: a normal decline the school sees, and the
    next run passes this service over for this student. The caller commits."""
    _claim_answer(line, DECLINED, user, reason)
    logic.decline(line.student, service, reason, user)
    audit.record("proposal.declined", line, detail=f"run {line.run_id}")
