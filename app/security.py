"""Security plumbing: response headers, role checks, sessions, passwords, one-time tokens and
the context of security log lines."""

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta
from functools import wraps
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_app_context,
    request,
    session,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from zxcvbn import zxcvbn

from app.extensions import login_manager

log = logging.getLogger("stagematching.access")

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    # Pico draws its select arrows and search icons as data: SVG images in its CSS.
    "form-action 'self'; img-src 'self' data:"
)
PASSWORD_MIN, PASSWORD_MAX = 12, 128
# zxcvbn's scores: 3 is "safely unguessable" by an online attack that is throttled.
PASSWORD_MIN_SCORE = 3
ZXCVBN_MAX_LENGTH = 72
SITE_WORDS = ("stagematching", "vivo", "vivosocialprofit")
_COMMON_PASSWORDS: frozenset[str] | None = None
# A session ends this long after its login, however active (SECURITY.md 9); the cookie's
# PERMANENT_SESSION_LIFETIME ends it earlier after inactivity.
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
LOGIN_AT = "login_at"


def init_app(app: Flask) -> None:
    """Attach the security headers to every response; load users from their session; end
    sessions that outlived their absolute lifetime."""
    app.before_request(_end_expired_session)
    app.after_request(_security_headers)
    login_manager.user_loader(load_user)


def load_user(identity: str):
    """The user of a session cookie, if its session token is still current and active."""
    from sqlalchemy.orm import joinedload

    from app.extensions import db
    from app.models import User
    from app.tenancy import valid_id

    user_id, _sep, token = identity.partition(":")
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


# --- sessions -----------------------------------------------------------------------------


def start_login_clock() -> None:
    """Note the moment of login in the (fresh) session: the absolute lifetime counts from it."""
    session[LOGIN_AT] = int(time.time())


def _session_lifetime() -> timedelta:
    return current_app.config.get(
        "SESSION_ABSOLUTE_LIFETIME", SESSION_ABSOLUTE_LIFETIME
    )


def _end_expired_session() -> None:
    """Log out a session older than its absolute lifetime, with a flash that says why.

    A session without a login moment (made before this rule) counts as expired.
    """
    if request.endpoint == "static" or "_user_id" not in session:
        return
    started = session.get(LOGIN_AT)
    age = time.time() - started if isinstance(started, int) else None
    if age is not None and 0 <= age < _session_lifetime().total_seconds():
        return
    log.info("session ended after its absolute lifetime: %s", log_context())
    language = session.get("lang")
    session.clear()
    g.pop("_login_user", None)
    if language:
        session["lang"] = language
    hours = max(1, round(_session_lifetime() / timedelta(hours=1)))
    flash(
        _(
            "Je sessie is verlopen: na %(hours)d uur moet je opnieuw inloggen.",
            hours=hours,
        ),
        "info",
    )


# --- security log lines -------------------------------------------------------------------


def account_digest(email: str) -> str:
    """A short keyed hash of a typed e-mail address: the same address gives the same hash
    (to follow an attack in the log, to key a limit), but the log does not name it."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    message = b"account:" + (email or "").strip().lower().encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def log_context(user_id: int | None = None, email: str | None = None) -> str:
    """Who, from where and on which route, for a security log line (SECURITY.md 21).

    Who is `user_id`, else the logged-in user's id, plus a hash of the typed address; the
    route is the rule (`/studenten/<int:student_id>`), so that no token or value in a
    path or query string reaches the log.
    """
    if user_id is None:
        user_id = _session_user_id()
    who = f"user={user_id}" if user_id is not None else "user=anonymous"
    if email is not None:
        who += f" account={account_digest(email)}"
    rule = request.url_rule.rule if request.url_rule is not None else "-"
    return f"{who} from={request.remote_addr or '-'} route={request.method} {rule}"


def _session_user_id() -> int | None:
    """The logged-in user's id, without a query: the database may be what just failed.

    Before the view loads the user (a CSRF failure comes first), the id its signed session
    names (its token may be stale).
    """
    user = g.get("_login_user")
    if user is not None:
        return user.id if user.is_authenticated else None
    claimed = str(session.get("_user_id", "")).partition(":")[0]
    return int(claimed) if claimed.isdigit() else None


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

PRODUCTION_HASHER = PasswordHasher()  # argon2id, RFC 9106's low-memory profile
# Tests only (SECURITY.md 12 keeps its proof in one test of the production parameters): the
# lowest cost argon2 accepts; the hash format and every code path stay the same.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_DUMMY_HASHES: dict[int, str] = {}


def _hasher() -> PasswordHasher:
    """The production hasher, or the cheap one in tests (ARGON2_TEST_CHEAP, default TESTING)."""
    if has_app_context() and current_app.config.get(
        "ARGON2_TEST_CHEAP", current_app.testing
    ):
        return CHEAP_HASHER
    return PRODUCTION_HASHER


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; spends the same time when there is no hash (no enumeration)."""
    hasher = _hasher()
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash("not-a-real-password-just-for-timing")
    try:
        return hasher.verify(
            password_hash or _DUMMY_HASHES[id(hasher)], password
        ) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Why a new password is refused (length, too easy to guess), or None when it is fine.

    `user_inputs` are words an attacker would try first for this user (e-mail address,
    organisation); zxcvbn treats them, the site's names and the common list as a dictionary.
    """
    if len(password) < PASSWORD_MIN:
        return _("Kies een paswoord van minstens %(n)d tekens.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Kies een paswoord van hoogstens %(n)d tekens.", n=PASSWORD_MAX)
    if all(c.isspace() or not c.isprintable() for c in password):
        return _(
            "Een paswoord kan niet enkel uit spaties of onzichtbare tekens bestaan."
        )
    if password.lower() in _common_passwords():
        return _("Dit paswoord is te algemeen en makkelijk te raden. Kies een ander.")
    personal = _words(user_inputs) + list(SITE_WORDS)
    # zxcvbn's cost grows fast with the length (0.8 s for 128 random characters): its own
    # bound of 72 characters is judged, which is plenty to tell a weak password.
    result = zxcvbn(
        password[:ZXCVBN_MAX_LENGTH],
        user_inputs=personal + list(_dutch_words()) + sorted(_common_passwords()),
    )
    uses_own_words = _own_words_in(result, set(personal))
    # Built on the user's own words (an organisation's name and a year), it must be very
    # strong: those words are an attacker's first guesses, whatever zxcvbn's ranks say.
    # Built on a common Dutch word (a season, a town, "welkom") with a year and a few
    # signs, zxcvbn's 3 is too kind: those are the first guesses here, as for own words.
    uses_dutch_words = _own_words_in(result, set(_dutch_words()))
    if result["score"] >= (
        4 if uses_own_words or uses_dutch_words else PASSWORD_MIN_SCORE
    ):
        return None
    return (
        _("Dit paswoord is te makkelijk te raden:")
        + " "
        + _weakness(result, uses_own_words)
        + " "
        + _("Kies bijvoorbeeld een zin van enkele ongewone woorden.")
    )


def _words(values: Iterable[str]) -> list[str]:
    """The values and their parts (an e-mail address splits into its words), lower case."""
    words: list[str] = []
    for value in values:
        value = (value or "").lower()
        # "nieuw@cvo.example" gives "nieuwcvoexample", "nieuw", "cvo" and "example" too.
        parts = [w for w in re.split(r"\W+", value) if len(w) > 2]
        words += [value, "".join(parts), *parts]
    return [w for w in dict.fromkeys(words) if w]


def _own_words_in(result: dict, personal: set[str]) -> bool:
    """True when zxcvbn found one of the user's own words (or the site's) in the password."""
    return any(
        match.get("dictionary_name") == "user_inputs"
        and match.get("matched_word") in personal
        for match in result["sequence"]
    )


def _weakness(result: dict, uses_own_words: bool) -> str:
    """zxcvbn's warning as a short Dutch sentence."""
    if uses_own_words:
        return _(
            "het bevat je e-mailadres, de naam van je organisatie, Stagematching of "
            "VIVO."
        )
    warning = result["feedback"]["warning"]
    for fragment, sentence in _WARNINGS:
        if fragment in warning:
            return str(sentence)
    return _("het lijkt op een veelgebruikt paswoord.")


_WARNINGS = (
    ("rows of keys", _l("rijen toetsen op het toetsenbord zijn makkelijk te raden.")),
    ("keyboard patterns", _l("patronen op het toetsenbord zijn makkelijk te raden.")),
    ("Repeats", _l("herhalingen zoals „aaa” of „abcabc” zijn makkelijk te raden.")),
    ("Sequences", _l("reeksen zoals „abc” of „6543” zijn makkelijk te raden.")),
    ("years", _l("jaartallen zijn makkelijk te raden.")),
    ("Dates", _l("datums zijn makkelijk te raden.")),
    ("common password", _l("het lijkt op een veelgebruikt paswoord.")),
    ("word by itself", _l("één woord alleen is makkelijk te raden.")),
    ("surnames", _l("namen zijn makkelijk te raden.")),
)


def _dutch_words() -> tuple[str, ...]:
    """Dutch and Belgian words zxcvbn does not know (seasons, months, towns, care words),
    most likely first: zxcvbn ranks them in this order."""
    global _DUTCH_WORDS
    if _DUTCH_WORDS is None:
        path = Path(__file__).parent / "data" / "dutch_words.txt"
        lines = (line.strip().lower() for line in path.read_text().splitlines())
        _DUTCH_WORDS = tuple(
            dict.fromkeys(w for w in lines if w and not w.startswith("#"))
        )
    return _DUTCH_WORDS


_DUTCH_WORDS: tuple[str, ...] | None = None


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
