"""Ready data for the schedule pages: the "Timing" table of the manual (TERM-4), generated
from the terms, and the lists on VIVO's timetable screens. Templates only print it."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app.extensions import db
from app.querytools import contains
from app.models import (
    CareService,
    IntakeOverride,
    Placement,
    School,
    Student,
    Term,
    User,
    utcnow,
)
from app.schedule import rules
from app.schedule.clock import school_year_label, school_year_of, to_local
from app.schedule.timetable import TermState, intake_window, term_state

PAST, NOW, LATER = "past", "now", "later"


def _moment(value) -> str:
    from app.context import moment

    return moment(value)


def _at_midnight(value: datetime) -> bool:
    local = to_local(value)
    return (local.hour, local.minute) == (0, 0)


def _day(value: datetime) -> str:
    return to_local(value).strftime("%d/%m/%Y")


def _until(value: datetime):
    """ "Tot 15/11/2026 12:00", or as the manual says for midnight: "Vóór 15/11/2026"."""
    if _at_midnight(value):
        return _l("Vóór %(day)s", day=_day(value))
    return _l("Tot %(at)s", at=_moment(value))


def _from(value: datetime):
    """ "Vanaf 15/11/2026 12:00", or "Vanaf 15/11/2026" from midnight."""
    return _l("Vanaf %(at)s", at=_day(value) if _at_midnight(value) else _moment(value))


def _after(value: datetime):
    """ "Na 15/11/2026 12:00", or "Vanaf 15/11/2026" from midnight."""
    if _at_midnight(value):
        return _l("Vanaf %(at)s", at=_day(value))
    return _l("Na %(at)s", at=_moment(value))


def _span(start: datetime, end: datetime):
    """ "Van <start> tot <end>", midnight shown as the day alone ("vóór" the end's day)."""
    shown_start = _day(start) if _at_midnight(start) else _moment(start)
    if _at_midnight(end):
        return _l("Van %(start)s tot vóór %(day)s", start=shown_start, day=_day(end))
    return _l("Van %(start)s tot %(end)s", start=shown_start, end=_moment(end))


@dataclass(frozen=True)
class TimingRow:
    """One line of the Timing table: when, what, and whether it is past, now or later."""

    at: datetime  # the moment it is sorted by
    when: str
    what: str
    status: str


@dataclass(frozen=True)
class TimingYear:
    label: str
    schools: list[TimingRow]
    services: list[TimingRow]


def _status(open_now: bool, over: bool) -> str:
    return NOW if open_now else (PAST if over else LATER)


def school_rows(
    term: Term, now: datetime, school_id: int | None = None
) -> list[TimingRow]:
    """What a school does by when for this term; a school's late entry moves its deadline."""
    state = term_state(term, now)
    closes = state.intake_closes
    intake_now = state.intake_open
    if school_id is not None:
        window = intake_window(term, school_id, now)
        intake_now = window.open
        closes = window.until if window.open else closes
    upcoming = state.phase is rules.Phase.UPCOMING
    when = _span(state.intake_opens, closes) if upcoming else _until(closes)
    rows = [
        TimingRow(
            closes,
            str(when),
            str(
                _l(
                    "Cursisten met stageperiode %(term)s: stageaanvragen en voorkeursdienst ingeven.",
                    term=term.name,
                )
            ),
            _status(intake_now, not intake_now and not upcoming),
        ),
        # "Definitief raadplegen" is now from the results moment until the internship is over.
        TimingRow(
            state.results,
            str(_after(state.results)),
            str(
                _l(
                    "Het CVO kan de cursisten en hun stageplaatsen voor %(term)s definitief raadplegen.",
                    term=term.name,
                )
            ),
            _status(
                state.final and state.phase is not rules.Phase.CLOSED,
                state.phase is rules.Phase.CLOSED,
            ),
        ),
    ]
    if state.second_round_deadline:
        rows.append(
            _second_round_row(
                state,
                now,
                _l(
                    "Tweede ronde: diensten van alle provincies kunnen nog niet geplaatste cursisten van %(term)s aanvaarden.",
                    term=term.name,
                ),
            )
        )
    return rows


def service_rows(term: Term, now: datetime) -> list[TimingRow]:
    """When a service sees this term's requests and until when it can accept."""
    state = term_state(term, now)
    first_round = rules.first_round_open(term, now)
    rows = [
        # The release opens the first round; once the results are final this line is past.
        TimingRow(
            state.release,
            str(_from(state.release)),
            str(
                _l(
                    "Stageaanvragen van cursisten met stageperiode %(term)s zichtbaar voor de diensten van hun provincie.",
                    term=term.name,
                )
            ),
            _status(first_round, state.final),
        ),
        TimingRow(
            state.results,
            str(_until(state.results)),
            str(
                _l(
                    "Cursisten met stageperiode %(term)s aanvaarden (daarna zijn de resultaten definitief).",
                    term=term.name,
                )
            ),
            _status(first_round, state.final),
        ),
    ]
    if state.second_round_deadline:
        rows.append(
            _second_round_row(
                state,
                now,
                _l(
                    "Tweede ronde: nog niet geplaatste cursisten van %(term)s uit alle provincies aanvaarden.",
                    term=term.name,
                ),
            )
        )
    return rows


def _second_round_row(state: TermState, now: datetime, what) -> TimingRow:
    when = _span(state.results, state.second_round_deadline)
    return TimingRow(
        state.second_round_deadline,
        str(when),
        str(what),
        _status(state.second_round, now >= state.second_round_deadline),
    )


def timing_years(
    role: str, school_id: int | None = None, now: datetime | None = None
) -> list[TimingYear]:
    """The Timing tables of this school year and the next, for `role` (admins get both)."""
    now = now or utcnow()
    current = school_year_of(now)
    years = []
    for year in (current, current + 1):
        terms = db.session.scalars(select(Term).where(Term.school_year == year)).all()
        if not terms:
            continue
        schools = (
            [row for t in terms for row in school_rows(t, now, school_id)]
            if role in ("school", "admin")
            else []
        )
        services = (
            [row for t in terms for row in service_rows(t, now)]
            if role in ("service", "admin")
            else []
        )
        years.append(
            TimingYear(
                school_year_label(year),
                sorted(schools, key=lambda r: r.at),
                sorted(services, key=lambda r: r.at),
            )
        )
    return years


# --- VIVO's lists ------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolYearTerms:
    year: int
    label: str
    states: list[TermState]


def terms_by_school_year(now: datetime | None = None) -> list[SchoolYearTerms]:
    """Every term with its state, grouped by school year, the newest year first."""
    now = now or utcnow()
    terms = db.session.scalars(
        select(Term).order_by(Term.school_year.desc(), Term.internship_start, Term.id)
    ).all()
    groups: dict[int, list[TermState]] = {}
    for term in terms:
        groups.setdefault(term.school_year, []).append(term_state(term, now))
    return [
        SchoolYearTerms(year, school_year_label(year), states)
        for year, states in groups.items()
    ]


def term_placements(term: Term, search: str = "", page: int = 1, per_page: int = 25):
    """The acceptances of a term (student, school, service, period), searchable, one page."""
    query = (
        select(Placement)
        .join(Student, Placement.student_id == Student.id)
        .join(School, Student.school_id == School.id)
        .join(CareService, Placement.care_service_id == CareService.id)
        .where(Student.term_id == term.id)
    )
    search = search.strip()
    if search:
        full_name = Student.first_name + " " + Student.last_name
        query = query.where(
            or_(
                *(
                    contains(column, search)
                    for column in (
                        full_name,
                        Student.last_name,
                        School.name,
                        CareService.name,
                    )
                )
            )
        )
    query = query.order_by(Student.last_name, Student.first_name, Placement.id).options(
        # What each line shows, loaded per page, never per line.
        contains_eager(Placement.student).contains_eager(Student.school),
        contains_eager(Placement.care_service),
        selectinload(Placement.period),
    )
    result = db.paginate(
        query, page=page, per_page=per_page, error_out=False, count=True
    )
    if result.pages and page > result.pages:  # past the end: the last page
        result = db.paginate(
            query, page=result.pages, per_page=per_page, error_out=False, count=True
        )
    return result


MAX_PAGE = 1_000_000


def page_number(raw: str | None) -> int:
    """A page number from the query string: 1 when it is none, never beyond MAX_PAGE (a
    20-digit page would overflow the database's OFFSET)."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def second_round_placements(term: Term, placements) -> set[int]:
    """The ids of the acceptances made in the second round: on or after the results moment."""
    return {p.id for p in placements if p.created_at >= term.results_at}


@dataclass(frozen=True)
class OverrideLine:
    override: IntakeOverride
    school_name: str
    term_label: (
        str  # "name (2025-2026)": names repeat after a new school year is copied
    )
    granted_by: str
    revoked_by: str
    active: bool


def override_lines(
    now: datetime | None = None,
) -> tuple[list[OverrideLine], list[OverrideLine]]:
    """Late entries (active, past), most recent first, with who granted and revoked them."""
    now = now or utcnow()
    granter, revoker = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            IntakeOverride,
            School.name,
            Term.name,
            Term.school_year,
            granter.email,
            revoker.email,
        )
        .join(School, IntakeOverride.school_id == School.id)
        .join(Term, IntakeOverride.term_id == Term.id)
        .outerjoin(granter, IntakeOverride.created_by_id == granter.id)
        .outerjoin(revoker, IntakeOverride.revoked_by_id == revoker.id)
        .order_by(IntakeOverride.created_at.desc(), IntakeOverride.id.desc())
    ).all()
    lines = [
        OverrideLine(
            o,
            school,
            f"{term} ({school_year_label(year)})",
            by or "",
            revoked or "",
            rules.override_active(o, now),
        )
        for o, school, term, year, by, revoked in rows
    ]
    return [line for line in lines if line.active], [
        line for line in lines if not line.active
    ]
