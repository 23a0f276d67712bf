"""VIVO's allocation proposals (issue 13, ALLOC-1/2): make, read, trim, rerun and send."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin.routes import bp
from app.extensions import db
from app.models import AllocationLine, AllocationRun, Term, utcnow
from app.outbox import commit_and_send
from app.proposals import codec, operations, queries
from app.proposals.forms import ProposalSettingsForm, SendProposalForm
from app.proposals.instance import pool_ids, services_without_places
from app.proposals.wording import km
from app.schedule import rules
from app.schedule.timing import page_number
from app.security import roles_required
from app.tenancy import valid_id


def _term_or_404(term_id: int) -> Term:
    return db.get_or_404(Term, valid_id(term_id) or 0)


def _run_or_404(run_id: int) -> AllocationRun:
    return db.get_or_404(AllocationRun, valid_id(run_id) or 0)


@bp.route("/stageperiodes/<int:term_id>/voorstel", methods=["GET", "POST"])
@roles_required("admin")
def new_proposal(term_id: int):
    """ "Voorstel maken": the settings form, the pool's size and the term's earlier runs."""
    term, now = _term_or_404(term_id), utcnow()
    if request.method == "GET":
        earlier = _run_or_none(request.args.get("van"), term)
        form = ProposalSettingsForm.prefilled(
            *(codec.read_settings(earlier.settings) if earlier else (None, False))
        )
    else:
        form = ProposalSettingsForm()
    if form.validate_on_submit():
        refusal = operations.refusal(term, form.include_second_round.data, now)
        if refusal is None:
            run = operations.make_run(
                term,
                form.settings(),
                form.include_second_round.data,
                now,
                current_user.id,
            )
            db.session.commit()
            flash(_("Voorstel gemaakt."), "success")
            return redirect(url_for("admin.proposal", run_id=run.id))
        form.include_second_round.errors = [refusal]
    return render_template(
        "admin/proposal_new.html",
        term=term,
        form=form,
        pool=len(pool_ids(term, now)),
        without_places=services_without_places(term),
        may_run=rules.allocation_may_run(term, now),
        runs=queries.runs_of_term(term),
    )


def _run_or_none(raw: str | None, term: Term) -> AllocationRun | None:
    """The run named by ?van=<id> when it is one of this term's, else None."""
    run_id = valid_id(int(raw)) if raw and raw.isascii() and raw.isdigit() else None
    run = db.session.get(AllocationRun, run_id) if run_id else None
    return run if run is not None and run.term_id == term.id else None


@bp.get("/voorstellen/<int:run_id>")
@roles_required("admin")
def proposal(run_id: int):
    """A run: summary per province, the distances, the seed, and a page of its lines."""
    return _proposal_page(_run_or_404(run_id), SendProposalForm(formdata=None))


def _proposal_page(run: AllocationRun, send_form: SendProposalForm):
    settings, include_second_round = codec.read_settings(run.settings)
    result, rows = queries.line_page(run, page_number(request.args.get("page")))
    return render_template(
        "admin/proposal.html",
        run=run,
        term=db.session.get(Term, run.term_id),
        settings=settings,
        include_second_round=include_second_round,
        totals=queries.totals(run),
        provinces=queries.per_province(run),
        bars=queries.distance_bars(run),
        result=result,
        rows=rows,
        send_form=send_form,
        answerable=rules.proposal_answerable(run, utcnow()),
        km=km,
    )


@bp.post("/voorstellen/<int:run_id>/lijnen/<int:line_id>/verwijderen")
@roles_required("admin")
def remove_proposal_line(run_id: int, line_id: int):
    """Take one student's line out of a draft."""
    run = _run_or_404(run_id)
    line = db.get_or_404(AllocationLine, valid_id(line_id) or 0)
    if line.run_id != run.id:
        abort(404)
    if operations.remove_line(line):
        db.session.commit()
        flash(_("Lijn verwijderd uit het voorstel."), "success")
    else:
        flash(
            _("Dit voorstel is al verstuurd: lijnen verwijderen kan niet meer."),
            "error",
        )
    page = page_number(request.form.get("page"))
    return redirect(url_for("admin.proposal", run_id=run.id, page=page))


@bp.post("/voorstellen/<int:run_id>/versturen")
@roles_required("admin")
def send_proposal(run_id: int):
    """Send a draft to the services, with the day until which they may answer."""
    run, now = _run_or_404(run_id), utcnow()
    if run.sent_at is not None:
        flash(_("Dit voorstel is al verstuurd."), "error")
        return redirect(url_for("admin.proposal", run_id=run.id))
    form = SendProposalForm()
    if form.validate_on_submit():
        refusal = operations.send_refusal(run, form.answer_day.data, now)
        if refusal is None:
            per_service = operations.send_run(run, form.answer_day.data, now)
            commit_and_send()
            flash(
                ngettext(
                    "Voorstel verstuurd naar %(num)d dienst.",
                    "Voorstel verstuurd naar %(num)d diensten.",
                    len(per_service),
                ),
                "success",
            )
            return redirect(url_for("admin.proposal", run_id=run.id))
        form.answer_day.errors = [refusal]
    return _proposal_page(run, form)
