"""The timetable: which intake windows are open now and what the next deadline is."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Term, utcnow


def intake_is_open(term: Term, now: datetime) -> bool:
    """True while schools may enter requests for `term`."""
    return term.intake_opens_at <= now < term.intake_closes_at


def results_are_final(term: Term, now: datetime) -> bool:
    """True from the results moment on ("definitief raadplegen")."""
    return now >= term.results_at


@dataclass(frozen=True)
class Deadline:
    term: Term
    label: object  # a lazy translated string
    at: datetime


def upcoming_deadlines(now: datetime | None = None, limit: int = 3) -> list[Deadline]:
    """The next moments of the timetable, soonest first."""
    now = now or utcnow()
    terms = db.session.scalars(select(Term).where(Term.results_at > now)).all()
    moments = []
    for term in terms:
        moments += [
            Deadline(term, _l("ingave stageaanvragen opent"), term.intake_opens_at),
            Deadline(term, _l("ingave stageaanvragen sluit"), term.intake_closes_at),
            Deadline(term, _l("resultaten definitief"), term.results_at),
        ]
    return sorted((m for m in moments if m.at > now), key=lambda m: m.at)[:limit]


def open_intakes(now: datetime | None = None) -> list[Term]:
    """Terms whose intake window is open now."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Term)
            .where(Term.intake_opens_at <= now, Term.intake_closes_at > now)
            .order_by(Term.intake_closes_at)
        )
    )
