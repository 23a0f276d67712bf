"""A school manages its supervisors inline (manual section 3, SUP-1..2)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.htmx import fragment_with_flashes, render_page_or_fragment, wants_fragment
from app.models import Supervisor
from app.security import roles_required
from app.supervisors.forms import SupervisorForm
from app.supervisors.queries import (
    school_supervisor_or_404,
    school_supervisors,
    students_of_supervisor,
)

bp = Blueprint("supervisors", __name__)


def _panel(form: SupervisorForm):
    context = dict(form=form, supervisors=school_supervisors(current_user.school_id))
    if wants_fragment():
        return fragment_with_flashes("supervisors/_panel.html", **context)
    return render_template("supervisors/index.html", **context)


@bp.get("")
@roles_required("school")
def index():
    """List the school's supervisors with a form to add one."""
    return _panel(SupervisorForm(formdata=None))


@bp.post("")
@roles_required("school")
def create():
    """Add a supervisor; the form stays filled in with its errors when invalid."""
    form = SupervisorForm()
    if not form.validate():
        return _panel(form)
    supervisor = Supervisor(school_id=current_user.school_id)
    form.populate_obj(supervisor)
    db.session.add(supervisor)
    db.session.commit()
    flash(
        _("Stage-/werkplekbegeleider %(name)s toegevoegd.", name=supervisor.name),
        "success",
    )
    if not wants_fragment():
        return redirect(url_for("supervisors.index"))
    return _panel(SupervisorForm(formdata=None))


@bp.get("/<int:supervisor_id>")
@roles_required("school")
def show(supervisor_id: int):
    """One supervisor's row (used to cancel an inline edit)."""
    supervisor = school_supervisor_or_404(current_user.school_id, supervisor_id)
    if not wants_fragment():
        return redirect(url_for("supervisors.index"))
    return render_template("supervisors/_row.html", supervisor=supervisor)


@bp.route("/<int:supervisor_id>/bewerken", methods=["GET", "POST"])
@roles_required("school")
def edit(supervisor_id: int):
    """Edit a supervisor inline (htmx) or on its own page."""
    supervisor = school_supervisor_or_404(current_user.school_id, supervisor_id)
    form = SupervisorForm(obj=supervisor)
    if form.validate_on_submit():
        form.populate_obj(supervisor)
        db.session.commit()
        flash(
            _("Stage-/werkplekbegeleider %(name)s bijgewerkt.", name=supervisor.name),
            "success",
        )
        if not wants_fragment():
            return redirect(url_for("supervisors.index"))
        return fragment_with_flashes("supervisors/_row.html", supervisor=supervisor)
    return render_page_or_fragment(
        "supervisors/edit.html",
        "supervisors/_edit_row.html",
        form=form,
        supervisor=supervisor,
    )


@bp.post("/<int:supervisor_id>/verwijderen")
@roles_required("school")
def delete(supervisor_id: int):
    """Remove a supervisor, unless students are linked to it (SUP-2)."""
    supervisor = school_supervisor_or_404(current_user.school_id, supervisor_id)
    linked = students_of_supervisor(supervisor.id)
    if linked:
        problem = ngettext(
            "%(name)s kan niet verwijderd worden: er is nog %(num)d student aan gekoppeld. "
            "Koppel die student eerst aan een andere stage-/werkplekbegeleider.",
            "%(name)s kan niet verwijderd worden: er zijn nog %(num)d studenten aan gekoppeld. "
            "Koppel die studenten eerst aan een andere stage-/werkplekbegeleider.",
            linked,
            name=supervisor.name,
        )
        if wants_fragment():
            return render_template(
                "supervisors/_row.html", supervisor=supervisor, problem=problem
            )
        flash(problem, "error")
        return redirect(url_for("supervisors.index"))
    name = supervisor.name
    db.session.delete(supervisor)
    try:
        db.session.commit()
    except IntegrityError:  # a colleague linked a student to it a moment ago
        db.session.rollback()
        flash(
            _(
                "%(name)s kan niet verwijderd worden: er is intussen een student aan gekoppeld.",
                name=name,
            ),
            "error",
        )
        return redirect(url_for("supervisors.index"))
    flash(_("Stage-/werkplekbegeleider %(name)s verwijderd.", name=name), "success")
    if wants_fragment():
        return render_template("_oob_flashes.html")
    return redirect(url_for("supervisors.index"))
