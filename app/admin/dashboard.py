"""VIVO's desk: the dashboard per term (ADM-3) and the unanswered requests (ADM-5)."""

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, InputRequired

from app import audit
from app.admin import stats
from app.admin.routes import bp
from app.extensions import db
from app.formtools import choice_list
from app.htmx import render_page_or_fragment
from app.models import ReminderSent, utcnow
from app.models.reference import PROVINCES
from app.outbox import commit_and_send
from app.schedule.clock import local_date
from app.schedule.reminders import Recipient, send_once
from app.schedule.timetable import all_terms, default_term, term_state
from app.schedule.timing import page_number
from app.security import roles_required
from app.tenancy import valid_id


class TermChoiceForm(FlaskForm):
    """GET choice of the dashboard's term."""

    class Meta:
        csrf = False

    term = SelectField(_l("Stageperiode"), coerce=int, validate_choice=False)


class UnansweredFilterForm(FlaskForm):
    """GET filters of the unanswered requests."""

    class Meta:
        csrf = False

    provincie = SelectField(_l("Provincie"), validate_choice=False)
    school = SelectField(
        _l("School"), coerce=lambda v: valid_id(_int(v)), validate_choice=False
    )


class RemindForm(FlaskForm):
    """The button that reminds one province's services of its unanswered requests."""

    provincie = HiddenField(validators=[InputRequired(), AnyOf(list(PROVINCES))])


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.get("/dashboard")
@roles_required("admin")
def dashboard():
    """How a term is going: requests, acceptances, open and stopped, capacity (ADM-3)."""
    terms = all_terms()
    form = TermChoiceForm(request.args)
    form.term.choices = choice_list((t.id, t.name) for t in terms)
    term = next((t for t in terms if t.id == form.term.data), None) or default_term(
        terms
    )
    if term is not None:
        form.term.data = term.id
    numbers = stats.dashboard(term) if term is not None else None
    return render_template(
        "admin/dashboard.html",
        form=form,
        term=term,
        numbers=numbers,
        state=term_state(term) if term is not None else None,
    )


def _filter_form() -> UnansweredFilterForm:
    form = UnansweredFilterForm(request.args)
    form.provincie.choices = choice_list([("", _("Alle")), *PROVINCES.items()])
    form.school.choices = choice_list([("", _("Alle")), *stats.school_choices()])
    if form.provincie.data not in PROVINCES:
        form.provincie.data = ""
    return form


@bp.get("/onbeantwoord")
@roles_required("admin")
def unanswered():
    """Released requests no service accepted or declined, the longest waiting first (ADM-5)."""
    now, form = utcnow(), _filter_form()
    province, school_id = form.provincie.data, form.school.data
    result = stats.unanswered_page(
        now, province, school_id, page_number(request.args.get("page"))
    )
    return render_page_or_fragment(
        "admin/unanswered.html",
        "admin/_unanswered_table.html",
        form=form,
        result=result,
        rows=stats.waiting(result.items, now),
        province=province,
        school_id=school_id,
        per_province=stats.unanswered_per_province(now, school_id),
        remind_form=RemindForm(),
        reminded=reminded_today(now),
    )


@bp.post("/onbeantwoord/herinneren")
@roles_required("admin")
def remind_unanswered():
    """Mail every active login of a province's services how many requests wait (once a day)."""
    form = RemindForm()
    if not form.validate_on_submit():
        flash(_("Kies een provincie."), "error")
        return redirect(url_for("admin.unanswered"))
    province = form.provincie.data
    sent, logins, already = remind_province(province, utcnow())
    name = PROVINCES[province]
    if sent:
        flash(
            _(
                "Herinnering verstuurd: %(mails)s naar %(logins)s van diensten in %(province)s.",
                mails=ngettext("%(num)d mail", "%(num)d mails", sent),
                logins=ngettext("%(num)d login", "%(num)d logins", logins),
                province=name,
            ),
            "success",
        )
    elif already:
        flash(
            _(
                "De diensten van %(province)s kregen vandaag al een herinnering.",
                province=name,
            ),
            "info",
        )
    else:
        flash(
            _(
                "Geen herinnering verstuurd: in %(province)s wacht geen aanvraag of is er geen "
                "actieve login van een dienst.",
                province=name,
            ),
            "info",
        )
    return redirect(url_for("admin.unanswered", provincie=province))


def reminder_kind(province: str, now: datetime) -> str:
    """The ReminderSent kind of a province's reminder: one per Belgian day."""
    return f"unanswered:{province}:{local_date(now).isoformat()}"


def reminded_today(now: datetime) -> set[str]:
    """The provinces whose services had a reminder today (one query for all provinces)."""
    kinds = {reminder_kind(code, now): code for code in PROVINCES}
    found = db.session.scalars(
        select(ReminderSent.kind).where(ReminderSent.kind.in_(list(kinds))).distinct()
    )
    return {kinds[kind] for kind in found}


def remind_province(province: str, now: datetime) -> tuple[int, int, int]:
    """Queue, per term open for acceptance with unanswered requests in `province`, one mail to
    each active login of the province's active services, unless it had that term's reminder
    today. Audited when at least one mail went out (a click that sends nothing writes no
    event). Returns (mails queued, logins that got one, mails already sent today)."""
    from app.auth.logic import external_url

    logins = [
        Recipient(email, language)
        for email, language in stats.province_service_logins(province)
    ]
    kind, sent, already, reached = reminder_kind(province, now), 0, 0, set()
    for term, count in stats.unanswered_per_term(now, province):
        subject = _l(
            "Stagematching: %(count)s stageaanvragen in %(province)s wachten op antwoord",
            count=count,
            province=PROVINCES[province],
        )
        link = external_url("placements.browse", term=term.id)
        for to in logins:
            if send_once(
                kind,
                term,
                to,
                now,
                subject,
                "unanswered_reminder",
                count=count,
                province=PROVINCES[province],
                link=link,
                until=term_state(term, now).accept_until,
            ):
                sent += 1
                reached.add(to.email)
            else:
                already += 1
    if sent:
        audit.record(
            "unanswered.reminded",
            detail=f"province={province} mails={sent} logins={len(reached)}",
        )
        commit_and_send()
    return sent, len(reached), already
