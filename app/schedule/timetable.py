"""The timetable as users see it: ready answers for views, banners and templates (TERM-4).

Views and templates never compare moments themselves; they ask here and get a `Window`, a
`TermState` or a list of deadlines.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import IntakeOverride, Term, utcnow
from app.schedule import rules
from app.schedule.clock import local_date
from app.schedule.rules import Phase

PHASE_LABELS = {
    Phase.UPCOMING: _l("nog niet gestart"),
    Phase.INTAKE: _l("ingave stageaanvragen"),
    Phase.MATCHING: _l("diensten aanvaarden"),
    Phase.FINAL: _l("definitief"),
    Phase.SECOND_ROUND: _l("tweede ronde"),
    Phase.CLOSED: _l("afgelopen"),
}


def _moment(value) -> str:
    from app.context import moment

    return moment(value)


# --- the intake guard (STU-17, TERM-3) ---------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Whether a school may enter requests for a term now, and the manual's words for it."""

    open: bool
    message: str
    until: datetime | None = None


def _per_request(key: str, load):
    """The answer of `load()` kept for the rest of a GET request's transaction (a page asks
    the banner, the term choice and the intake window the same things); computed afresh
    anywhere else. The rows belong to the session that loaded them: a commit, a rollback or
    another session (a streamed export) starts over."""
    if not (has_request_context() and request.method == "GET"):
        return load()
    session = db.session()
    kept = g.get("_timetable_kept")
    if kept is None or kept[0] is not session:
        kept = g._timetable_kept = (session, {})
    if key not in kept[1]:
        kept[1][key] = load()
    return kept[1][key]


@event.listens_for(Session, "after_transaction_end")
def _forget_kept(session, transaction) -> None:
    if transaction.parent is None and has_request_context():
        kept = g.get("_timetable_kept")
        if kept is not None and kept[0] is session:
            g._timetable_kept = None


def _all_school_overrides(school_id: int) -> list[IntakeOverride]:
    """Every late entry of a school (revoked ones too), the longest first: a handful."""
    return _per_request(
        f"overrides:{school_id}",
        lambda: list(
            db.session.scalars(
                select(IntakeOverride)
                .where(IntakeOverride.school_id == school_id)
                .order_by(IntakeOverride.until.desc(), IntakeOverride.id)
            )
        ),
    )


def school_overrides(term_id: int, school_id: int) -> list[IntakeOverride]:
    """The late entries an admin granted this school for this term (revoked ones too)."""
    return [o for o in _all_school_overrides(school_id) if o.term_id == term_id]


def active_override(term: Term, school_id: int, now: datetime) -> IntakeOverride | None:
    """The late entry that keeps the intake open longest for this school now, if any."""
    active = [
        o for o in school_overrides(term.id, school_id) if rules.override_active(o, now)
    ]
    return max(active, key=lambda o: o.until, default=None)


def intake_window(term: Term, school_id: int, now: datetime | None = None) -> Window:
    """The one guard for entering, changing and deleting requests: open, or when it opens or
    since when it is closed."""
    now = now or utcnow()
    return window_for(term, active_override(term, school_id, now), now)


def window_for(term: Term, override: IntakeOverride | None, now: datetime) -> Window:
    """The intake window of a term for a school whose active late entry (if any) is known."""
    if rules.intake_open(term, now) and (
        override is None or override.until <= term.intake_closes_at
    ):
        return Window(
            True,
            str(
                _l(
                    "Stageaanvragen ingeven kan tot %(at)s.",
                    at=_moment(term.intake_closes_at),
                )
            ),
            term.intake_closes_at,
        )
    if override is not None:
        return Window(
            True,
            str(
                _l(
                    "VIVO opende de ingave voor je school tot %(at)s.",
                    at=_moment(override.until),
                )
            ),
            override.until,
        )
    if now < term.intake_opens_at:
        return Window(
            False,
            str(
                _l(
                    "Stageaanvragen voor %(term)s ingeven kan vanaf %(at)s.",
                    term=term.name,
                    at=_moment(term.intake_opens_at),
                )
            ),
        )
    return Window(
        False,
        str(
            _l(
                "De ingave van stageaanvragen voor %(term)s is afgesloten sinds %(at)s. Je kan de aanvragen nog bekijken.",
                term=term.name,
                at=_moment(term.intake_closes_at),
            )
        ),
    )


# --- ready values for templates ----------------------------------------------------------


@dataclass(frozen=True)
class TermState:
    """A term at one moment, with everything a page shows about its timetable."""

    term: Term
    phase: Phase
    intake_open: bool
    released: bool
    acceptance_open: bool
    second_round: bool
    final: bool
    # The moments, named apart from Term's columns: pages read them here, never on the term.
    intake_opens: datetime
    intake_closes: datetime
    release: datetime
    results: datetime
    accept_until: datetime
    second_round_deadline: datetime | None

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS[self.phase])


def term_state(term: Term, now: datetime | None = None) -> TermState:
    """The state of `term` now (for a school's own window, ask `intake_window`)."""
    now = now or utcnow()
    return TermState(
        term=term,
        phase=rules.phase(term, now),
        intake_open=rules.intake_open(term, now),
        released=rules.released(term, now),
        acceptance_open=rules.acceptance_open(term, now),
        second_round=rules.second_round_open(term, now),
        final=rules.results_final(term, now),
        intake_opens=term.intake_opens_at,
        intake_closes=term.intake_closes_at,
        release=rules.release_moment(term),
        results=term.results_at,
        accept_until=rules.acceptance_deadline(term, now),
        second_round_deadline=term.second_round_until,
    )


def acceptance_closed_message(
    term: Term, own_province: bool, now: datetime | None = None
) -> str | None:
    """Why a service cannot accept this term's request now, in the manual's words; None while
    it can, or when the request was never offered to it (another province, no second round)."""
    now = now or utcnow()
    if rules.acceptance_open(term, now) or not (
        own_province or term.second_round_until
    ):
        return None
    if not rules.released(term, now):
        return str(
            _l(
                "De stageaanvragen voor %(term)s worden zichtbaar op %(at)s.",
                term=term.name,
                at=_moment(rules.release_moment(term)),
            )
        )
    closed_at = (
        term.second_round_until
        if rules.results_final(term, now) and term.second_round_until
        else term.results_at
    )
    return str(
        _l(
            "Aanvaarden voor %(term)s kon tot %(at)s; de resultaten zijn definitief.",
            term=term.name,
            at=_moment(closed_at),
        )
    )


def placements_final(placements, now: datetime | None = None) -> bool:
    """Are these acceptances final: results final and none still withdrawable by its service
    (a second-round acceptance stays provisional while that round runs)?"""
    now = now or utcnow()
    return all(
        rules.results_final(p.student.term, now) and not service_may_withdraw(p, now)
        for p in placements
    )


def stop_span(term: Term, now: datetime) -> tuple[date, date]:
    """The days on which a trainee of this term can have stopped: from the day the term's
    intake opened (no request is older) to the last day of the internship, and never after
    today (a stop is recorded once it happened)."""
    opened = local_date(term.intake_opens_at)
    last = min(term.internship_end, local_date(now))
    return min(opened, last), last


def stop_undoable(term: Term, now: datetime) -> bool:
    """May a school still undo "student is gestopt" (a mistake, or the trainee came back)?
    Until the term's results moment: after it, the results are final for everyone."""
    return not rules.results_final(term, now)


def acceptances_final(term: Term, accepted_at: list[datetime], now: datetime) -> bool:
    """placements_final for acceptances of `term` known only by their moments."""
    return rules.results_final(term, now) and not any(
        rules.service_may_withdraw(term, moment, now) for moment in accepted_at
    )


def service_may_withdraw(placement, now: datetime | None = None) -> bool:
    """May the service that made this acceptance still withdraw it (SVC-4)?"""
    return acceptance_withdrawable(
        placement.student.term, placement.created_at, now or utcnow()
    )


def acceptance_withdrawable(term: Term, accepted_at: datetime, now: datetime) -> bool:
    """service_may_withdraw for an acceptance known by its term and moment."""
    return rules.service_may_withdraw(term, accepted_at, now)


# --- lists of terms ----------------------------------------------------------------------


def all_terms() -> list[Term]:
    """Every term, the most recent internship span first (a few per school year)."""
    return list(
        _per_request(
            "terms",
            lambda: list(
                db.session.scalars(
                    select(Term).order_by(Term.internship_start.desc(), Term.id)
                )
            ),
        )
    )


def open_intakes(
    now: datetime | None = None, school_id: int | None = None
) -> list[tuple[Term, Window]]:
    """Terms in which requests can be entered now; for a school, its late entries count."""
    now = now or utcnow()
    query = select(Term)
    if school_id is None:
        query = query.where(rules.intake_open_sql(now))
    else:
        query = query.where(rules.intake_open_for_school_sql(school_id, now))
    terms = db.session.scalars(query.order_by(Term.intake_closes_at)).all()
    if school_id is None:
        return [(t, Window(True, "", t.intake_closes_at)) for t in terms]
    return [(t, intake_window(t, school_id, now)) for t in terms]


def browsable_terms(now: datetime | None = None) -> list[Term]:
    """Terms whose requests services may browse and accept now (first or second round)."""
    now = now or utcnow()
    return sorted(
        (term for term in all_terms() if rules.acceptance_open(term, now)),
        key=lambda term: (term.internship_start, term.id),
    )


def chosen_term(
    wanted_id: int | None, school_id: int | None = None
) -> tuple[list[Term], Term | None]:
    """(every term, the term asked for, or else the default one for this school)."""
    terms = all_terms()
    term = next((t for t in terms if t.id == wanted_id), None)
    return terms, term or default_term(terms, utcnow(), school_id)


def default_term(
    terms: list[Term], now: datetime | None = None, school_id: int | None = None
) -> Term | None:
    """The term whose intake is open (for this school), else the next to open, else the latest."""
    now = now or utcnow()
    if school_id is not None:
        open_now = [t for t, _ in open_intakes(now, school_id)]
    else:
        open_now = [t for t in terms if rules.intake_open(t, now)]
    open_now = [t for t in terms if t in open_now]
    if open_now:
        return min(open_now, key=lambda t: t.intake_closes_at)
    upcoming = [t for t in terms if rules.phase(t, now) is Phase.UPCOMING]
    if upcoming:
        return min(upcoming, key=lambda t: t.intake_opens_at)
    return terms[0] if terms else None


def accepting_term(terms: list[Term], now: datetime | None = None) -> Term | None:
    """The term VIVO watches: the one whose services are accepting, the nearest results
    moment first (its unplaced students matter now); else `default_term`."""
    now = now or utcnow()
    accepting = [t for t in terms if rules.acceptance_open(t, now)]
    if accepting:
        return min(accepting, key=lambda t: t.results_at)
    return default_term(terms, now)


@dataclass(frozen=True)
class Deadline:
    term: Term
    label: object  # a lazy translated string
    at: datetime
    opening: bool = False  # something opens (not a deadline)


def _live_terms(now: datetime) -> list[Term]:
    """The terms whose timetable still has something ahead: not final yet, or in a second round."""
    return [
        term
        for term in all_terms()
        if not rules.results_final(term, now) or rules.second_round_open(term, now)
    ]


def _active_overrides(school_id: int, now: datetime) -> dict[int, IntakeOverride]:
    """The school's running late entries, the longest per term, by term id."""
    overrides: dict[int, IntakeOverride] = {}
    for override in _all_school_overrides(school_id):
        if not rules.override_active(override, now):
            continue
        kept = overrides.get(override.term_id)
        if kept is None or override.until > kept.until:
            overrides[override.term_id] = override
    return overrides


def upcoming_moments(
    now: datetime | None = None,
    role: str = "admin",
    school_id: int | None = None,
    terms: list[Term] | None = None,
    overrides: dict[int, IntakeOverride] | None = None,
) -> list[Deadline]:
    """The coming moments of the timetable that matter to `role`, soonest first; a school's
    own late entries count. `terms` and `overrides` may be given when already loaded."""
    now = now or utcnow()
    terms = _live_terms(now) if terms is None else terms
    if overrides is None:
        overrides = _active_overrides(school_id, now) if school_id is not None else {}
    moments = []
    for term in terms:
        if role in ("school", "admin"):
            moments += [
                Deadline(
                    term, _l("ingave stageaanvragen opent"), term.intake_opens_at, True
                ),
                Deadline(
                    term, _l("ingave stageaanvragen sluit"), term.intake_closes_at
                ),
            ]
        if role in ("service", "admin") and term.requests_visible_at:
            moments.append(
                Deadline(
                    term,
                    _l("aanvragen zichtbaar voor diensten"),
                    term.requests_visible_at,
                    True,
                )
            )
        moments.append(Deadline(term, _l("resultaten definitief"), term.results_at))
        if term.second_round_until:
            moments.append(
                Deadline(term, _l("tweede ronde sluit"), term.second_round_until)
            )
        late = overrides.get(term.id)
        if late is not None:
            moments.append(
                Deadline(term, _l("late ingave voor je school sluit"), late.until)
            )
    return sorted((m for m in moments if m.at > now), key=lambda m: m.at)


def banner(user, now: datetime | None = None) -> dict:
    """What is open now for this user and the next deadline (TERM-4). Every page shows it, so
    it loads the live terms (and a school's late entries) once and decides the rest here."""
    now = now or utcnow()
    role = user.role
    school_id = user.school_id if role == "school" else None
    terms = _live_terms(now)
    overrides = _active_overrides(school_id, now) if school_id is not None else {}
    moments = upcoming_moments(now, role, school_id, terms, overrides)
    deadline = next((m for m in moments if not m.opening), None)
    result = {
        "role": role,
        "open": [],
        "opening": None,
        "browsing": [],
        "second_rounds": [],
        "next": deadline,
    }
    if role in ("school", "admin"):
        by_close = sorted(terms, key=lambda t: t.intake_closes_at)
        result["open"] = [
            (t, window_for(t, overrides.get(t.id), now))
            for t in by_close
            if rules.intake_open(t, now) or t.id in overrides
        ]
        school_moments = (
            moments
            if role == "school"
            else upcoming_moments(now, "school", None, terms, {})
        )
        result["opening"] = next((m for m in school_moments if m.opening), None)
    if role in ("service", "admin"):
        result["browsing"] = [
            term_state(t, now)
            for t in sorted(terms, key=lambda t: t.internship_start)
            if rules.acceptance_open(t, now)
        ]
    if role == "school":
        result["second_rounds"] = [
            term_state(t, now) for t in terms if rules.second_round_open(t, now)
        ]
    return result
