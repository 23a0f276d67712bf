"""Login, logout, activation by invitation and password reset (manual section 1)."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from app.auth import logic, throttle
from app.auth.forms import EmailForm, LoginForm, NewPasswordForm, ResendForm
from app.extensions import db, limiter
from app.models import User, utcnow
from app.outbox import commit_and_send
from app.security import is_safe_next, log_context, public, start_login_clock

bp = Blueprint("auth", __name__)


def _mail_request_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _mail_address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


_TOO_MANY = _l("Te veel pogingen. Wacht even en probeer het daarna opnieuw.")


def mail_request_limits(view):
    """The reset and resend forms: per typed address and client address, and per client
    address; no cap on a typed address from anywhere, which an attacker could use up for
    the owner (SECURITY.md 26)."""
    for limit, key in (
        (_mail_address_limit, throttle.mail_address_key),
        (_mail_request_limit, throttle.mail_pair_key),
    ):
        view = limiter.limit(
            limit, key_func=key, methods=["POST"], error_message=_TOO_MANY
        )(view)
    return view


@bp.route("/login", methods=["GET", "POST"])
@throttle.failed_logins(throttle.pair_limit, throttle.pair_key, throttle.pair_message)
@throttle.failed_logins(
    throttle.account_limit, throttle.account_key, throttle.account_message
)
@throttle.failed_logins(
    throttle.address_limit, throttle.address_key, throttle.address_message
)
@public
@throttle.only_failures_count
def login():
    """Log in with e-mail and password; offers "resend activation" on failure."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user, known_id = logic.authenticate(form.email.data, form.password.data)
        if user is not None:
            return _start_session(user)
        throttle.count_failure()
        failed = True
        current_app.logger.warning(
            "failed login: %s", log_context(known_id, form.email.data)
        )
    resend = ResendForm(email=form.email.data) if failed else None
    return render_template("auth/login.html", form=form, failed=failed, resend=resend)


@bp.errorhandler(429)
def too_many_attempts(error):
    """A throttled login shows the form again with why and until when; other forms the
    error page with the limit's message."""
    limit = getattr(error, "limit", None)
    current_app.logger.warning(
        "throttled: %s %s",
        limit.limit if limit else "-",
        log_context(email=throttle.typed_account()),
    )
    if request.endpoint == "auth.login":
        flash(error.description, "error")
        page = render_template("auth/login.html", form=LoginForm(), failed=False)
        return page, 429
    return render_template("errors/page.html", code=429, message=error.description), 429


def _start_session(user: User):
    target = request.args.get("next")
    chosen = _chosen_language()
    session.clear()  # a value planted before login must not survive it (SECURITY.md 11)
    login_user(user)
    start_login_clock()
    if chosen:
        # A language picked on the login page is the user's choice, for mails too.
        user.language = chosen
    _keep_language(user.language)
    user.previous_login_at, user.last_login_at = user.last_login_at, utcnow()
    db.session.commit()
    response = redirect(target if is_safe_next(target) else url_for("main.dashboard"))
    return throttle.remember_device(response, user.email, user.password_hash)


def _chosen_language() -> str | None:
    """The UI language chosen in this session (main.set_language), if it is offered."""
    language = session.get("lang")
    return language if language in current_app.config["LANGUAGES"] else None


def _keep_language(language: str | None) -> None:
    """Carry the language over a session that was just cleared (login, logout)."""
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language


@bp.post("/logout")
@public
def logout():
    """End the session everywhere: the user's session token is rotated."""
    if current_user.is_authenticated:
        current_user.rotate_session()
        db.session.commit()
    chosen = _chosen_language()
    logout_user()
    session.clear()
    _keep_language(chosen)
    flash(_("Je bent afgemeld."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/activatie-opnieuw")
@mail_request_limits
@public
def resend_activation():
    """Send a new activation mail; the answer is the same for every address."""
    form = ResendForm()
    if form.validate_on_submit():
        _ask_for_mail(logic.request_activation_resend(form.email.data))
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
@mail_request_limits
@public
def forgot_password():
    """Ask for a reset link; the answer is the same for known and unknown addresses."""
    form = EmailForm()
    if form.validate_on_submit():
        _ask_for_mail(logic.request_reset(form.email.data))
        return render_template(
            "auth/message.html",
            title=_("Paswoord vergeten"),
            message=_(
                "Als dit e-mailadres bij ons gekend is, ontvang je binnen enkele minuten een mail "
                "met een link om je paswoord te vernieuwen. Kijk ook in je map met ongewenste mail (spam)."
            ),
        )
    return render_template("auth/forgot.html", form=form)


def _ask_for_mail(request_row) -> None:
    """Commit a noted mail request. The `send-mail` timer works it off, unless mail to
    strangers is sent inline (development, tests): then this request does it itself."""
    db.session.commit()
    config = current_app.config
    if config.get("OUTBOX_SEND_INLINE", True) and config.get(
        "OUTBOX_SEND_ANONYMOUS_INLINE"
    ):
        logic.work_off_mail_requests(ids=[request_row.id])
        commit_and_send(anonymous=True)


@bp.route("/paswoord-herstellen/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password through a reset link."""
    return _password_page(token, logic.RESET, _("Nieuw paswoord kiezen"))


def _password_page(token: str, purpose: str, title: str):
    row = logic.valid_token(token, purpose)
    if row is None:
        return render_template("auth/invalid_link.html", purpose=purpose), 410
    form = NewPasswordForm(user_inputs=logic.password_context(row.user))
    if form.validate_on_submit():
        if not logic.consume_token(row):
            db.session.rollback()
            return render_template("auth/invalid_link.html", purpose=purpose), 410
        logic.set_password(row.user, form.password.data)
        commit_and_send()
        flash(_("Je paswoord is ingesteld. Je kan nu inloggen."), "success")
        # The mailed link proves the mailbox: this browser logs in past the account caps.
        # A fresh device id: whoever held the old cookie no longer shares this bucket.
        return throttle.remember_device(
            redirect(url_for("auth.login")),
            row.user.email,
            row.user.password_hash,
            fresh=True,
        )
    return render_template(
        "auth/set_password.html", form=form, title=title, user=row.user
    )
