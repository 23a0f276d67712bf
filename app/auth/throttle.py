"""Login throttling that slows an attacker without locking the account's owner out.

Three limits count failed logins (SECURITY.md 13 and 26), in the limiter's shared storage:
- per account and address: a few failures for one e-mail address from one client address
  (an IPv6 client counts by its /64 network) refuse that pair only;
- per account: a slower cap on all failures for one e-mail address, from anywhere;
- per address: a cap on all failures from one client address, whatever the account.
The last two could be used to lock an owner out, so a browser that has logged in to the
account before (or chose its password through a mailed link) carries a signed device cookie
(OWASP's "device cookies"), and counts in buckets of its own for those two limits. Every
key is built from the typed address, known or not, so the answers reveal no accounts.
"""

import hashlib
import hmac
import ipaddress
import secrets
import time
from functools import wraps
from datetime import UTC, datetime

from flask import Response, current_app, g, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import limiter
from app.security import account_digest

DEVICE_COOKIE = "stagematching_device"
DEVICE_ACCOUNTS_MAX = 5  # accounts one browser remembers (a shared computer at school)
DEFAULTS = {
    "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "5 per 15 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE": "50 per hour",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    "LOGIN_DEVICE_DAYS": 90,
}


def setting(name: str):
    """A throttling setting from the configuration, or its default here."""
    return current_app.config.get(name, DEFAULTS[name])


def pair_limit() -> str:
    return setting("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS")


def account_limit() -> str:
    return setting("LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE")


def address_limit() -> str:
    return setting("LOGIN_LIMIT_PER_ADDRESS")


def failed_logins(limit, key, message):
    """A limiter decorator for the login form. Every POST takes its count before the
    password is checked, by the storage's atomic increment-and-compare, so that parallel
    attempts cannot all pass the check before any of them is counted; the view, wrapped in
    `only_failures_count`, gives the count back unless the login failed."""
    return limiter.limit(limit, key_func=key, methods=["POST"], error_message=message)


def only_failures_count(view):
    """Give back this request's count in the login limits unless it was a failed login
    (a success, a form refused before any password check, an error)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        finally:
            if request.method == "POST" and not g.get("login_failed"):
                _give_back()

    return wrapper


def count_failure() -> None:
    """Keep this request's count in the login limits: a failed login."""
    g.login_failed = True


def _give_back() -> None:
    for taken in limiter.current_limits:
        if "/login-" not in taken.key:  # only the limits this module sets
            continue
        try:
            limiter.limiter.storage.incr(taken.key, taken.limit.get_expiry(), amount=-1)
        except Exception:  # the storage went away: the attempt stays counted
            current_app.logger.warning("could not give back a login attempt's count")


# --- keys ---------------------------------------------------------------------------------


def typed_account() -> str:
    """The e-mail address typed on the form, as the login lookup normalises it."""
    return (request.form.get("email") or "").strip().lower()


def address_bucket() -> str:
    """The client address (after ProxyFix); an IPv6 client by its /64, which one host owns."""
    address = request.remote_addr or "-"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def pair_key() -> str:
    # A remembered browser counts apart here too: failures of others behind the same
    # address (a school's network) do not lock a colleague with a device cookie out.
    return (
        f"login-pair:{account_digest(typed_account())}|{address_bucket()}"
        + _device_suffix()
    )


def account_key() -> str:
    return f"login-account:{account_digest(typed_account())}" + _device_suffix()


def address_key() -> str:
    return f"login-address:{address_bucket()}" + _device_suffix()


def mail_pair_key() -> str:
    """The reset and resend-activation forms: per typed address and client address, so an
    attacker elsewhere cannot use up the owner's requests."""
    return f"mail-pair:{account_digest(typed_account())}|{address_bucket()}"


def mail_address_key() -> str:
    return f"mail-address:{address_bucket()}"


def _device_suffix() -> str:
    """A remembered browser counts apart: the attacker's failures do not reach its bucket."""
    device = trusted_device()
    return f"|device:{device}" if device else ""


# --- device cookie ------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def _device_cookie() -> dict | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw, max_age=setting("LOGIN_DEVICE_DAYS") * 86400)
    except BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("accounts"), list):
        return None
    return value


def _binding(email: str, password_hash: str | None) -> str:
    """The cookie's entry for one account: its keyed hash, bound to the current password
    hash, so a password change or reset makes older entries worthless."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    bound = hmac.new(
        key, b"login-device:" + (password_hash or "").encode(), hashlib.sha256
    ).hexdigest()[:16]
    return f"{account_digest(email)}.{bound}"


def _typed_account_binding() -> str | None:
    """The entry a remembered browser carries for the typed account, or None when the
    account is unknown or has no password (looked up once per request)."""
    if "device_binding" not in g:
        from app.auth.logic import find_user  # logic does not import this module

        user = find_user(typed_account())
        g.device_binding = (
            _binding(user.email, user.password_hash)
            if user is not None and user.password_hash
            else None
        )
    return g.device_binding


def trusted_device() -> str | None:
    """This browser's id if it has logged in to the typed account with its current
    password before, else None."""
    cookie = _device_cookie()
    if cookie is None or not typed_account():
        return None
    binding = _typed_account_binding()
    if binding is None or binding not in cookie["accounts"]:
        return None
    return str(cookie.get("device", ""))[:32] or None


def remember_device(
    response: Response, email: str, password_hash: str | None, fresh: bool = False
) -> Response:
    """Let this browser log in to `email` past the account and address caps from now on,
    while the password stays `password_hash`. `fresh`: a new device id (after a reset)."""
    cookie = _device_cookie() or {"device": "", "accounts": []}
    if fresh or not cookie.get("device"):
        cookie["device"] = secrets.token_urlsafe(16)
    digest = account_digest(email)
    entry = _binding(email, password_hash)
    accounts = [entry] + [
        a
        for a in cookie["accounts"]
        if isinstance(a, str) and a.split(".")[0] != digest
    ]
    cookie["accounts"] = accounts[:DEVICE_ACCOUNTS_MAX]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(cookie),
        max_age=setting("LOGIN_DEVICE_DAYS") * 86400,
        path=url_for("auth.login"),  # sent to the login form only
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


# --- what the user reads ------------------------------------------------------------------


def _retry_time() -> str:
    """When the breached limit lets the next attempt through, in local time (e.g. 14:35)."""
    breached = limiter.current_limit
    reset_at = breached.reset_at if breached else time.time() + 60
    return format_time(datetime.fromtimestamp(reset_at + 59, UTC), "HH:mm")


def pair_message() -> str:
    return _(
        "Te veel mislukte pogingen om met dit e-mailadres in te loggen vanaf deze "
        "verbinding. Probeer het opnieuw vanaf %(time)s, of kies een nieuw paswoord via "
        "„Paswoord vergeten?”.",
        time=_retry_time(),
    )


def account_message() -> str:
    return _(
        "Te veel mislukte pogingen om met dit e-mailadres in te loggen. Probeer het opnieuw "
        "vanaf %(time)s, of kies een nieuw paswoord via „Paswoord vergeten?”: daarna kan je "
        "in deze browser meteen inloggen.",
        time=_retry_time(),
    )


def address_message() -> str:
    return _(
        "Te veel mislukte pogingen om in te loggen vanaf deze verbinding. Probeer het "
        "opnieuw vanaf %(time)s, of kies een nieuw paswoord via „Paswoord vergeten?”: "
        "daarna kan je in deze browser meteen inloggen.",
        time=_retry_time(),
    )
