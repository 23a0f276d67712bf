"""Start page, help page and language choice."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from app.extensions import db
from app.formtools import free_text
from app.models import PageText, utcnow
from app.security import ANY_USER, is_safe_next, public, roles_required

bp = Blueprint("main", __name__)

DEFAULT_HELP = """Onze hulplijn is bereikbaar op werkdagen (behalve op woensdag) tussen 9u30 en 12u en 13u en 15u.

Vragen kunnen gesteld worden via mail: stages@vivosocialprofit.org of via 02/2503777 (vraag naar Lesley Vincent of Hilde Vanstalle).

Gebruik de tool niet in Internet Explorer, maar in Microsoft Edge, Google Chrome, Firefox, Safari, ..."""


class HelpForm(FlaskForm):
    body = TextAreaField(
        _l("Tekst van de hulppagina"), validators=[Length(max=5000), free_text]
    )


@bp.get("/")
@public
def index():
    """Send visitors to their start page or to the login."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.get("/healthz")
@public
def healthz():
    """For monitoring: one trivial query, no session; 200 "ok" or 503."""
    from sqlalchemy import text

    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return (
            "database unavailable",
            503,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/start")
@roles_required(*ANY_USER)
def dashboard():
    """The logged-in user's start page: where the school, the service or VIVO stands."""
    from app.main import queries

    now, user = utcnow(), current_user
    if user.role == "school":
        context = dict(school=queries.school_start(user.school_id, now))
    elif user.role == "service":
        context = dict(service=queries.service_start(user.care_service, user, now))
    else:
        context = dict(admin=queries.admin_start(now))
    return render_template("main/dashboard.html", **context)


def help_text() -> str:
    """The admin-edited help text, or the manual's section 2."""
    row = db.session.get(PageText, "help")
    return row.body if row and row.body.strip() else DEFAULT_HELP


@bp.get("/hulp")
@public
def help_page():
    """Helpdesk hours and contacts (manual section 2)."""
    return render_template("main/help.html", text=help_text())


@bp.route("/hulp/bewerken", methods=["GET", "POST"])
@roles_required("admin")
def edit_help():
    """Admins edit the help page text (AUTH-7)."""
    form = HelpForm(body=help_text())
    if form.validate_on_submit():
        row = db.session.get(PageText, "help") or PageText(key="help")
        row.body = form.body.data
        db.session.add(row)
        db.session.commit()
        flash(_("De hulppagina is bijgewerkt."), "success")
        return redirect(url_for("main.help_page"))
    return render_template("main/edit_help.html", form=form)


@bp.post("/taal")
@public
def set_language():
    """Switch the UI language (Dutch or English) and go back."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            # Mails to this login (reminders, notifications) follow the choice.
            current_user.language = lang
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.index"))
