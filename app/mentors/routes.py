"""A care service manages its mentors and the places it offers per term (SVC-6)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.formtools import choice_list
from app.models import Mentor, Placement, ServiceCapacity, utcnow
from app.placements.forms import CapacityForm, MentorForm
from app.placements.logic import capacity as capacity_of
from app.placements.queries import service_mentor_or_404, service_mentors
from app.schedule.timetable import browsable_terms
from app.security import roles_required

bp = Blueprint("mentors", __name__)


@bp.route("", methods=["GET", "POST"])
@roles_required("service")
def index():
    """List the service's mentors and add one."""
    form = MentorForm()
    if form.validate_on_submit():
        mentor = Mentor(care_service_id=current_user.care_service_id)
        form.populate_obj(mentor)
        db.session.add(mentor)
        db.session.commit()
        flash(_("Stagementor %(name)s toegevoegd.", name=mentor.name), "success")
        return redirect(url_for("mentors.index"))
    return render_template(
        "mentors/index.html",
        form=form,
        mentors=service_mentors(current_user.care_service_id),
    )


@bp.route("/<int:mentor_id>/bewerken", methods=["GET", "POST"])
@roles_required("service")
def edit(mentor_id: int):
    """Change a mentor's name or contact data."""
    mentor = service_mentor_or_404(current_user.care_service_id, mentor_id)
    form = MentorForm(obj=mentor)
    if form.validate_on_submit():
        form.populate_obj(mentor)
        db.session.commit()
        flash(_("Stagementor %(name)s bijgewerkt.", name=mentor.name), "success")
        return redirect(url_for("mentors.index"))
    return render_template("mentors/edit.html", form=form, mentor=mentor)


@bp.post("/<int:mentor_id>/verwijderen")
@roles_required("service")
def delete(mentor_id: int):
    """Remove a mentor who has no trainees."""
    mentor = service_mentor_or_404(current_user.care_service_id, mentor_id)
    linked = db.session.scalar(
        select(func.count())
        .select_from(Placement)
        .where(Placement.mentor_id == mentor.id)
    )
    if linked:
        flash(
            _(
                "%(name)s begeleidt nog %(n)d stagiair(s) en kan niet verwijderd worden.",
                name=mentor.name,
                n=linked,
            ),
            "error",
        )
    else:
        name = mentor.name
        db.session.delete(mentor)
        try:
            db.session.commit()
            flash(_("Stagementor %(name)s verwijderd.", name=name), "success")
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
                ServiceCapacity.care_service_id == current_user.care_service_id,
                ServiceCapacity.term_id == form.term_id.data,
            )
        ) or ServiceCapacity(
            care_service_id=current_user.care_service_id, term_id=form.term_id.data
        )
        row.places = form.places.data
        db.session.add(row)
        db.session.commit()
        flash(_("Capaciteit opgeslagen."), "success")
        return redirect(url_for("mentors.capacity"))
    rows = [(t, *capacity_of(current_user.care_service_id, t.id)) for t in terms]
    return render_template("mentors/capacity.html", form=form, rows=rows)
