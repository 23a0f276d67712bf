"""Storing a run ("Voorstel maken"), trimming it, and sending it to the services."""

import gc
import time
from collections import defaultdict
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import insert, select, update

from app import audit
from app.allocation import Settings, allocate
from app.auth.logic import external_url
from app.extensions import db
from app.models import AllocationLine, AllocationRun, CareService, Student, Term, User
from app.outbox import in_language, queue_mail
from app.proposals import codec
from app.proposals.instance import load_services, load_trainees, pool_sql
from app.schedule import proposals as deadline
from app.schedule import rules


def refusal(term: Term, include_second_round: bool, now: datetime) -> str | None:
    """Why no proposal can be made for the term now, or None."""
    if not rules.allocation_may_run(term, now):
        return _(
            "Een voorstel kan pas gemaakt worden als de resultaten definitief zijn."
        )
    if rules.second_round_open(term, now) and not include_second_round:
        return _(
            "De tweede ronde loopt nog: diensten kunnen nog aanvaarden. Vink aan dat je "
            "toch een voorstel wil maken."
        )
    return None


def make_run(
    term: Term,
    settings: Settings,
    include_second_round: bool,
    now: datetime,
    user_id: int | None,
) -> AllocationRun:
    """Compute the proposal for the term's pool and store it as a draft with its lines."""
    # Tens of thousands of small objects and no cycles: the cycle collector would only
    # rescan them while they are made (as in allocate()).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _make_run(term, settings, include_second_round, now, user_id)
    finally:
        if collecting:
            gc.enable()


def _make_run(
    term: Term,
    settings: Settings,
    include_second_round: bool,
    now: datetime,
    user_id: int | None,
) -> AllocationRun:
    trainees, services = load_trainees(term, now), load_services(term)
    started = time.perf_counter()
    proposal = allocate(trainees, services, settings)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    run = AllocationRun(
        term_id=term.id,
        created_by_id=user_id,
        settings=codec.settings_json(settings, include_second_round),
        seed=proposal.seed,
        algorithm_ms=elapsed_ms,
    )
    db.session.add(run)
    db.session.flush()
    if proposal.lines:
        # "Waarom?" is made here, on first access to each line's why (true to the state at
        # that student's turn).
        rows = [
            {
                "run_id": run.id,
                "rank": rank,
                "student_id": line.student_id,
                "care_service_id": line.service_id,
                "distance_km": line.distance_km,
                "why": codec.why_json(line.why),
                "removed": False,
                "answer": "",
                "decline_reason": "",
            }
            for rank, line in enumerate(proposal.lines, start=1)
        ]
        # The table's Core insert: one executemany (the ORM's bulk insert leaves out the
        # None values, and so splits the rows into a batch per set of keys).
        db.session.execute(insert(AllocationLine.__table__), rows)
    placed = sum(1 for line in proposal.lines if line.service_id is not None)
    audit.record(
        "proposal.made",
        run,
        detail=f"term {term.id} students {len(proposal.lines)} placed {placed}",
    )
    return run


def remove_line(line: AllocationLine) -> bool:
    """Take a line out of a draft; False when the run was sent already."""
    if line.run.sent_at is not None:
        return False
    line.removed = True
    return True


def send_refusal(run: AllocationRun, day: date | None, now: datetime) -> str | None:
    """Why this run cannot be sent with this deadline, or None."""
    if run.sent_at is not None:
        return _("Dit voorstel is al verstuurd.")
    if day is None or deadline.answer_day_refused(day, now):
        return _("Kies vandaag of een latere dag als antwoorddatum.")
    return None


def send_run(run: AllocationRun, day: date, now: datetime) -> dict[int, int]:
    """Send a draft: lines whose student left the pool meanwhile are taken out, each service
    with lines gets a mail per login in its language; {service id: lines}."""
    term = db.session.get(Term, run.term_id)
    gone = select(Student.id).where(~pool_sql(term, now))
    db.session.execute(
        update(AllocationLine)
        .where(
            AllocationLine.run_id == run.id,
            AllocationLine.removed.is_(False),
            AllocationLine.student_id.in_(gone),
        )
        .values(removed=True)
        .execution_options(synchronize_session=False)
    )
    run.sent_at, run.answer_by = now, deadline.answer_by(day)
    per_service = dict(
        db.session.execute(
            select(AllocationLine.care_service_id, db.func.count())
            .where(
                AllocationLine.run_id == run.id,
                AllocationLine.removed.is_(False),
                AllocationLine.care_service_id.is_not(None),
            )
            .group_by(AllocationLine.care_service_id)
        ).all()
    )
    _tell_services(run, term, per_service)
    audit.record(
        "proposal.sent",
        run,
        detail=f"lines {sum(per_service.values())} services {len(per_service)}",
    )
    return per_service


def _tell_services(run: AllocationRun, term: Term, per_service: dict[int, int]) -> None:
    """One mail per active login of each service with lines, in the login's language."""
    logins = defaultdict(list)
    for service_id, name, email, language in db.session.execute(
        select(CareService.id, CareService.name, User.email, User.language)
        .join(User, User.care_service_id == CareService.id)
        .where(CareService.id.in_(list(per_service)), User.is_active)
        .order_by(CareService.id, User.email)
    ):
        logins[service_id].append((name, email, language))
    link = external_url("placements.proposals_index")
    for service_id, count in per_service.items():
        for name, email, language in logins[service_id]:
            with in_language(language):
                queue_mail(
                    email,
                    ngettext(
                        "Stagematching: %(num)d voorgestelde stagiair voor %(term)s",
                        "Stagematching: %(num)d voorgestelde stagiairs voor %(term)s",
                        count,
                        term=term.name,
                    ),
                    "proposal_sent",
                    service_name=name,
                    count=count,
                    term=term,
                    answer_by=run.answer_by,
                    link=link,
                )
