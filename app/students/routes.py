"""A school enters and follows its internship requests (manual sections 4 and 5)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.contacts import add_missing_contact, choose_added
from app.extensions import db
from app.htmx import render_page_or_fragment
from app.models import Student, Supervisor, utcnow
from app.models.reference import province_for_postcode
from app.outbox import commit_and_send
from app.security import roles_required
from app.students import logic
from app.students.forms import ProvinceForm, StopForm, StudentForm
from app.schedule.timetable import (
    chosen_term,
    intake_window,
    stop_span,
    stop_undoable,
    term_state,
)
from app.students.queries import school_student_or_404
from app.students.queries import overview as overview_page
from app.supervisors.forms import SupervisorForm

bp = Blueprint("students", __name__)


def _chosen_term():
    return chosen_term(request.args.get("term", type=int), current_user.school_id)


@bp.get("")
@roles_required("school")
def overview():
    """All requests of the school for one term: search, sort, pages (OVR-1)."""
    terms, term = _chosen_term()
    args = dict(
        search=request.args.get("q", ""),
        sort=request.args.get("sort", "naam"),
        status=request.args.get("status", ""),
        page=request.args.get("page", 1, type=int),
    )
    page = overview_page(current_user.school_id, term.id, **args) if term else None
    return render_page_or_fragment(
        "students/overview.html",
        "students/_table.html",
        terms=terms,
        term=term,
        result=page,
        state=term_state(term) if term else None,
        window=intake_window(term, current_user.school_id) if term else None,
        **args,
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required("school")
def new():
    """Enter a new internship request (STU-1..17)."""
    terms, term = _chosen_term()
    if term is None:
        abort(404)
    return _request_form(
        Student(school_id=current_user.school_id, term_id=term.id, term=term)
    )


@bp.route("/<int:student_id>/bewerken", methods=["GET", "POST"])
@roles_required("school")
def edit(student_id: int):
    """Change a request that no service accepted yet, while the intake window is open."""
    # The row lock keeps a service from accepting while this change is saved (OVR-3).
    student = school_student_or_404(
        current_user.school_id, student_id, lock=request.method == "POST"
    )
    refusal = logic.edit_refusal(student, utcnow())
    if refusal:
        if request.method == "POST":
            flash(refusal, "error")
        return redirect(url_for("students.show", student_id=student.id))
    return _request_form(student)


def _request_form(student: Student):
    term = student.term
    window = intake_window(term, current_user.school_id, utcnow())
    form = StudentForm(term=term, school_id=current_user.school_id)
    supervisor_form = SupervisorForm(prefix="sup", formdata=None)
    duplicate = None
    if request.method == "GET" and student.id:
        logic.fill_form(form, student)
    elif request.method == "POST" and not window.open:
        flash(window.message, "error")
    elif request.method == "POST" and request.form.get("action") == "add_supervisor":
        supervisor_form = _add_supervisor(form)
    elif request.method == "POST" and form.validate_on_submit():
        duplicate = _duplicate(student, form)
        if duplicate is None:
            return _save(student, form)
    return _render_form(student, form, window, supervisor_form, duplicate)


def _render_form(student, form, window, supervisor_form, duplicate=None):
    return render_template(
        "students/form.html",
        form=form,
        student=student,
        term=form.term,
        window=window,
        supervisor_form=supervisor_form,
        duplicate=duplicate,
        suggestion=province_for_postcode(form.postcode.data),
    )


def _duplicate(student: Student, form: StudentForm) -> Student | None:
    if "national_number" not in form or not form.national_number.data:
        return None
    from app.crypto import national_number_index

    duplicate = logic.find_duplicate(
        current_user.school_id,
        student.term_id,
        national_number_index(form.national_number.data),
        student.id,
    )
    if duplicate is not None:
        form.national_number.errors = [
            *form.national_number.errors,
            _("Deze student is al ingegeven voor deze stageperiode."),
        ]
    return duplicate


def _add_supervisor(form: StudentForm) -> SupervisorForm:
    """Add a missing supervisor from the student form, keeping everything typed (SUP-3)."""
    supervisor_form, supervisor = add_missing_contact(
        Supervisor(school_id=current_user.school_id), "sup"
    )
    if supervisor is not None:
        form.load_supervisors(current_user.school_id)
        choose_added(form.supervisor_id, supervisor)
        flash(
            _(
                "Stage-/werkplekbegeleider %(name)s toegevoegd en gekozen.",
                name=supervisor.name,
            ),
            "success",
        )
    return supervisor_form


def _save(student: Student, form: StudentForm):
    is_new = student.id is None
    logic.apply_form(student, form)
    if is_new:
        db.session.add(student)
    try:
        db.session.commit()
    except IntegrityError:
        # The same person was saved a moment ago by a colleague (blind-index unique key).
        db.session.rollback()
        if "national_number" not in form:
            raise
        form.national_number.errors = [
            _("Deze student is al ingegeven voor deze stageperiode.")
        ]
        if is_new:
            student = Student(
                school_id=current_user.school_id, term_id=form.term.id, term=form.term
            )
        window = intake_window(form.term, current_user.school_id, utcnow())
        return _render_form(
            student, form, window, SupervisorForm(prefix="sup", formdata=None)
        )
    flash(
        _("Stageaanvraag van %(name)s opgeslagen.", name=student.full_name), "success"
    )
    if request.form.get("action") == "next":
        return redirect(url_for("students.new", term=student.term_id))
    return redirect(url_for("students.overview", term=student.term_id))


@bp.get("/<int:student_id>")
@roles_required("school")
def show(student_id: int):
    """A request with its status, read-only (also after acceptance)."""
    student = school_student_or_404(current_user.school_id, student_id)
    from app.validation import format_national_number

    return render_template(
        "students/show.html",
        student=student,
        state=term_state(student.term),
        national_number=format_national_number(logic.national_number_of(student)),
        refusal=logic.edit_refusal(student, utcnow()),
        undoable=student.stopped and stop_undoable(student.term, utcnow()),
    )


@bp.route("/<int:student_id>/verwijderen", methods=["GET", "POST"])
@roles_required("school")
def delete(student_id: int):
    """Delete a wrongly added request after confirmation (never an accepted one)."""
    student = school_student_or_404(
        current_user.school_id, student_id, lock=request.method == "POST"
    )
    refusal = logic.edit_refusal(student, utcnow())
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("students.show", student_id=student.id))
    if request.method == "POST":
        term_id, name = student.term_id, student.full_name
        logic.delete_request(student)
        db.session.commit()
        flash(_("Stageaanvraag van %(name)s verwijderd.", name=name), "success")
        return redirect(url_for("students.overview", term=term_id))
    return render_template("students/delete.html", student=student)


@bp.route("/<int:student_id>/gestopt", methods=["GET", "POST"])
@roles_required("school")
def stop(student_id: int):
    """Mark that the trainee quit the course (OVR-4), once: a second post changes nothing."""
    # The row lock makes a double click wait for the first, which then already stopped.
    student = school_student_or_404(
        current_user.school_id, student_id, lock=request.method == "POST"
    )
    if student.stopped:
        return _already_stopped(student)
    form = StopForm(span=stop_span(student.term, utcnow()))
    if request.method == "GET":
        form.stopped_on.data = form.span[1]
    if form.validate_on_submit():
        logic.mark_stopped(student, form.stopped_on.data, form.stopped_reason.data)
        commit_and_send()
        flash(
            _("%(name)s is gemarkeerd als gestopt.", name=student.full_name), "success"
        )
        return redirect(url_for("students.overview", term=student.term_id))
    return render_template(
        "students/stop.html",
        form=form,
        student=student,
        undoable=stop_undoable(student.term, utcnow()),
        state=term_state(student.term),
    )


@bp.post("/<int:student_id>/gestopt/ongedaan")
@roles_required("school")
def undo_stop(student_id: int):
    """Undo "student is gestopt" until the results moment; the services that accepted the
    trainee hear of it."""
    student = school_student_or_404(current_user.school_id, student_id, lock=True)
    if not student.stopped:
        flash(_("%(name)s staat niet als gestopt.", name=student.full_name), "info")
    elif not stop_undoable(student.term, utcnow()):
        flash(
            _(
                "De resultaten van deze stageperiode zijn definitief: de stopzetting kan niet meer ongedaan gemaakt worden."
            ),
            "error",
        )
    else:
        logic.undo_stop(student)
        commit_and_send()
        flash(
            _(
                "De stopzetting van %(name)s is ongedaan gemaakt.",
                name=student.full_name,
            ),
            "success",
        )
    return redirect(url_for("students.show", student_id=student.id))


def _already_stopped(student: Student):
    flash(
        _(
            "%(name)s staat al als gestopt sinds %(d)s; er is niets gewijzigd en niemand opnieuw verwittigd.",
            name=student.full_name,
            d=student.stopped_on.strftime("%d/%m/%Y"),
        ),
        "info",
    )
    return redirect(url_for("students.show", student_id=student.id))


@bp.get("/provincie")
@roles_required("school")
def province_hint():
    """The province that belongs to a postcode, as a hint next to the field (STU-4)."""
    postcode = request.args.get("postcode", "")
    suggestion = province_for_postcode(postcode)
    chosen = request.args.get("province", "")
    province_form = None
    if suggestion and not chosen:
        province_form = ProvinceForm(
            formdata=None,
            province=suggestion,
            preferred_service_id=request.args.get("preferred_service_id", 0, type=int),
        )
    return render_template(
        "students/_province_hint.html",
        suggestion=suggestion,
        postcode=postcode,
        province_form=province_form,
    )


@bp.get("/voorkeursdiensten")
@roles_required("school")
def preferred_services():
    """The preference list of the chosen province, for the form when the province changes
    (STU-15); without script the list follows the province after a submit."""
    form = ProvinceForm(formdata=request.args, meta={"csrf": False})
    return render_template("students/_preferred_service.html", form=form)
