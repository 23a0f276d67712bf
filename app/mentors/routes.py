"""A care service manages its mentors inline, as a school its supervisors, and the places
it offers per term (SVC-6)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.formtools import choice_list
from app.htmx import fragment_with_flashes, render_page_or_fragment, wants_fragment
from app.mentors.forms import CapacityForm, MentorForm
from app.mentors.queries import (
    capacity as capacity_of,
    service_mentor_or_404,
    service_mentors,
    trainees_of_mentor,
)
from app.models import Mentor, ServiceCapacity, utcnow
from app.schedule.timetable import browsable_terms
from app.security import roles_required

bp = Blueprint("mentors", __name__)


def _service_id() -> int:
    return current_user.care_service_id


def _panel(form: MentorForm):
    context = dict(form=form, mentors=service_mentors(_service_id()))
    if wants_fragment():
        return fragment_with_flashes("mentors/_panel.html", **context)
    return render_template("mentors/index.html", **context)


@bp.get("")
@roles_required("service")
def index():
    """List the service's mentors with a form to add one."""
    return _panel(MentorForm(formdata=None))


@bp.post("")
@roles_required("service")
def create():
    """Add a mentor; the form stays filled in with its errors when invalid."""
    form = MentorForm()
    if not form.validate():
        return _panel(form)
    mentor = Mentor(care_service_id=_service_id())
    form.populate_obj(mentor)
    db.session.add(mentor)
    db.session.commit()
    flash(_("Stagementor %(name)s toegevoegd.", name=mentor.name), "success")
    if not wants_fragment():
        return redirect(url_for("mentors.index"))
    return _panel(MentorForm(formdata=None))


@bp.get("/<int:mentor_id>")
@roles_required("service")
def show(mentor_id: int):
    """One mentor's row (used to cancel an inline edit)."""
    mentor = service_mentor_or_404(_service_id(), mentor_id)
    if not wants_fragment():
        return redirect(url_for("mentors.index"))
    return render_template("mentors/_row.html", mentor=mentor)


@bp.route("/<int:mentor_id>/bewerken", methods=["GET", "POST"])
@roles_required("service")
def edit(mentor_id: int):
    """Edit a mentor inline (htmx) or on its own page."""
    mentor = service_mentor_or_404(_service_id(), mentor_id)
    form = MentorForm(obj=mentor)
    if form.validate_on_submit():
        form.populate_obj(mentor)
        db.session.commit()
        flash(_("Stagementor %(name)s bijgewerkt.", name=mentor.name), "success")
        if not wants_fragment():
            return redirect(url_for("mentors.index"))
        return fragment_with_flashes("mentors/_row.html", mentor=mentor)
    return render_page_or_fragment(
        "mentors/edit.html", "mentors/_edit_row.html", form=form, mentor=mentor
    )


@bp.post("/<int:mentor_id>/verwijderen")
@roles_required("service")
def delete(mentor_id: int):
    """Remove a mentor who is named on no acceptance."""
    mentor = service_mentor_or_404(_service_id(), mentor_id)
    linked = trainees_of_mentor(mentor.id)
    if linked:
        problem = ngettext(
            "%(name)s kan niet verwijderd worden: %(name)s begeleidt nog %(num)d stagiair.",
            "%(name)s kan niet verwijderd worden: %(name)s begeleidt nog %(num)d stagiairs.",
            linked,
            name=mentor.name,
        )
        if wants_fragment():
            return render_template("mentors/_row.html", mentor=mentor, problem=problem)
        flash(problem, "error")
        return redirect(url_for("mentors.index"))
    name = mentor.name
    db.session.delete(mentor)
    try:
        db.session.commit()
    except IntegrityError:  # a colleague gave this mentor a trainee a moment ago
        db.session.rollback()
        flash(
            _(
                "%(name)s begeleidt intussen een stagiair en kan niet verwijderd worden.",
                name=name,
            ),
            "error",
        )
        return redirect(url_for("mentors.index"))
    flash(_("Stagementor %(name)s verwijderd.", name=name), "success")
    if wants_fragment():
        return render_template("_oob_flashes.html")
    return redirect(url_for("mentors.index"))


@bp.route("/capaciteit", methods=["GET", "POST"])
@roles_required("service")
def capacity():
    """The number of trainees the service offers to take per term."""
    terms = browsable_terms(utcnow())
    form = CapacityForm()
    form.term_id.choices = choice_list((t.id, t.name) for t in terms)
    if form.validate_on_submit() and form.term_id.data in {t.id for t in terms}:
        row = db.session.scalar(
            select(ServiceCapacity).where(
                ServiceCapacity.care_service_id == _service_id(),
                ServiceCapacity.term_id == form.term_id.data,
            )
        ) or ServiceCapacity(care_service_id=_service_id(), term_id=form.term_id.data)
        row.places = form.places.data
        db.session.add(row)
        db.session.commit()
        flash(_("Capaciteit opgeslagen."), "success")
        return redirect(url_for("mentors.capacity"))
    rows = [(t, *capacity_of(_service_id(), t.id)) for t in terms]
    return render_template("mentors/capacity.html", form=form, rows=rows)
