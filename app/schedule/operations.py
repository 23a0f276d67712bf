"""State changes of the timetable: terms, a new school year, late entries, second rounds and
VIVO's withdrawal of an acceptance. Each records its audit event; the caller commits."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.models import IntakeOverride, Placement, School, Student, Term, User
from app.outbox import in_language, queue_mail
from app.auth.logic import active_logins
from app.schedule import rules
from app.schedule.clock import brussels, from_local, to_local
from app.schedule.timetable import active_override, term_state

# Every date and moment VIVO enters lies in these years; outside them a typo (0001, 20255)
# would be stored, or overflow when shown in Brussels time or copied a year later.
MIN_YEAR, MAX_YEAR = 2000, 2100


def year_in_range(value: date | datetime | None) -> bool:
    """True for a missing value or one whose (Brussels) calendar year lies in the range."""
    if value is None:
        return True
    if isinstance(value, datetime) and value.tzinfo is not None:
        if (
            not MIN_YEAR - 1 <= value.year <= MAX_YEAR + 1
        ):  # the UTC year; Brussels differs by hours
            return False
        value = to_local(value)
    return MIN_YEAR <= value.year <= MAX_YEAR


def internship_over_at(term_end: date) -> datetime:
    """The moment the internship span ends: midnight (Brussels) after its last day."""
    return brussels(term_end + timedelta(days=1))


# --- terms -------------------------------------------------------------------------------


def timetable_problems(values: dict) -> dict[str, str]:
    """What is wrong with the order of a term's dates and moments, by field (TERM-1).

    The same order the database's check constraints demand, so that a form, not the
    database, says what is wrong. Missing values are left to the fields' own checks.
    """
    v = values.get
    problems = {}
    if (
        v("internship_start")
        and v("internship_end")
        and v("internship_end") < v("internship_start")
    ):
        problems["internship_end"] = _l("Het einde van de stage ligt vóór het begin.")
    if (
        v("intake_opens_at")
        and v("intake_closes_at")
        and v("intake_closes_at") <= v("intake_opens_at")
    ):
        problems["intake_closes_at"] = _l(
            "De ingave moet sluiten na het moment waarop ze opent."
        )
    if (
        v("intake_closes_at")
        and v("results_at")
        and v("results_at") < v("intake_closes_at")
    ):
        problems["results_at"] = _l(
            "De resultaten kunnen pas definitief worden nadat de ingave sluit."
        )
    if (
        v("requests_visible_at")
        and v("results_at")
        and v("requests_visible_at") >= v("results_at")
    ):
        problems["requests_visible_at"] = _l(
            "De aanvragen moeten zichtbaar worden vóór de resultaten definitief zijn."
        )
    if (
        v("second_round_until")
        and v("results_at")
        and v("second_round_until") <= v("results_at")
    ):
        problems["second_round_until"] = _l(
            "De tweede ronde moet eindigen na het moment waarop de resultaten definitief zijn."
        )
    elif (
        v("second_round_until")
        and v("internship_end")
        and v("second_round_until") > internship_over_at(v("internship_end"))
    ):
        problems["second_round_until"] = _l(
            "De tweede ronde moet eindigen uiterlijk op de laatste stagedag (%(day)s).",
            day=v("internship_end").strftime("%d/%m/%Y"),
        )
    return problems


def late_entry_problems(term: Term, values: dict, now: datetime) -> dict[str, str]:
    """A new results moment may not fall before a running late entry ends (it would leave
    requests entered that no service can accept)."""
    from app.context import moment

    results = values.get("results_at")
    running = [
        o
        for o in db.session.scalars(
            select(IntakeOverride).where(IntakeOverride.term_id == term.id)
        )
        if rules.override_active(o, now)
    ]
    latest = max((o.until for o in running), default=None)
    if results is not None and latest is not None and results <= latest:
        return {
            "results_at": _(
                "Er loopt een late ingave tot %(at)s; de resultaten kunnen pas daarna "
                "definitief worden. Pas die late ingave eerst aan.",
                at=moment(latest),
            )
        }
    return {}


def request_count(term: Term) -> int:
    """How many internship requests (students) schools entered for this term."""
    return db.session.scalar(
        select(func.count(Student.id)).where(Student.term_id == term.id)
    )


def create_term(values: dict) -> Term:
    """A new term with its timetable."""
    term = Term(**values)
    db.session.add(term)
    db.session.flush()
    audit.record("term.created", term)
    return term


def changed_fields(term: Term, values: dict) -> list[str]:
    """The columns whose value would change."""
    return [name for name, value in values.items() if getattr(term, name) != value]


def update_term(term: Term, values: dict) -> list[str]:
    """Save new values; returns the columns that changed (audited by name)."""
    changed = changed_fields(term, values)
    for name in changed:
        setattr(term, name, values[name])
    if changed:
        audit.record("term.updated", term, detail=",".join(changed))
    return changed


FIELD_LABELS = {
    "name": _l("Naam"),
    "school_year": _l("Schooljaar"),
    "internship_start": _l("Stage van"),
    "internship_end": _l("Stage tot en met"),
    "intake_opens_at": _l("Ingave opent"),
    "intake_closes_at": _l("Ingave sluit"),
    "requests_visible_at": _l("Aanvragen zichtbaar voor diensten"),
    "results_at": _l("Resultaten definitief"),
    "second_round_until": _l("Tweede ronde tot"),
}


@dataclass(frozen=True)
class Change:
    """One changed field of a term, old and new value as the pages show them."""

    label: str
    old: str
    new: str


def _shown(name: str, value) -> str:
    from app.context import moment

    if value is None or value == "":
        return "—"
    if name == "school_year":
        return f"{value}-{value + 1}"
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def term_changes(term: Term, values: dict) -> list[Change]:
    """Every field the admin changed, old -> new, in the order of the form; an empty release
    moment shows the moment it stands for (the opening)."""

    def old(name):
        if name == "requests_visible_at":
            return rules.release_moment(term)
        return getattr(term, name)

    return [
        Change(
            str(FIELD_LABELS[name]), _shown(name, old(name)), _shown(name, values[name])
        )
        for name in FIELD_LABELS
        if name in values and getattr(term, name) != values[name]
    ]


def change_consequences(term: Term, values: dict, now: datetime) -> list[str]:
    """What a change to a term with requests means for schools and services, in their words;
    only for the fields that change."""
    from app.context import moment

    def moved(name):
        old, new = getattr(term, name), values[name]
        return (
            None
            if old == new
            else (
                "later"
                if (old is None or (new is not None and new > old))
                else "earlier"
            )
        )

    def now_past(
        name,
    ):  # the change moves a moment that still lay ahead to now or before
        old, new = getattr(term, name), values[name]
        return (
            old != new and new is not None and new <= now and (old is None or old > now)
        )

    said = []
    if now_past("intake_closes_at"):
        said.append(
            _(
                "De ingave sluit meteen: scholen kunnen vanaf het opslaan geen aanvragen meer ingeven of wijzigen."
            )
        )
    elif moved("intake_closes_at") == "earlier":
        said.append(
            _(
                "Als je de ingave vroeger sluit, kunnen scholen hun aanvragen vanaf dan niet meer ingeven of wijzigen."
            )
        )
    elif moved("intake_closes_at") == "later":
        said.append(_("Scholen kunnen langer aanvragen ingeven en wijzigen."))
    if moved("intake_opens_at") == "later":
        said.append(
            _(
                "Als je de ingave later opent, kunnen scholen tot dan geen aanvragen ingeven of wijzigen."
            )
        )
    old_release = rules.release_moment(term)
    new_release = (
        values.get("requests_visible_at")
        or values.get("intake_opens_at")
        or old_release
    )
    if new_release != old_release:
        if old_release <= now < new_release:
            said.append(
                _(
                    "Diensten zien de aanvragen niet meer tot %(at)s.",
                    at=moment(new_release),
                )
            )
        else:
            said.append(
                _("Diensten zien de aanvragen vanaf %(at)s.", at=moment(new_release))
            )
    if now_past("results_at"):
        said.append(
            _(
                "De resultaten worden meteen definitief: diensten kunnen vanaf het opslaan niet meer aanvaarden of hun aanvaarding intrekken."
            )
        )
    elif moved("results_at") == "earlier":
        said.append(
            _(
                "Als de resultaten vroeger definitief worden, kunnen diensten vanaf dan niet meer aanvaarden of hun aanvaarding intrekken."
            )
        )
    elif (
        moved("results_at") == "later"
        and rules.results_final(term, now)
        and values["results_at"] > now
    ):
        said.append(
            _(
                "De resultaten zijn nu definitief en worden opnieuw voorlopig: diensten kunnen weer "
                "aanvaarden en hun aanvaarding intrekken tot %(at)s.",
                at=moment(values["results_at"]),
            )
        )
    elif moved("results_at") == "later":
        said.append(
            _(
                "Diensten kunnen langer aanvaarden en hun aanvaarding intrekken; de resultaten blijven langer voorlopig."
            )
        )
    if moved("internship_start") or moved("internship_end"):
        said.append(
            _(
                "De periodes van de bestaande aanvragen veranderen niet mee; controleer of ze nog binnen de stage vallen."
            )
        )
    if moved("second_round_until") and values["second_round_until"] is None:
        said.append(_("De tweede ronde vervalt."))
    elif now_past("second_round_until"):
        said.append(_("De tweede ronde sluit meteen."))
    elif moved("second_round_until"):
        said.append(_("De tweede ronde loopt tot het nieuwe moment."))
    if moved("name"):
        said.append(_("Scholen en diensten zien de stageperiode onder de nieuwe naam."))
    if moved("school_year"):
        said.append(
            _("Scholen en diensten zien de stageperiode in het nieuwe schooljaar.")
        )
    return said


# --- a new school year (TERM-8) ----------------------------------------------------------


def next_year_date(day: date) -> date:
    """The same calendar day a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def next_year_moment(moment: datetime | None) -> datetime | None:
    """The same Brussels wall-clock time a year later (12:00 stays 12:00 across DST)."""
    if moment is None:
        return None
    local = to_local(moment)
    return from_local(datetime.combine(next_year_date(local.date()), local.time()))


def next_year_name(name: str) -> str:
    """Every four-digit year in a name one higher: "1 okt – 31 dec 2022" -> "... 2023"."""
    return re.sub(r"(?<!\d)(\d{4})(?!\d)", lambda m: str(int(m.group(1)) + 1), name)


COPIED_DATES = (
    "internship_start",
    "internship_end",
    "intake_opens_at",
    "intake_closes_at",
    "requests_visible_at",
    "results_at",
)


def _calendar_year(value: date | datetime) -> int:
    """The year of a date, or of a moment in Brussels."""
    return to_local(value).year if isinstance(value, datetime) else value.year


def copy_school_year(year: int) -> tuple[list[Term], str | None]:
    """Copy every term of `year` to `year + 1`, dates a year later; (new terms, refusal)."""
    source = db.session.scalars(
        select(Term).where(Term.school_year == year).order_by(Term.internship_start)
    ).all()
    if not source:
        return [], _("Het schooljaar heeft geen stageperiodes om te kopiëren.")
    if db.session.scalar(
        select(func.count(Term.id)).where(Term.school_year == year + 1)
    ):
        return [], _(
            "Het schooljaar %(year)s heeft al stageperiodes; pas die aan in plaats van te kopiëren.",
            year=f"{year + 1}-{year + 2}",
        )

    def movable(value) -> bool:  # in the range now and a year later
        return value is None or (
            year_in_range(value) and _calendar_year(value) < MAX_YEAR
        )

    if year + 1 > MAX_YEAR or not all(
        movable(getattr(term, name)) for term in source for name in COPIED_DATES
    ):
        return [], _(
            "Het schooljaar kan niet gekopieerd worden: alle datums moeten tussen %(first)d en %(last)d liggen.",
            first=MIN_YEAR,
            last=MAX_YEAR,
        )
    copies = []
    for term in source:
        values = dict(
            name=next_year_name(term.name),
            school_year=year + 1,
            internship_start=next_year_date(term.internship_start),
            internship_end=next_year_date(term.internship_end),
            intake_opens_at=next_year_moment(term.intake_opens_at),
            intake_closes_at=next_year_moment(term.intake_closes_at),
            requests_visible_at=next_year_moment(term.requests_visible_at),
            results_at=next_year_moment(term.results_at),
            second_round_until=None,
        )
        if timetable_problems(values):  # only when 29 February folds onto the 28th
            return [], _(
                "%(name)s kan niet gekopieerd worden: de volgorde van de momenten klopt niet meer.",
                name=term.name,
            )
        copies.append(Term(**values))
    db.session.add_all(copies)
    db.session.flush()
    audit.record(
        "term.school_year_copied",
        None,
        detail=f"{year}->{year + 1}: " + ",".join(str(t.id) for t in copies),
    )
    return copies, None


# --- late entry (TERM-3) -----------------------------------------------------------------


def override_problems(
    term: Term, school_id: int, until: datetime, now: datetime
) -> dict[str, str]:
    """Why a late entry for this school and term until `until` cannot be granted, by field."""
    from app.context import moment

    if until >= term.results_at:  # also every term whose results are already final
        return {
            "until": _(
                "Een late ingave moet eindigen vóór de resultaten definitief zijn (%(at)s).",
                at=moment(term.results_at),
            )
        }
    if (
        until <= term.intake_closes_at
    ):  # also before the window opens: that is no late entry
        return {
            "until": _(
                "De ingave loopt voor alle scholen tot %(at)s; een late ingave moet later eindigen.",
                at=moment(term.intake_closes_at),
            )
        }
    existing = active_override(term, school_id, now)
    if existing is not None:
        return {
            "school_id": _(
                "Deze school heeft al een late ingave voor deze stageperiode tot %(at)s. "
                "Trek die eerst in om een andere toe te kennen.",
                at=moment(existing.until),
            )
        }
    return {}


def grant_override(
    term: Term, school: School, until: datetime, reason: str, admin: User
) -> IntakeOverride:
    """Open the intake for one school and one term until `until`, with a logged reason."""
    override = IntakeOverride(
        term_id=term.id,
        school_id=school.id,
        until=until,
        reason=reason,
        created_by_id=admin.id,
    )
    db.session.add(override)
    db.session.flush()
    audit.record(
        "intake_override.granted",
        override,
        detail=f"term {term.id}, school {school.id}",
    )
    return override


def revoke_override(override: IntakeOverride, admin: User, now: datetime) -> bool:
    """End a late entry now; False when it was already revoked."""
    if override.revoked_at is not None:
        return False
    override.revoked_at, override.revoked_by_id = now, admin.id
    audit.record("intake_override.revoked", override)
    return True


# --- second round (TERM-7) ---------------------------------------------------------------


def second_round_refusal(
    term: Term, until: datetime | None, now: datetime
) -> str | None:
    """Why a second round cannot open (or be extended) until `until` now, or None."""
    if not rules.second_round_may_open(term, now):
        return _("Een tweede ronde kan pas openen nadat de resultaten definitief zijn.")
    if until is not None and (until <= now or until <= term.results_at):
        return _("Kies een einde van de tweede ronde in de toekomst.")
    if until is not None and until > internship_over_at(term.internship_end):
        return _(
            "De tweede ronde moet eindigen uiterlijk op de laatste stagedag (%(day)s).",
            day=term.internship_end.strftime("%d/%m/%Y"),
        )
    return None


def open_second_round(term: Term, until: datetime, now: datetime) -> str | None:
    """Open or extend the second round until `until`; the refusal, or None when done."""
    refusal = second_round_refusal(term, until, now)
    if refusal:
        return refusal
    term.second_round_until = until
    audit.record("term.second_round_opened", term, detail=until.isoformat())
    return None


def close_second_round(term: Term, now: datetime) -> bool:
    """End a running second round now, or drop one planned before the results; False when
    there is nothing to close (a round that ended stays on record)."""
    if rules.second_round_open(term, now):
        term.second_round_until = now
    elif term.second_round_until is not None and not rules.results_final(term, now):
        term.second_round_until = None
    else:
        return False
    audit.record("term.second_round_closed", term)
    return True


# --- withdrawal by VIVO (SVC-4) ----------------------------------------------------------


def admin_withdraw(
    placement: Placement, reason: str, admin: User, now: datetime
) -> None:
    """Withdraw an acceptance at any time, with a reason mailed to the school and the service,
    each login in its own language. The mail says what happens next: while services can
    accept, the period is open again; after that only a second round can place the student."""
    student, service, period = (
        placement.student,
        placement.care_service,
        placement.period,
    )
    audit.record(
        "placement.withdrawn_by_admin",
        student,
        user_id=admin.id,
        detail=f"placement {placement.id}, period {period.number}, service {service.id}: {reason}",
    )
    db.session.delete(placement)
    db.session.flush()
    db.session.expire(student, ["placements"])
    state = term_state(student.term, now)
    for audience, owner in (
        ("school", User.school_id == student.school_id),
        ("service", User.care_service_id == service.id),
    ):
        for email, language in active_logins(owner):
            with in_language(language):
                subject = _(
                    "Stagematching: VIVO heeft de aanvaarding van %(name)s door %(service)s ingetrokken",
                    name=student.full_name,
                    service=service.name,
                )
                queue_mail(
                    email,
                    subject,
                    "admin_withdrawn",
                    student=student,
                    service=service,
                    period=period,
                    reason=reason,
                    for_service=audience == "service",
                    state=state,
                )
