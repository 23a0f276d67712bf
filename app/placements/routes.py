"""The care service's side: browse requests, accept per period, decline, withdraw (R-SVC)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.contacts import add_missing_contact, choose_added
from app.crypto import decrypt_national_number
from app.htmx import render_page_or_fragment
from app.mentors.forms import MentorForm
from app.mentors.queries import service_mentor_or_404, service_mentors
from app.models import Mentor, Placement, utcnow
from app.outbox import commit_and_send
from app.placements import logic, queries
from app.placements.forms import AcceptForm, DeclineForm, MentorAnswerForm
from app.schedule.clock import local_date
from app.schedule.timetable import (
    acceptance_closed_message,
    term_state,
)
from app.security import is_safe_next, roles_required
from app.tenancy import owned_or_404
from app.validation import format_national_number

bp = Blueprint("placements", __name__)


def _service():
    """The logged-in care service."""
    return current_user.care_service


@bp.get("/aanvragen")
@roles_required("service")
def browse():
    """Open requests of the service's province, preferred-me first (SVC-1)."""
    return render_page_or_fragment(
        "placements/browse.html",
        "placements/_requests.html",
        **logic.browse_page(_service(), request.args, utcnow()),
    )


@bp.get("/aanvragen/<int:student_id>")
@roles_required("service")
def show(student_id: int):
    """One request: its data, and the accept and decline forms; contact data once accepted."""
    student = queries.visible_student_or_404(_service(), student_id, utcnow())
    return _request_page(
        student,
        _accept_form(student, formdata=None),
        DeclineForm(formdata=None),
        MentorForm(prefix="mentor", formdata=None),
    )


def _accept_form(student, every_period: bool = False, **kwargs) -> AcceptForm:
    """The accept form offering the open periods (every period when checking a post)."""
    placed = {placement.period_id for placement in student.placements}
    today = local_date(utcnow())
    periods = [
        p
        for p in student.periods
        if every_period or (p.id not in placed and p.end_date >= today)
    ]
    return AcceptForm(periods=periods, mentors=service_mentors(_service().id), **kwargs)


def _request_page(student, accept_form, decline_form, mentor_form, status: int = 200):
    mine = [p for p in student.placements if p.care_service_id == _service().id]
    context = dict(
        student=student,
        accept_form=accept_form,
        decline_form=decline_form,
        mentor_form=mentor_form,
        mine=mine,
        service=_service(),
        state=term_state(student.term),
        capacity=logic.capacity(_service().id, student.term_id),
        clashes=logic.clashes(student, student.periods),
        # A trainee reached from "Mijn stagiairs" after its term closed: no forms that
        # could only answer "closed".
        closed_message=acceptance_closed_message(
            student.term, student.province == _service().province
        ),
        back=_back_to_browse(),
    )
    if mine:
        context["national_number"] = format_national_number(
            decrypt_national_number(student.national_number_encrypted)
        )
    page = render_template("placements/show.html", **context)
    if mine:  # a view of personal data is an audit event (SECURITY.md 23)
        audit.commit_view("student.personal_data_viewed", student)
    return page, status


@bp.post("/aanvragen/<int:student_id>/aanvaarden")
@roles_required("service")
def accept(student_id: int):
    """Accept one or more periods with a mentor and notes (SVC-2, SVC-3, SVC-7)."""
    student = _open_request(student_id, include_placed=True)
    if student is None:
        return redirect(_back_to_browse())
    form = _accept_form(student, every_period=True)
    mentor_form = MentorForm(prefix="mentor", formdata=None)
    if request.form.get("action") == "add_mentor":
        mentor_form = add_mentor(form)
        return _request_page(student, form, DeclineForm(formdata=None), mentor_form)
    if not form.validate_on_submit():
        return _request_page(
            student, form, DeclineForm(formdata=None), mentor_form, 200
        )
    if over_capacity_unconfirmed(form, student):
        return _request_page(
            student, form, DeclineForm(formdata=None), mentor_form, 200
        )
    periods = [p for p in student.periods if p.id in form.periods.data]
    mentor = service_mentor_or_404(_service().id, form.mentor_id.data)
    outcome = logic.accept(
        student, periods, _service(), mentor, form.notes.data, current_user
    )
    commit_and_send()
    flash_outcome(outcome)
    if outcome.accepted:
        return redirect(_request_url(student))
    return redirect(_back_to_browse())


def over_capacity_unconfirmed(form, student) -> bool:
    """The service reached its offered capacity for the student's term and did not confirm
    accepting anyway: the form then says so next to the confirmation box (SVC-6)."""
    offered, taken = logic.capacity(_service().id, student.term_id)
    already_ours = any(p.care_service_id == _service().id for p in student.placements)
    if offered is None or taken < offered or already_ours or form.over_capacity.data:
        return False
    form.over_capacity.errors = [
        _(
            "Je aangeboden capaciteit (%(n)d) is bereikt. Bevestig dat je toch aanvaardt.",
            n=offered,
        )
    ]
    return True


def _open_request(student_id: int, include_placed: bool = False):
    """The request to answer, or None after flashing why the timetable no longer allows it."""
    try:
        return queries.open_request_or_404(
            _service(), student_id, utcnow(), include_placed
        )
    except queries.AcceptanceClosed as closed:
        flash(str(closed), "error")
        return None


def flash_outcome(outcome: logic.AcceptOutcome) -> None:
    if outcome.accepted:
        flash(
            _(
                "Aanvaard: %(p)s.",
                p=", ".join(_("periode %(n)d", n=p.number) for p in outcome.accepted),
            ),
            "success",
        )
    for period in outcome.taken:
        flash(
            _(
                "Periode %(n)d werd intussen door een andere dienst aanvaard.",
                n=period.number,
            ),
            "error",
        )
    for period in outcome.overlapping:
        flash(
            _(
                "Periode %(n)d overlapt met een stage die de student al heeft en kan niet aanvaard worden.",
                n=period.number,
            ),
            "error",
        )


def add_mentor(form: MentorAnswerForm) -> MentorForm:
    """Add a mentor from the accept form, keeping the choices made (SVC-2)."""
    mentor_form, mentor = add_missing_contact(
        Mentor(care_service_id=_service().id), "mentor"
    )
    if mentor is not None:
        form.load_mentors(service_mentors(_service().id))
        choose_added(form.mentor_id, mentor)
        flash(
            _("Stagementor %(name)s toegevoegd en gekozen.", name=mentor.name),
            "success",
        )
    return mentor_form


@bp.post("/aanvragen/<int:student_id>/weigeren")
@roles_required("service")
def decline(student_id: int):
    """Decline a request with a reason the school sees (SVC-5)."""
    student = _open_request(student_id)
    if student is None:
        return redirect(_back_to_browse())
    if any(p.care_service_id == _service().id for p in student.placements):
        flash(
            _("Je aanvaardde deze student al; trek eerst je aanvaarding in."), "error"
        )
        return redirect(_request_url(student))
    form = DeclineForm()
    if not form.validate_on_submit():
        return _request_page(
            student,
            _accept_form(student, formdata=None),
            form,
            MentorForm(prefix="mentor", formdata=None),
        )
    logic.decline(student, _service(), form.reason.data, current_user)
    commit_and_send()
    flash(
        _(
            "Je weigerde de aanvraag van %(name)s. De school ziet je reden.",
            name=student.full_name,
        ),
        "success",
    )
    return redirect(_back_to_browse())


@bp.post("/plaatsingen/<int:placement_id>/intrekken")
@roles_required("service")
def withdraw(placement_id: int):
    """Withdraw an acceptance until the results moment (SVC-4)."""
    placement = owned_or_404(Placement, placement_id, care_service_id=_service().id)
    back = _back_to_trainees()
    refusal = logic.withdrawal_refusal(placement, current_user, utcnow())
    if refusal:
        flash(refusal, "error")
        return redirect(back)
    if request.form.get("confirmed") != "1":
        return render_template(
            "placements/withdraw.html", placement=placement, back=back
        )
    name = placement.student.full_name
    logic.withdraw(placement)
    commit_and_send()
    flash(
        _(
            "Aanvaarding van %(name)s ingetrokken; de periode staat weer open.",
            name=name,
        ),
        "success",
    )
    return redirect(back)


def _back_to(endpoint: str, target: str | None) -> str:
    """`target` if it is a page of the list at `endpoint` (its filters and page kept), else
    the list itself: a local path of that one list only, never an open redirect."""
    home = url_for(endpoint)
    target = target or ""
    if is_safe_next(target) and (target == home or target.startswith(home + "?")):
        return target
    return home


def _back_to_trainees() -> str:
    """The page of "Mijn stagiairs" the withdrawal came from, if it is one."""
    return _back_to("placements.trainees", request.form.get("next"))


def _request_url(student) -> str:
    """The request's page, still knowing the filtered list it was opened from."""
    back = _back_to_browse()
    if back == url_for("placements.browse"):
        return url_for("placements.show", student_id=student.id)
    return url_for("placements.show", student_id=student.id, next=back)


def _back_to_browse() -> str:
    """The browse list with the filters the service had when it opened the request."""
    return _back_to("placements.browse", request.values.get("next"))


@bp.get("/stagiairs")
@roles_required("service")
def trainees():
    """Mijn stagiairs: one term's accepted students with their contact data, a page at a
    time; the students shown are audited (SECURITY.md 23)."""
    context = logic.trainees_page(_service(), request.args, utcnow())
    page = render_page_or_fragment(
        "placements/trainees.html", "placements/_trainees.html", **context
    )
    audit.commit_views(
        "student.personal_data_viewed", "Student", sorted(context["numbers"])
    )
    return page
