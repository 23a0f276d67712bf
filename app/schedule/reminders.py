"""Reminder and notification mails of the timetable (TERM-5), queued by `flask send-reminders`.

The command runs from a timer (hourly). Every mail it queues is recorded as a `ReminderSent`
row (kind, term, recipient address), inserted with INSERT ... ON CONFLICT DO NOTHING in the same
transaction as the outbox mail: a second run, or two runs at once, finds the row and queues
nothing twice. Mails leave through the outbox (`flask send-mail`), so a mail server that is down
delays them and loses nothing.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    CareService,
    IntakeOverride,
    Placement,
    ReminderSent,
    School,
    Student,
    Term,
    User,
    utcnow,
)
from app.models.reference import PROVINCES
from app.outbox import in_language, queue_mail
from app.schedule import rules
from app.schedule.clock import BRUSSELS, from_local, local_date

# The daily digest goes out with the first run from this hour (Belgian time), not at midnight.
DIGEST_FROM_HOUR = 7
# Admins hear about unplaced requests from this many days before the results moment.
ADMIN_DAYS_BEFORE_RESULTS = 3
DIGEST_PREFIX = "service_digest:"
RELEASE_KIND = "service_release"
# The release mail goes out only this long after the release moment: a timer that was down for
# a day still sends it, a first run weeks after a release does not mail every service.
RELEASE_GRACE = timedelta(days=2)
# A school with a late entry (TERM-3) hears this many days before its own late close.
LATE_ENTRY_DAYS_BEFORE = 1
# A service with unanswered allocation proposals hears this many days before their deadline.
PROPOSAL_DAYS_BEFORE = (2, 1)


@dataclass(frozen=True)
class Recipient:
    """One login that gets mail: its address, its language and its organisation."""

    email: str
    language: str
    organisation_id: int | None = None


def moment_key(moment: datetime) -> str:
    """A deadline in a reminder's kind, as UTC ISO minute ("2026-03-13T11:00Z"): a moved
    deadline gets reminders of its own."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def school_intake_kind(days: int, closes_at: datetime) -> str:
    return f"school_intake_{days}d:{moment_key(closes_at)}"


def parse_moment(text: str) -> datetime:
    """An ISO moment for `--now`: with an offset as given, without one as Belgian time."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return from_local(moment)
    return moment.astimezone(timezone.utc)


def send_due_reminders(
    now: datetime | None = None, plan: list | None = None
) -> Counter:
    """Queue every reminder that is due at `now` and not sent before; counts per kind.

    With a list as `plan` it is a dry run: nothing is recorded or queued, each mail that would
    go out is appended to `plan` as (kind, term name, recipient address)."""
    now = now or utcnow()
    counts: Counter = Counter()
    days_before = current_app.config["REMINDER_DAYS_BEFORE_CLOSE"]
    # Every reminder concerns a term whose results are not final yet.
    terms = db.session.scalars(
        select(Term)
        .where(~rules.results_final_sql(now))
        .order_by(Term.intake_closes_at, Term.id)
    ).all()
    db.session.commit()
    for term in terms:
        late = late_closes(term, now)
        days = intake_reminder_days(term, now, days_before)
        if days is not None:
            counts.update(
                remind_schools(term, days, now, skip_schools=set(late), plan=plan)
            )
        if late:
            counts.update(remind_late_schools(term, late, now, plan=plan))
        if rules.first_round_open(term, now):
            if release_mail_due(term, now):
                counts.update(announce_release(term, now, plan=plan))
            counts.update(send_digests(term, now, plan=plan))
        if admin_reminder_due(term, now):
            counts.update(remind_admins(term, now, plan=plan))
    # Proposals come after the results moment: they are looked up on their own.
    counts.update(remind_proposals(now, plan=plan))
    # End the last read (on SQLite it holds the write lock); a dry run wrote nothing to keep.
    if plan is None:
        db.session.commit()
    else:
        db.session.rollback()
    return counts


# --- when -------------------------------------------------------------------------------


def intake_reminder_days(term: Term, now: datetime, days_before) -> int | None:
    """The most urgent school reminder due now: the smallest N with `now` within N days of
    the close while the window is open (a late first run sends the 1-day one, not both)."""
    if not rules.intake_open(term, now):
        return None
    due = [n for n in days_before if now >= term.intake_closes_at - timedelta(days=n)]
    return min(due, default=None)


def late_closes(term: Term, now: datetime) -> dict[int, datetime]:
    """Per school whose active late entry decides its close now (the intake window is closed,
    or the late entry ends after it): when its late entry ends."""
    rows = db.session.execute(
        select(IntakeOverride.school_id, func.max(IntakeOverride.until))
        .where(IntakeOverride.term_id == term.id, rules.override_active_sql(now))
        .group_by(IntakeOverride.school_id)
    ).all()
    window = rules.intake_open(term, now)
    return {
        school_id: until
        for school_id, until in rows
        if not (window and until <= term.intake_closes_at)
    }


def digest_due(now: datetime) -> bool:
    """The daily digest goes out from DIGEST_FROM_HOUR, Belgian time."""
    return now.astimezone(BRUSSELS).hour >= DIGEST_FROM_HOUR


def release_mail_due(term: Term, now: datetime) -> bool:
    """From the release moment, for RELEASE_GRACE."""
    released_at = rules.release_moment(term)
    return released_at <= now < released_at + RELEASE_GRACE


def admin_reminder_due(term: Term, now: datetime) -> bool:
    """Within ADMIN_DAYS_BEFORE_RESULTS of the results moment, before it."""
    return not rules.results_final(term, now) and now >= term.results_at - timedelta(
        days=ADMIN_DAYS_BEFORE_RESULTS
    )


# --- who --------------------------------------------------------------------------------


def _logins(organisation_column, *conditions) -> list[Recipient]:
    """Enabled, activated logins matching `conditions`."""
    rows = db.session.execute(
        select(User.email, User.language, organisation_column)
        .where(User.is_active, *conditions)
        .order_by(User.email)
    ).all()
    return [Recipient(email, language, org_id) for email, language, org_id in rows]


def school_logins() -> list[Recipient]:
    """Active logins of active schools."""
    return _logins(
        User.school_id, User.role == "school", User.school.has(School.active)
    )


def service_logins() -> list[Recipient]:
    """Active logins of active care services."""
    return _logins(
        User.care_service_id,
        User.role == "service",
        User.care_service.has(CareService.active),
    )


def admin_logins() -> list[Recipient]:
    return _logins(User.school_id, User.role == "admin")


# --- sending once -----------------------------------------------------------------------


def _record(kind: str, term_id: int, email: str, now: datetime):
    """INSERT ... ON CONFLICT DO NOTHING of the reminder's record, for the session's dialect."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(ReminderSent)
        .values(kind=kind, term_id=term_id, recipient=email, sent_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "term_id", "recipient"])
        .returning(
            ReminderSent.id
        )  # no row when it was there already (rowcount is unreliable)
    )


def send_once(
    kind: str,
    term: Term,
    to: Recipient,
    now: datetime,
    subject,
    template: str,
    **context,
) -> bool:
    """Record and queue one mail in one transaction, in the recipient's language; False when
    this (kind, term, recipient) was sent before, by this run or another."""
    try:
        if db.session.execute(_record(kind, term.id, to.email, now)).scalar() is None:
            db.session.rollback()
            return False
        with in_language(to.language):
            queue_mail(to.email, str(subject), template, term=term, **context)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return True


def _already_sent(kind: str, term: Term, *also) -> set[str]:
    """Recipients recorded for `kind` (or one of the kinds `also`) of `term`."""
    return set(
        db.session.scalars(
            select(ReminderSent.recipient).where(
                ReminderSent.kind.in_((kind, *also)), ReminderSent.term_id == term.id
            )
        )
    )


def _send_to_all(
    kind: str,
    term: Term,
    recipients,
    now: datetime,
    subject,
    template: str,
    context_for,
    also_done=(),
    plan: list | None = None,
) -> Counter:
    """send_once to each recipient not yet recorded for `kind` or one of `also_done`;
    `context_for(recipient)` gives the template values, or None to skip that recipient.
    With a `plan` list (dry run), append (kind, term name, address) instead of sending."""
    done = _already_sent(kind, term, *also_done)
    db.session.commit()
    sent = 0
    for to in recipients:
        if to.email in done:
            continue
        context = context_for(to)
        if context is None:
            continue
        if plan is not None:
            plan.append((kind, term.name, to.email))
            sent += 1
        else:
            sent += send_once(kind, term, to, now, subject, template, **context)
    return Counter({kind: sent}) if sent else Counter()


def _link(endpoint: str, **values) -> str:
    from app.auth.logic import external_url

    return external_url(endpoint, **values)


# --- schools: the intake closes ---------------------------------------------------------


def _entered_per_school(term: Term) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Student.school_id, func.count())
            .where(Student.term_id == term.id)
            .group_by(Student.school_id)
        ).all()
    )


def _remind_school_logins(
    kind: str,
    term: Term,
    closes_at: datetime,
    logins,
    now: datetime,
    also_done=(),
    plan: list | None = None,
) -> Counter:
    entered = _entered_per_school(term)
    subject = _l(
        "Stagematching: de ingave voor %(term)s sluit op %(at)s",
        term=term.name,
        at=_local(closes_at),
    )
    link = _link("students.overview", term=term.id)
    return _send_to_all(
        kind,
        term,
        logins,
        now,
        subject,
        "reminder_school_intake",
        lambda to: dict(
            count=entered.get(to.organisation_id, 0), closes_at=closes_at, link=link
        ),
        also_done=also_done,
        plan=plan,
    )


def remind_schools(
    term: Term,
    days: int,
    now: datetime,
    skip_schools=frozenset(),
    plan: list | None = None,
) -> Counter:
    """Every active login of every active school (but `skip_schools`, whose late entry closes
    later): the intake closes soon, and how many requests the school entered for the term so
    far. Keyed on the close moment, so a moved close is reminded again; never a reminder
    after a more urgent one for the same close."""
    more_urgent = [
        school_intake_kind(n, term.intake_closes_at)
        for n in current_app.config["REMINDER_DAYS_BEFORE_CLOSE"]
        if n < days
    ]
    logins = [to for to in school_logins() if to.organisation_id not in skip_schools]
    return _remind_school_logins(
        school_intake_kind(days, term.intake_closes_at),
        term,
        term.intake_closes_at,
        logins,
        now,
        also_done=more_urgent,
        plan=plan,
    )


def remind_late_schools(
    term: Term, late: dict[int, datetime], now: datetime, plan: list | None = None
) -> Counter:
    """The logins of each school with a late entry, LATE_ENTRY_DAYS_BEFORE its late close;
    keyed on that moment."""
    counts: Counter = Counter()
    logins = school_logins()
    for until in sorted(set(late.values())):
        if now < until - timedelta(days=LATE_ENTRY_DAYS_BEFORE):
            continue
        schools = {school_id for school_id, at in late.items() if at == until}
        kind = f"school_late_{LATE_ENTRY_DAYS_BEFORE}d:{moment_key(until)}"
        counts.update(
            _remind_school_logins(
                kind,
                term,
                until,
                [to for to in logins if to.organisation_id in schools],
                now,
                plan=plan,
            )
        )
    return counts


def _local(moment: datetime) -> str:
    # Subjects are built outside templates; the same format as the `moment` filter.
    from app.context import moment as format_moment

    return format_moment(moment)


# --- services: release and daily digest -------------------------------------------------


def _open_preferring(term: Term, service_ids, now: datetime):
    """(service id, created_at) of open requests of `term` that prefer one of the services
    and that the service may see (the browse rule itself)."""
    from app.placements.queries import visible_requests

    # One query per service, but only for the few services that any request prefers.
    preferred = select(Student.preferred_service_id).where(Student.term_id == term.id)
    services = db.session.scalars(
        select(CareService).where(
            CareService.id.in_(service_ids), CareService.id.in_(preferred)
        )
    )
    rows = []
    for service in services:
        query = (
            visible_requests(service, now)
            .where(
                Student.term_id == term.id, Student.preferred_service_id == service.id
            )
            .with_only_columns(Student.preferred_service_id, Student.created_at)
        )
        rows.extend(db.session.execute(query).all())
    return rows


def announce_release(term: Term, now: datetime, plan: list | None = None) -> Counter:
    """Once per term, every active login of every active service: the requests are released
    and can be accepted until the results moment."""
    kind = RELEASE_KIND
    done = _already_sent(kind, term)
    recipients = [to for to in service_logins() if to.email not in done]
    preferring = Counter(
        sid
        for sid, _ in _open_preferring(
            term, {to.organisation_id for to in recipients}, now
        )
    )
    subject = _l(
        "Stagematching: de stageaanvragen voor %(term)s staan klaar", term=term.name
    )
    link = _link("placements.browse", term=term.id)
    return _send_to_all(
        kind,
        term,
        recipients,
        now,
        subject,
        "reminder_service_release",
        lambda to: dict(
            until=rules.acceptance_deadline(term, now),
            preferring=preferring[to.organisation_id],
            link=link,
        ),
        plan=plan,
    )


def _previous_digests(term: Term) -> dict[str, datetime]:
    """Per recipient, when it last heard of this term's requests: a digest or the release
    mail (which counts the preferring requests, so a digest does not repeat them)."""
    earlier = or_(
        ReminderSent.kind.startswith(DIGEST_PREFIX), ReminderSent.kind == RELEASE_KIND
    )
    return dict(
        db.session.execute(
            select(ReminderSent.recipient, func.max(ReminderSent.sent_at))
            .where(ReminderSent.term_id == term.id, earlier)
            .group_by(ReminderSent.recipient)
        ).all()
    )


def send_digests(term: Term, now: datetime, plan: list | None = None) -> Counter:
    """Once per Belgian day, to each active service login: the open requests that prefer its
    service and were created since its previous digest or release mail (without one: the
    release moment, at most RELEASE_GRACE ago, so a first run long after the release does not
    count every request again); only when there are any."""
    if not digest_due(now):
        return Counter()
    kind = f"{DIGEST_PREFIX}{local_date(now).isoformat()}"
    done = _already_sent(kind, term)
    recipients = [to for to in service_logins() if to.email not in done]
    first_since = max(rules.release_moment(term), now - RELEASE_GRACE)
    previous = _previous_digests(term)
    created = {}
    for sid, created_at in _open_preferring(
        term, {to.organisation_id for to in recipients}, now
    ):
        created.setdefault(sid, []).append(created_at)

    def context_for(to: Recipient):
        since = previous.get(to.email, first_since)
        count = sum(
            1 for at in created.get(to.organisation_id, ()) if since < at <= now
        )
        return dict(count=count, since=since, link=link) if count else None

    subject = _l(
        "Stagematching: nieuwe stageaanvragen met jullie dienst als voorkeur (%(term)s)",
        term=term.name,
    )
    link = _link("placements.browse", term=term.id)
    return _send_to_all(
        kind,
        term,
        recipients,
        now,
        subject,
        "reminder_service_digest",
        context_for,
        plan=plan,
    )


# --- admins: unplaced requests before the results moment --------------------------------


def unplaced_per_province(term: Term) -> list[tuple[str, int]]:
    """(province name, count) of the term's not-stopped requests without any placement."""
    placed = exists().where(Placement.student_id == Student.id)
    counts = dict(
        db.session.execute(
            select(Student.province, func.count())
            .where(Student.term_id == term.id, Student.stopped_on.is_(None), ~placed)
            .group_by(Student.province)
        ).all()
    )
    return [
        (name, counts[code]) for code, name in PROVINCES.items() if counts.get(code)
    ]


def remind_admins(term: Term, now: datetime, plan: list | None = None) -> Counter:
    """Every active admin login, once per term and results moment (a moved results moment is
    reminded again): the unplaced requests per province, when any."""
    per_province = unplaced_per_province(term)
    db.session.commit()
    if not per_province:
        return Counter()
    subject = _l(
        "Stagematching: %(count)s stageaanvragen voor %(term)s zijn nog niet geplaatst",
        count=sum(n for _, n in per_province),
        term=term.name,
    )
    link = _link("main.dashboard")
    return _send_to_all(
        f"admin_unplaced:{moment_key(term.results_at)}",
        term,
        admin_logins(),
        now,
        subject,
        "reminder_admin_unplaced",
        lambda to: dict(
            per_province=per_province,
            total=sum(n for _, n in per_province),
            results_at=term.results_at,
            link=link,
        ),
        plan=plan,
    )


# --- services: unanswered allocation proposals (issue 13) --------------------------------


def proposal_kind(days: int, run: AllocationRun) -> str:
    """Keyed on the run and its deadline: a moved deadline gets reminders of its own."""
    return f"proposal_{days}d:{run.id}:{moment_key(run.answer_by)}"


def _unanswered_per_service(run: AllocationRun, now: datetime) -> Counter:
    """Per service, the run's lines still waiting for its answer (the service's own list's
    rule: unanswered, the student neither placed meanwhile nor stopped)."""
    from app.placements.proposals import waiting_sql

    return Counter(
        dict(
            db.session.execute(
                select(AllocationLine.care_service_id, func.count())
                .join(AllocationRun, AllocationLine.run_id == AllocationRun.id)
                .where(
                    AllocationLine.run_id == run.id,
                    AllocationLine.care_service_id.is_not(None),
                    AllocationLine.removed.is_(False),
                    waiting_sql(now),
                )
                .group_by(AllocationLine.care_service_id)
            ).all()
        )
    )


def remind_proposals(now: datetime, plan: list | None = None) -> Counter:
    """Each active login of a service with unanswered lines in a sent run, PROPOSAL_DAYS_BEFORE
    its deadline: how many trainees wait for its answer, and until when; never a reminder
    after a more urgent one for the same deadline."""
    runs = db.session.scalars(
        select(AllocationRun)
        .where(rules.proposal_answerable_sql(now))
        .order_by(AllocationRun.answer_by, AllocationRun.id)
    ).all()
    counts: Counter = Counter()
    for run in runs:
        days = rules.proposal_reminder_days(run, now, PROPOSAL_DAYS_BEFORE)
        if days is None:
            continue
        waiting = _unanswered_per_service(run, now)
        if not waiting:
            continue
        term = db.session.get(Term, run.term_id)
        subject = _l(
            "Stagematching: beantwoord de voorstellen van VIVO vóór %(at)s",
            at=_local(run.answer_by),
        )
        link = _link("placements.proposals_index")
        counts.update(
            _send_to_all(
                proposal_kind(days, run),
                term,
                [to for to in service_logins() if waiting[to.organisation_id]],
                now,
                subject,
                "reminder_service_proposals",
                lambda to: dict(
                    count=waiting[to.organisation_id],
                    answer_by=run.answer_by,
                    link=link,
                ),
                also_done=[
                    proposal_kind(n, run) for n in PROPOSAL_DAYS_BEFORE if n < days
                ],
                plan=plan,
            )
        )
    return counts
