"""Login, logout, activation by invitation and password reset (manual section 1)."""

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import logic
from app.auth.forms import EmailForm, LoginForm, NewPasswordForm, ResendForm
from app.extensions import db, limiter, login_email_key
from app.models import User, utcnow
from app.outbox import commit_and_send
from app.security import is_safe_next, public

bp = Blueprint("auth", __name__)


def _failed_login(response) -> bool:
    return bool(g.get("login_failed"))


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _account_limit,
    key_func=login_email_key,
    deduct_when=_failed_login,
    methods=["POST"],
)
@limiter.limit(_address_limit, deduct_when=_failed_login, methods=["POST"])
@public
def login():
    """Log in with e-mail and password; offers "resend activation" on failure."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = logic.authenticate(form.email.data, form.password.data)
        if user is not None:
            return _start_session(user)
        g.login_failed = failed = True
        current_app.logger.warning("failed login")
    resend = ResendForm(email=form.email.data) if failed else None
    return render_template("auth/login.html", form=form, failed=failed, resend=resend)


def _start_session(user: User):
    target = request.args.get("next")
    session.clear()  # a value planted before login must not survive it (SECURITY.md 11)
    login_user(user)
    user.last_login_at = utcnow()
    db.session.commit()
    return redirect(target if is_safe_next(target) else url_for("main.dashboard"))


@bp.post("/logout")
@public
def logout():
    """End the session everywhere: the user's session token is rotated."""
    if current_user.is_authenticated:
        current_user.rotate_session()
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Je bent afgemeld."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/activatie-opnieuw")
@limiter.limit(_account_limit, key_func=login_email_key)
@public
def resend_activation():
    """Send a new activation mail; the answer is the same for every address."""
    form = ResendForm()
    if form.validate_on_submit():
        logic.request_activation_resend(form.email.data)
        commit_and_send(anonymous=True)
    return render_template(
        "auth/message.html",
        title=_("Activatiemail"),
        message=_(
            "Als dit e-mailadres een account heeft dat nog niet geactiveerd is, ontvang je binnen "
            "enkele minuten een nieuwe activatiemail. Kijk ook in je map met ongewenste mail (spam)."
        ),
    )


@bp.route("/activeer/<token>", methods=["GET", "POST"])
@public
def activate(token: str):
    """Activate an invited account by choosing a password."""
    return _password_page(token, logic.ACTIVATE, _("Account activeren"))


@bp.route("/paswoord-vergeten", methods=["GET", "POST"])
@limiter.limit(_account_limit, key_func=login_email_key, methods=["POST"])
@public
def forgot_password():
    """Ask for a reset link; the answer is the same for known and unknown addresses."""
    form = EmailForm()
    if form.validate_on_submit():
        logic.request_reset(form.email.data)
        commit_and_send(anonymous=True)
        return render_template(
            "auth/message.html",
            title=_("Paswoord vergeten"),
            message=_(
                "Als dit e-mailadres bij ons gekend is, ontvang je binnen enkele minuten een mail "
                "met een link om je paswoord te vernieuwen. Kijk ook in je map met ongewenste mail (spam)."
            ),
        )
    return render_template("auth/forgot.html", form=form)


@bp.route("/paswoord-herstellen/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password through a reset link."""
    return _password_page(token, logic.RESET, _("Nieuw paswoord kiezen"))


def _password_page(token: str, purpose: str, title: str):
    row = logic.valid_token(token, purpose)
    if row is None:
        return render_template("auth/invalid_link.html", purpose=purpose), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        if not logic.consume_token(row):
            db.session.rollback()
            return render_template("auth/invalid_link.html", purpose=purpose), 410
        logic.set_password(row.user, form.password.data)
        commit_and_send()
        flash(_("Je paswoord is ingesteld. Je kan nu inloggen."), "success")
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/set_password.html", form=form, title=title, user=row.user
    )
