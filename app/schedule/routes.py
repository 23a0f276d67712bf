"""VIVO runs the school year: terms, late entries, second rounds; the timing page for all."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.htmx import render_page_or_fragment
from app.models import IntakeOverride, Placement, School, Term, utcnow
from app.outbox import commit_and_send
from app.schedule import operations, rules, timing
from app.schedule.clock import school_year_label, school_year_of
from app.schedule.forms import (
    CopySchoolYearForm,
    OverrideForm,
    PlacementSearchForm,
    SecondRoundForm,
    TermForm,
    WithdrawForm,
)
from app.schedule.timetable import term_state
from app.security import ANY_USER, roles_required
from app.tenancy import valid_id

bp = Blueprint("schedule", __name__, template_folder="templates")


def _term_or_404(term_id: int) -> Term:
    return db.get_or_404(Term, valid_id(term_id) or 0)


# --- terms (TERM-1, TERM-2, TERM-6) ------------------------------------------------------


@bp.get("/stageperiodes")
@roles_required("admin")
def terms():
    """Every term by school year with its phase; copy a school year to the next."""
    return render_template(
        "schedule/terms.html",
        years=timing.terms_by_school_year(),
        copy_form=CopySchoolYearForm(formdata=None),
    )


@bp.route("/stageperiodes/nieuw", methods=["GET", "POST"])
@roles_required("admin")
def new_term():
    """Create a term with its windows, entered in Brussels time."""
    form = TermForm(
        data={"school_year": school_year_of(utcnow())}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        term = operations.create_term(form.timetable())
        db.session.commit()
        flash(_("Stageperiode %(name)s aangemaakt.", name=term.name), "success")
        return redirect(url_for("schedule.term", term_id=term.id))
    return render_template("schedule/term_form.html", form=form, term=None)


@bp.route("/stageperiodes/<int:term_id>/bewerken", methods=["GET", "POST"])
@roles_required("admin")
def edit_term(term_id: int):
    """Edit a term; with requests already entered, first say what the change means."""
    term = _term_or_404(term_id)
    form = TermForm(obj=term)
    if request.method == "POST" and request.form.get("action") == "back":
        # "Terug" on the confirmation: the form again with the admin's changes, nothing saved.
        return render_template("schedule/term_form.html", form=form, term=term)
    if form.validate_on_submit() and not _late_entries_in_the_way(form, term):
        values, requests = form.timetable(), operations.request_count(term)
        consequences = operations.change_consequences(term, values, utcnow())
        if requests and consequences and request.form.get("confirmed") != "1":
            posted = [
                (k, v)
                for k, v in request.form.items(multi=True)
                if k not in ("csrf_token", "confirmed", "action")
            ]
            return render_template(
                "schedule/term_confirm.html",
                term=term,
                requests=requests,
                changes=operations.term_changes(term, values),
                consequences=consequences,
                posted=posted,
            )
        operations.update_term(term, values)
        db.session.commit()
        flash(_("Stageperiode %(name)s opgeslagen.", name=term.name), "success")
        return redirect(url_for("schedule.term", term_id=term.id))
    return render_template("schedule/term_form.html", form=form, term=term)


def _late_entries_in_the_way(form: TermForm, term: Term) -> bool:
    """A running late entry must stay before the results moment: say so next to the field."""
    problems = operations.late_entry_problems(term, form.timetable(), utcnow())
    for name, message in problems.items():
        form[name].errors = [*form[name].errors, message]
    return bool(problems)


@bp.get("/stageperiodes/<int:term_id>")
@roles_required("admin")
def term(term_id: int):
    """A term: its timetable, the second round and its acceptances (searchable, paged)."""
    return _term_page(_term_or_404(term_id), SecondRoundForm(formdata=None))


def _term_page(term: Term, round_form: SecondRoundForm):
    now = utcnow()
    search = PlacementSearchForm(request.args)
    query = search.q.data if search.validate() else ""
    result = timing.term_placements(
        term, query or "", timing.page_number(request.args.get("page"))
    )
    return render_page_or_fragment(
        "schedule/term.html",
        "schedule/_placements.html",
        term=term,
        state=term_state(term, now),
        search=search,
        result=result,
        second_round=timing.second_round_placements(term, result.items),
        requests=operations.request_count(term),
        round_form=round_form,
        may_open_second_round=rules.second_round_may_open(term, now),
    )


@bp.post("/stageperiodes/nieuw-schooljaar")
@roles_required("admin")
def copy_school_year():
    """TERM-8: copy every term of one school year to the next; then the admin adjusts."""
    form = CopySchoolYearForm()
    if not form.validate_on_submit():
        flash(_("Kies een schooljaar met stageperiodes."), "error")
        return redirect(url_for("schedule.terms"))
    copies, refusal = operations.copy_school_year(form.school_year.data)
    if refusal:
        flash(refusal, "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(n)d stageperiodes gekopieerd naar %(year)s. Controleer en pas de datums aan.",
                n=len(copies),
                year=school_year_label(form.school_year.data + 1),
            ),
            "success",
        )
    return redirect(url_for("schedule.terms"))


# --- second round (TERM-7) ---------------------------------------------------------------


@bp.post("/stageperiodes/<int:term_id>/tweede-ronde")
@roles_required("admin")
def open_second_round(term_id: int):
    """Open or extend the second round until a deadline, once the results are final."""
    term, now = _term_or_404(term_id), utcnow()
    refusal = operations.second_round_refusal(term, None, now)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("schedule.term", term_id=term.id))
    form = SecondRoundForm()
    if form.validate_on_submit():
        refusal = operations.open_second_round(term, form.until.data, now)
        if refusal is None:
            db.session.commit()
            flash(
                _(
                    "Tweede ronde voor %(name)s open tot %(at)s.",
                    name=term.name,
                    at=_moment(term.second_round_until),
                ),
                "success",
            )
            return redirect(url_for("schedule.term", term_id=term.id))
        form.until.errors.append(refusal)
    return _term_page(term, form)


@bp.post("/stageperiodes/<int:term_id>/tweede-ronde/sluiten")
@roles_required("admin")
def close_second_round(term_id: int):
    """End the second round now."""
    term = _term_or_404(term_id)
    if operations.close_second_round(term, utcnow()):
        db.session.commit()
        flash(_("Tweede ronde voor %(name)s gesloten.", name=term.name), "success")
    else:
        flash(
            _(
                "Er loopt geen tweede ronde voor %(name)s; er is niets te sluiten.",
                name=term.name,
            ),
            "info",
        )
    return redirect(url_for("schedule.term", term_id=term.id))


def _moment(value) -> str:
    from app.context import moment

    return moment(value)


# --- withdrawal by VIVO (SVC-4) ----------------------------------------------------------


@bp.route(
    "/stageperiodes/plaatsingen/<int:placement_id>/intrekken", methods=["GET", "POST"]
)
@roles_required("admin")
def withdraw_placement(placement_id: int):
    """Withdraw an acceptance with a reason; school and service are mailed."""
    placement = db.get_or_404(Placement, valid_id(placement_id) or 0)
    form = WithdrawForm()
    if form.validate_on_submit():
        term_id, name = placement.student.term_id, placement.student.full_name
        operations.admin_withdraw(placement, form.reason.data, current_user, utcnow())
        commit_and_send()
        flash(
            _(
                "Aanvaarding van %(name)s ingetrokken; school en dienst kregen een mail.",
                name=name,
            ),
            "success",
        )
        return redirect(url_for("schedule.term", term_id=term_id))
    return render_template(
        "schedule/withdraw.html",
        placement=placement,
        form=form,
        state=term_state(placement.student.term),
    )


# --- late entry (TERM-3) -----------------------------------------------------------------


@bp.route("/late-ingave", methods=["GET", "POST"])
@roles_required("admin")
def overrides():
    """Late entries: grant one for a school and a term, list active and past ones."""
    form = OverrideForm()
    if form.validate_on_submit():
        school, term = (
            db.session.get(School, form.school_id.data),
            db.session.get(Term, form.term_id.data),
        )
        operations.grant_override(
            term, school, form.until.data, form.reason.data, current_user
        )
        db.session.commit()
        flash(
            _(
                "Late ingave voor %(school)s open tot %(at)s.",
                school=school.name,
                at=_moment(form.until.data),
            ),
            "success",
        )
        return redirect(url_for("schedule.overrides"))
    active, past = timing.override_lines()
    return render_template(
        "schedule/overrides.html", form=form, active=active, past=past
    )


@bp.post("/late-ingave/<int:override_id>/intrekken")
@roles_required("admin")
def revoke_override(override_id: int):
    """End a late entry now."""
    override = db.get_or_404(IntakeOverride, valid_id(override_id) or 0)
    if operations.revoke_override(override, current_user, utcnow()):
        db.session.commit()
        flash(_("Late ingave ingetrokken."), "success")
    return redirect(url_for("schedule.overrides"))


# --- timing (TERM-4) ---------------------------------------------------------------------


@bp.get("/timing", endpoint="timing")
@roles_required(*ANY_USER)
def timing_page():
    """The timing of this school year and the next, generated from the terms."""
    years = timing.timing_years(current_user.role, current_user.school_id)
    return render_template("schedule/timing.html", years=years, role=current_user.role)
