"""Account rules: invitations, activation, password reset; callable without HTTP."""

from datetime import timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from app import audit
from app.extensions import db
from app.models import AuthToken, MailRequest, User, utcnow
from app.outbox import in_language, queue_mail
from app.security import hash_password, new_token, token_digest, verify_password

ACTIVATE, RESET = "activate", "reset"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """The user with this e-mail address (case-insensitive), or None."""
    return db.session.scalar(
        select(User).where(func.lower(User.email) == normalise_email(email))
    )


def active_logins(*owners) -> list[tuple[str, str]]:
    """(e-mail, language) of the enabled, activated logins matching any of `owners`, e.g.
    `User.school_id == 3`."""
    return list(
        db.session.execute(
            select(User.email, User.language)
            .where(or_(*owners), User.is_active)
            .order_by(User.email)
        ).all()
    )


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, built from BASE_URL, never from the Host header."""
    if not has_request_context():  # CLI and timers
        with current_app.test_request_context():
            return current_app.config["BASE_URL"] + url_for(endpoint, **values)
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def issue_token(user: User, purpose: str) -> str:
    """A new single-use token for `user`. Older unexpired tokens of that purpose keep
    working: anyone can ask for a mail to any address, and that must not void the link
    the owner is about to follow (SECURITY.md 26). Using one retires them all."""
    db.session.execute(
        delete(AuthToken).where(
            AuthToken.user_id == user.id,
            AuthToken.purpose == purpose,
            AuthToken.used_at.is_(None),
            AuthToken.expires_at <= utcnow(),
        )
    )
    ttl = current_app.config["ACTIVATION_TTL" if purpose == ACTIVATE else "RESET_TTL"]
    token, digest = new_token()
    db.session.add(
        AuthToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest,
            expires_at=utcnow() + ttl,
        )
    )
    return token


def invite_user(
    email: str, role: str, school_id=None, care_service_id=None, send: bool = True
) -> User:
    """Create a login without password and queue the activation mail (AUTH-1)."""
    user = User(
        email=normalise_email(email),
        role=role,
        school_id=school_id if role == "school" else None,
        care_service_id=care_service_id if role == "service" else None,
    )
    db.session.add(user)
    db.session.flush()
    if send:
        send_activation(user)
    audit.record("user.invited", user, detail=role)
    return user


def mail_language(user: User, asked_in: str | None = None) -> str:
    """The language of a mail to `user`: the one their login holds. Before the first login
    nobody chose it (the column holds the default), so the language the mail was asked in
    (the admin's who invites, the stranger's who asks on the login page; the current one
    when not given) comes first."""
    asked_in = asked_in or str(get_locale() or "")
    if user.activated_at is None and asked_in:
        return asked_in
    return user.language or asked_in


def send_activation(user: User, asked_in: str | None = None) -> None:
    """Queue a (new) activation mail for a user that has not activated yet; `asked_in`: the
    language of whoever asked for it (the current one when not given)."""
    token = issue_token(user, ACTIVATE)
    with in_language(mail_language(user, asked_in)):
        queue_mail(
            user.email,
            _("Activeer je account op Stagematching"),
            "activation",
            user=user,
            link=external_url("auth.activate", token=token),
            days=current_app.config["ACTIVATION_TTL"].days,
        )


def send_reset(user: User, asked_in: str | None = None) -> None:
    """Queue a password-reset mail (AUTH-4), in the language of the login it is for."""
    token = issue_token(user, RESET)
    hours = int(current_app.config["RESET_TTL"] / timedelta(hours=1))
    with in_language(mail_language(user, asked_in)):
        queue_mail(
            user.email,
            _("Nieuw paswoord voor Stagematching"),
            "reset",
            user=user,
            link=external_url("auth.reset_password", token=token),
            hours=hours,
        )


def valid_token(token: str, purpose: str) -> AuthToken | None:
    """The unused, unexpired token row for this link, or None."""
    row = db.session.scalar(
        select(AuthToken).where(
            AuthToken.token_hash == token_digest(token), AuthToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if not row.user.enabled:
        return None
    return row


def consume_token(row: AuthToken) -> bool:
    """Mark the token used; of two concurrent uses only one gets True. The user's other
    tokens of that purpose are retired with it: one reset or activation per mail round."""
    now = utcnow()
    result = db.session.execute(
        update(AuthToken)
        .where(AuthToken.id == row.id, AuthToken.used_at.is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:
        return False
    db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == row.user_id,
            AuthToken.purpose == row.purpose,
            AuthToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return True


def set_password(user: User, password: str) -> None:
    """Set a new password, end other sessions, and tell the user by mail (SECURITY.md 17)."""
    first_time = user.activated_at is None
    user.password_hash = hash_password(password)
    user.rotate_session()
    if first_time:
        user.activated_at = utcnow()
        audit.record("user.activated", user, user_id=user.id)
    else:
        audit.record("user.password_changed", user, user_id=user.id)
        with in_language(mail_language(user)):
            queue_mail(
                user.email,
                _("Je paswoord voor Stagematching is gewijzigd"),
                "password_changed",
                user=user,
                link=external_url("auth.forgot_password"),
            )


def authenticate(email: str, password: str) -> tuple[User | None, int | None]:
    """The active user with this e-mail and password, or None (same work either way); and
    the id of the login the address belongs to, if any, for the log line of a failure."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None, user.id if user else None
    return user, user.id


def password_context(user: User) -> list[str]:
    """What an attacker of this login would try first: its address and organisation."""
    return [user.email, user.organisation_name]


def ask_for_mail(email: str, purpose: str) -> MailRequest:
    """Note a stranger's request for a reset link or a new activation mail. The same one
    insert for every address, known or not, so that the answer's timing tells nothing
    (SECURITY.md 14); `work_off_mail_requests` decides later whether a mail goes out."""
    request_row = MailRequest(
        purpose=purpose,
        address=normalise_email(email)[:254],
        language=str(get_locale() or ""),
    )
    db.session.add(request_row)
    return request_row


def request_activation_resend(email: str) -> MailRequest:
    """Ask for a new activation mail (sent if the address has an unactivated login)."""
    return ask_for_mail(email, ACTIVATE)


def request_reset(email: str) -> MailRequest:
    """Ask for a reset mail (sent if the address has an active login)."""
    return ask_for_mail(email, RESET)


def _links_sent_lately(user: User, purpose: str) -> bool:
    """Has this login had MAIL_LINKS_PER_HOUR links of this kind in the last hour, the
    newest less than half an hour ago? Anyone can ask for such mails, from many addresses;
    the owner then has a working link (valid an hour or more) in the mailbox, so a new
    request mails nothing. A flood fills neither the mailbox nor the outbox (about 5 links
    an hour), and an owner who asks again a few times still gets each mail."""
    now = utcnow()
    count, newest = db.session.execute(
        select(func.count(AuthToken.id), func.max(AuthToken.created_at)).where(
            AuthToken.user_id == user.id,
            AuthToken.purpose == purpose,
            AuthToken.created_at > now - timedelta(hours=1),
        )
    ).one()
    if count < current_app.config["MAIL_LINKS_PER_HOUR"] or newest is None:
        return False
    if newest.tzinfo is None:  # SQLite keeps no zone in an aggregate
        newest = newest.replace(tzinfo=now.tzinfo)
    return newest > now - timedelta(minutes=30)


def work_off_mail_requests(ids=None, limit: int = 500) -> int:
    """Queue the mails that noted requests call for and delete the requests (unknown
    addresses are kept no longer than this); the caller commits. Returns how many requests
    were handled. `ids`: only these (a request's own, when mail is sent inline)."""
    query = select(MailRequest).order_by(MailRequest.id).limit(limit)
    if ids is not None:
        query = query.where(MailRequest.id.in_(ids))
    handled = 0
    for row in db.session.scalars(query).all():
        user = find_user(row.address)
        if user is not None and _links_sent_lately(user, row.purpose):
            user = None  # earlier links still work: a flood of requests mails no flood
        if row.purpose == RESET and user is not None and user.is_active:
            send_reset(user, asked_in=row.language)
        elif (
            row.purpose == ACTIVATE
            and user is not None
            and user.activated_at is None
            and user.enabled
        ):
            send_activation(user, asked_in=row.language)
        db.session.delete(row)
        handled += 1
    return handled


def set_enabled(user: User, enabled: bool) -> None:
    """Deactivate (ending its sessions) or reactivate a login (AUTH-5)."""
    user.enabled = enabled
    if not enabled:
        user.rotate_session()
    audit.record("user.enabled" if enabled else "user.disabled", user)
