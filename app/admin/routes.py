"""VIVO administration: logins (ADM-2); the other desk screens add their routes below."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.forms import InviteForm, UserFilterForm
from app.admin.queries import list_users, organisation_options
from app.auth import logic
from app.extensions import db
from app.htmx import render_page_or_fragment, wants_fragment
from app.models import CareService, School, User
from app.outbox import commit_and_send
from app.schedule.timing import page_number
from app.security import roles_required
from app.tenancy import valid_id

bp = Blueprint("admin", __name__)


@bp.route("/logins", methods=["GET", "POST"])
@roles_required("admin")
def users():
    """Search and filter logins, and invite a new one."""
    form = InviteForm(data=_invite_prefill() if request.method == "GET" else None)
    if form.validate_on_submit():
        logic.invite_user(
            form.email.data, form.role.data, form.school_id, form.care_service_id
        )
        commit_and_send()
        flash(
            _("Uitnodiging verstuurd naar %(email)s.", email=form.email.data), "success"
        )
        return redirect(url_for("admin.users"))
    filters = UserFilterForm(request.args)
    filters.validate()
    scope = _scope()
    result = list_users(
        search=filters.q.data or "",
        role=filters.role.data or "",
        organisation=filters.organisation.data or "",
        school_id=scope.get("school_id"),
        care_service_id=scope.get("care_service_id"),
        page=page_number(request.args.get("page")),
    )
    typed = form.organisation.data or ""
    return render_page_or_fragment(
        "admin/users.html",
        "admin/_users_table.html",
        form=form,
        filters=filters,
        result=result,
        scope=scope,
        school_options=organisation_options("school", typed),
        service_options=organisation_options("service", typed),
    )


def _scope() -> dict:
    """?school=<id> or ?dienst=<id> (the logins count of an organisation's row): exactly the
    logins of that school or service (id 0, none, for an unknown one) and its name."""
    for key, model, column in (
        ("school", School, "school_id"),
        ("dienst", CareService, "care_service_id"),
    ):
        if key in request.args:
            object_id = valid_id(request.args.get(key, type=int))
            found = db.session.get(model, object_id) if object_id else None
            return {"key": key, column: found.id if found else 0, "organisation": found}
    return {}


@bp.get("/logins/organisaties")
@roles_required("admin")
def organisation_choices():
    """The invite field's list for what was typed so far (htmx, as the user types)."""
    options = organisation_options(
        request.args.get("role", ""), request.args.get("organisation", "")
    )
    return render_template("admin/_organisation_options.html", options=options)


def _invite_prefill() -> dict:
    """The invite form opened from an organisation's row: its role and name filled in."""
    role = request.args.get("rol", "")
    return (
        {"role": role, "organisation": request.args.get("organisatie", "")}
        if role
        else {}
    )


def _user_or_404(user_id: int) -> User:
    if valid_id(user_id) is None:  # a 20-digit id overflows the database's integer
        abort(404)
    return db.get_or_404(User, user_id)


@bp.post("/logins/<int:user_id>/uitnodiging")
@roles_required("admin")
def resend_invitation(user_id: int):
    """Send a new activation mail to a login that has not activated yet."""
    user = _user_or_404(user_id)
    if user.activated_at is None:
        logic.send_activation(user)
        commit_and_send()
        flash(
            _("Nieuwe uitnodiging verstuurd naar %(email)s.", email=user.email),
            "success",
        )
    return _users_row_or_redirect(user)


@bp.post("/logins/<int:user_id>/deactiveren")
@roles_required("admin")
def disable_user(user_id: int):
    """Deactivate a login; its open sessions end on their next request."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("Je kan je eigen login niet deactiveren."), "error")
    else:
        logic.set_enabled(user, False)
        db.session.commit()
        flash(_("Login %(email)s is gedeactiveerd.", email=user.email), "success")
    return _users_row_or_redirect(user)


@bp.post("/logins/<int:user_id>/activeren")
@roles_required("admin")
def enable_user(user_id: int):
    """Reactivate a deactivated login."""
    user = _user_or_404(user_id)
    logic.set_enabled(user, True)
    db.session.commit()
    flash(_("Login %(email)s is opnieuw actief.", email=user.email), "success")
    return _users_row_or_redirect(user)


def _users_row_or_redirect(user: User):
    """The updated table row for htmx (flashes out-of-band), the list page otherwise."""
    if wants_fragment():
        return render_template("admin/_user_row.html", user=user, oob_flashes=True)
    return redirect(url_for("admin.users"))


# The other screens of VIVO's desk register their routes on this blueprint.
from app.admin import (  # noqa: E402,F401
    audit_log,
    dashboard,
    helpdesk,
    organisations,
    proposals,
)
