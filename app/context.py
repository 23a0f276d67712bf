"""Template globals: the timetable banner (TERM-4), languages, date formatting."""

from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_datetime, format_decimal, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.pagination import page_numbers
from app.models.reference import INTERNSHIP_FORM_LABELS, PROVINCES, TRANSPORT_LABELS
from app.validation import display_phone


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""
    app.jinja_env.add_extension("jinja2.ext.do")
    # Flask-Babel's template gettext looks up the context, the domain and the locale on
    # every call: a list page makes a few hundred calls. Here the translations are looked up
    # once per render (a context processor runs at the start of every render, also of a mail
    # rendered inside force_locale) and each call only reads them.
    app.context_processor(_bind_translations)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.context_processor(_globals)
    app.jinja_env.globals["page_numbers"] = page_numbers
    app.add_template_filter(moment, "moment")
    app.add_template_filter(_day, "day")
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(_km, "km")
    app.add_template_filter(lambda code: TRANSPORT_LABELS.get(code, code), "transport")


def _bind_translations() -> dict:
    g._template_translations = get_translations()
    return {}


def _translations():
    kept = g.get("_template_translations")
    return kept if kept is not None else get_translations()


def _globals() -> dict:
    return {
        "timetable": _timetable,
        "term_state": _term_state,
        "service_may_withdraw": _service_may_withdraw,
        "placements_final": _placements_final,
        "PROVINCES": PROVINCES,
        "INTERNSHIP_FORMS": INTERNSHIP_FORM_LABELS,
        "TRANSPORT_MODES": TRANSPORT_LABELS,
        "LANGUAGES": current_app.config["LANGUAGES"],
        "nav_items": _nav_items,
        "get_locale": get_locale,
        "language_next": _language_next,
    }


def _language_next() -> str:
    """Where the language switch returns to: this page, or, on a form refused by a POST
    address (which answers no GET), the page that form was on."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path.startswith("/"):
        return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return url_for("main.dashboard")


# Menu entries per role: (endpoint, label). Later blueprints add their pages here.
NAV: dict[str, list[tuple[str, str]]] = {
    "admin": [
        ("admin.dashboard", _l("Dashboard")),
        ("schedule.terms", _l("Stageperiodes")),
        ("schedule.overrides", _l("Late ingave")),
        ("admin.schools", _l("Scholen")),
        ("admin.services", _l("Diensten")),
        ("admin.users", _l("Logins")),
        ("admin.unanswered", _l("Onbeantwoord")),
        ("admin.audit_log", _l("Logboek")),
        ("admin.helpdesk", _l("Ondersteuning")),
        ("export.index", _l("Exporteren")),
        ("main.edit_help", _l("Hulppagina")),
        ("schedule.timing", _l("Timing")),
    ],
    "school": [
        ("students.overview", _l("Overzicht stageaanvragen")),
        ("students.new", _l("Stageaanvraag ingeven")),
        ("supervisors.index", _l("Stage-/werkplekbegeleiders")),
        ("schedule.timing", _l("Timing")),
    ],
    "service": [
        ("placements.browse", _l("Stageaanvragen")),
        ("placements.trainees", _l("Mijn stagiairs")),
        ("placements.proposals_index", _l("Voorstellen")),
        ("mentors.index", _l("Stagementoren")),
        ("mentors.capacity", _l("Capaciteit")),
        ("schedule.timing", _l("Timing")),
    ],
}


# Offered only while the timetable says so: a link that leads to "closed" helps no one.
ONLY_WHILE_INTAKE_OPEN = frozenset({"students.new"})
# Offered only to a service that VIVO ever sent a proposal (issue 13).
ONLY_WITH_PROPOSALS = frozenset({"placements.proposals_index"})


def _nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label)
        for endpoint, label in NAV.get(current_user.role, [])
        if endpoint in current_app.view_functions
        and (endpoint not in ONLY_WHILE_INTAKE_OPEN or _timetable()["open"])
        and (endpoint not in ONLY_WITH_PROPOSALS or _has_proposals())
    ]


def _has_proposals() -> bool:
    """Whether the logged-in service has proposals, decided once per request."""
    from app.placements.proposals import has_proposals

    if g.get("_has_proposals") is None:
        g._has_proposals = has_proposals(current_user.care_service_id)
    return g._has_proposals


def _timetable() -> dict:
    """What is open now and the next deadline; called lazily by the banner and the menu,
    decided once per request."""
    from app.schedule.timetable import banner

    if not current_user.is_authenticated:
        return {"open": [], "browsing": [], "second_rounds": [], "next": None}
    if g.get("_banner") is None:
        g._banner = banner(current_user)
    return g._banner


def _term_state(term):
    """Ready timetable values of a term for templates (they never compare moments)."""
    from app.schedule.timetable import term_state

    return term_state(term)


def _placements_final(placements) -> bool:
    from app.schedule.timetable import placements_final

    return placements_final(placements)


def _service_may_withdraw(placement) -> bool:
    from app.schedule.timetable import service_may_withdraw

    return service_may_withdraw(placement)


def moment(value) -> str:
    """A moment in Europe/Brussels, e.g. 15/05/2023 12:00."""
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def _km(value) -> str:
    """A distance in km with one decimal, in the reader's notation (4,2 in Dutch)."""
    return format_decimal(value, "0.0")


def _day(value) -> str:
    """A date as dd/mm/jjjj."""
    return value.strftime("%d/%m/%Y") if value else ""
