"""VIVO administration: logins (ADM-2)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.forms import InviteForm
from app.admin.queries import list_users
from app.auth import logic
from app.extensions import db
from app.htmx import wants_fragment
from app.models import User
from app.outbox import commit_and_send
from app.security import roles_required

bp = Blueprint("admin", __name__)


@bp.route("/logins", methods=["GET", "POST"])
@roles_required("admin")
def users():
    """List logins and invite a new one."""
    form = InviteForm()
    if form.validate_on_submit():
        logic.invite_user(
            form.email.data, form.role.data, form.school_id.data, form.care_service_id.data
        )
        commit_and_send()
        flash(_("Uitnodiging verstuurd naar %(email)s.", email=form.email.data), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/users.html", form=form, users=list_users())


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.post("/logins/<int:user_id>/uitnodiging")
@roles_required("admin")
def resend_invitation(user_id: int):
    """Send a new activation mail to a login that has not activated yet."""
    user = _user_or_404(user_id)
    if user.activated_at is None:
        logic.send_activation(user)
        commit_and_send()
        flash(_("Nieuwe uitnodiging verstuurd naar %(email)s.", email=user.email), "success")
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
from app.admin import audit_log, dashboard, helpdesk, organisations  # noqa: E402,F401
