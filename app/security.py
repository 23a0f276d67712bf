"""Security plumbing: response headers, role checks, passwords and one-time tokens."""

import hashlib
import hmac
import secrets
from functools import wraps
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import login_manager
from app.tenancy import valid_id

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    # Pico draws its select arrows and search icons as data: SVG images in its CSS.
    "form-action 'self'; img-src 'self' data:"
)
PASSWORD_MIN, PASSWORD_MAX = 12, 128
_hasher = PasswordHasher()  # argon2id with the library's current defaults
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")
_COMMON_PASSWORDS: frozenset[str] | None = None


def init_app(app: Flask) -> None:
    """Attach the security headers to every response; load users from their session."""
    app.after_request(_security_headers)
    login_manager.user_loader(load_user)


def load_user(identity: str):
    """The user of a session cookie, if its session token is still current and active."""
    from sqlalchemy.orm import joinedload

    from app.extensions import db
    from app.models import User

    user_id, _, token = identity.partition(":")
    user = (
        # The organisation comes along: is_active and every page's menu need it.
        db.session.get(
            User,
            int(user_id),
            options=(joinedload(User.school), joinedload(User.care_service)),
        )
        if user_id.isdigit() and valid_id(int(user_id))
        else None
    )
    if (
        user is None
        or not user.is_active
        or not constant_time_equal(user.session_token, token)
    ):
        return None
    return user


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static" or response.status_code >= 400:
        headers["Cache-Control"] = "no-store"
        response.vary.add("HX-Request")
    return response


# --- roles --------------------------------------------------------------------------------


def roles_required(*roles: str):
    """Allow a view only to logged-in users with one of `roles`; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def public(view):
    """Mark a view as reachable without login (login, activation, help...)."""
    view.allowed_roles = "public"
    return view


ANY_USER = ("admin", "school", "service")


# --- passwords ----------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; spends the same time when there is no hash (no enumeration)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused (length, common), or None when it is fine."""
    if len(password) < PASSWORD_MIN:
        return str(_l("Kies een paswoord van minstens %(n)d tekens.", n=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        return str(_l("Kies een paswoord van hoogstens %(n)d tekens.", n=PASSWORD_MAX))
    if password.lower() in _common_passwords():
        return str(
            _l("Dit paswoord is te algemeen en makkelijk te raden. Kies een ander.")
        )
    return None


def _common_passwords() -> frozenset[str]:
    global _COMMON_PASSWORDS
    if _COMMON_PASSWORDS is None:
        path = Path(__file__).parent / "data" / "common_passwords.txt"
        _COMMON_PASSWORDS = frozenset(
            line.strip().lower()
            for line in path.read_text().splitlines()
            if line.strip()
        )
    return _COMMON_PASSWORDS


# --- one-time tokens ----------------------------------------------------------------------


def new_token() -> tuple[str, str]:
    """A fresh URL token (256 random bits) and the SHA-256 hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_safe_next(target: str | None) -> bool:
    """True for a local path only (no open redirect after login or language switch)."""
    from urllib.parse import urlsplit

    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return False
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    return (
        target.startswith("/")
        and not target.startswith("//")
        and not (parts.scheme or parts.netloc)
    )


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
