"""The care service's "Voorstellen": VIVO's proposed trainees, accepted or declined before
the deadline (issue 13, ALLOC-3). The views join the placements blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.mentors.forms import MentorForm
from app.mentors.queries import service_mentor_or_404, service_mentors
from app.models import utcnow
from app.outbox import commit_and_send
from app.placements import logic, proposals
from app.placements.forms import DeclineForm, MentorAnswerForm
from app.placements.routes import (
    add_mentor,
    bp,
    flash_outcome,
    over_capacity_unconfirmed,
)
from app.schedule import rules
from app.schedule.timetable import term_state
from app.security import roles_required


def _service():
    return current_user.care_service


@bp.get("/voorstellen")
@roles_required("service")
def proposals_index():
    """The trainees VIVO proposed to this service: waiting ones, then recent answers."""
    return render_template(
        "placements/proposals.html",
        lists=proposals.service_proposals(_service(), utcnow()),
        service=_service(),
    )


@bp.get("/voorstellen/<int:line_id>")
@roles_required("service")
def proposal(line_id: int):
    """One proposed trainee: the request's data, the deadline, accept and decline."""
    line = proposals.proposal_or_404(_service(), line_id)
    return _proposal_page(
        line,
        _accept_form(formdata=None),
        DeclineForm(formdata=None),
        MentorForm(prefix="mentor", formdata=None),
    )


def _accept_form(**kwargs) -> MentorAnswerForm:
    return MentorAnswerForm(mentors=service_mentors(_service().id), **kwargs)


def _proposal_page(line, accept_form, decline_form, mentor_form):
    now = utcnow()
    student = line.student
    return render_template(
        "placements/proposal.html",
        line=line,
        student=student,
        service=_service(),
        state=term_state(student.term),
        answerable=proposals.refusal(line, now) is None,
        days_left=rules.proposal_days_left(line.run, now),
        capacity=logic.capacity(_service().id, student.term_id),
        clashes=logic.clashes(student, student.periods),
        accept_form=accept_form,
        decline_form=decline_form,
        mentor_form=mentor_form,
    )


def _refuse(message: str):
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for("placements.proposals_index"))


@bp.post("/voorstellen/<int:line_id>/aanvaarden")
@roles_required("service")
def proposal_accept(line_id: int):
    """Accept the proposed trainee for all their periods, with a mentor (SVC-2, SVC-3)."""
    line = proposals.proposal_or_404(_service(), line_id)
    refusal = proposals.refusal(line, utcnow())
    if refusal:
        return _refuse(refusal)
    form = _accept_form()
    keep = (DeclineForm(formdata=None), MentorForm(prefix="mentor", formdata=None))
    if request.form.get("action") == "add_mentor":
        return _proposal_page(line, form, keep[0], add_mentor(form))
    if not form.validate_on_submit() or over_capacity_unconfirmed(form, line.student):
        return _proposal_page(line, form, *keep)
    mentor = service_mentor_or_404(_service().id, form.mentor_id.data)
    try:
        accepted = proposals.accept(
            line, _service(), mentor, form.notes.data, current_user
        )
    except proposals.AnswerRefused as refused:
        return _refuse(str(refused))
    student_id = line.student_id
    commit_and_send()
    flash_outcome(logic.AcceptOutcome(accepted=accepted))
    return redirect(url_for("placements.show", student_id=student_id))


@bp.post("/voorstellen/<int:line_id>/weigeren")
@roles_required("service")
def proposal_decline(line_id: int):
    """Decline the proposed trainee with a reason the school sees (SVC-5)."""
    line = proposals.proposal_or_404(_service(), line_id)
    refusal = proposals.refusal(line, utcnow())
    if refusal:
        return _refuse(refusal)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _proposal_page(
            line,
            _accept_form(formdata=None),
            form,
            MentorForm(prefix="mentor", formdata=None),
        )
    name = line.student.full_name
    try:
        proposals.decline(line, _service(), form.reason.data, current_user)
    except proposals.AnswerRefused as refused:
        return _refuse(str(refused))
    commit_and_send()
    flash(
        _(
            "Je weigerde de aanvraag van %(name)s. De school ziet je reden.",
            name=name,
        ),
        "success",
    )
    return redirect(url_for("placements.proposals_index"))
