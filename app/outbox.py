"""Mail through an outbox: written with the change that causes it, sent after the commit."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db, mail
from app.models import OutboxMail, utcnow

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=10)
QUEUED = "outbox_queued"  # session.info key: the mails this transaction queued


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_queued(session) -> None:
    """A transaction that ended without commit_and_send leaves its mails to the timer."""
    session.info.pop(QUEUED, None)


MAX_ATTEMPTS = 20


@contextmanager
def in_language(language: str):
    """Write a mail in the recipient's language (the default one when it is not offered)."""
    config = current_app.config
    with force_locale(
        language if language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    ):
        yield


def queue_mail(recipient: str, subject: str, template: str, **context) -> OutboxMail:
    """Add a mail to the current transaction; it is sent once that transaction commits."""
    body = render_template(f"mail/{template}.txt", **context)
    message = OutboxMail(recipient=recipient, subject=subject, body_text=body)
    db.session.add(message)
    db.session.info.setdefault(QUEUED, []).append(message)
    return message


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Send unsent mails (oldest first); returns (sent, failed). Safe to run in parallel."""
    now = utcnow()
    ids = db.session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
        .where(
            or_(
                OutboxMail.claimed_at.is_(None),
                OutboxMail.claimed_at < now - CLAIM_TIMEOUT,
            )
        )
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return _deliver(ids)


def _deliver(ids) -> tuple[int, int]:
    """Claim and send these mails one by one; (sent, failed)."""
    sent = failed = 0
    for mail_id in ids:
        if not _claim(mail_id):
            continue
        outcome = _send_one(mail_id)
        sent += outcome
        failed += not outcome
    return sent, failed


def _claim(mail_id: int) -> bool:
    # A conditional update: of two senders, only one gets the row.
    now = utcnow()
    result = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None))
        .where(
            or_(
                OutboxMail.claimed_at.is_(None),
                OutboxMail.claimed_at < now - CLAIM_TIMEOUT,
            )
        )
        .values(claimed_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def _send_one(mail_id: int) -> bool:
    message = db.session.get(OutboxMail, mail_id)
    try:
        _transmit(message)
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried later
        message.attempts += 1
        message.claimed_at = None
        message.last_error = type(exc).__name__ + ": " + str(exc)[:500]
        db.session.commit()
        log.warning("mail %s not sent: %s", mail_id, type(exc).__name__)
        return False
    message.attempts += 1
    message.sent_at = utcnow()
    db.session.commit()
    return True


def _transmit(message: OutboxMail) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER") and not config.get("TESTING"):
        if config.get("ENV_NAME") != "development":
            raise RuntimeError("MAIL_SERVER is not configured")
        # Development without a mail server: show the mail so links can be clicked.
        print(
            f"\n--- mail to {message.recipient}: {message.subject}\n{message.body_text}\n---"
        )
        return
    mail.send(
        Message(
            subject=message.subject,
            recipients=[message.recipient],
            body=message.body_text,
            sender=config["MAIL_DEFAULT_SENDER"],
        )
    )


def commit_and_send(anonymous: bool = False) -> None:
    """Commit the transaction, then try to send what it queued; failures stay queued.

    anonymous=True (answers to strangers: reset, resend activation) leaves sending to the
    `flask send-mail` timer unless OUTBOX_SEND_ANONYMOUS_INLINE, so that response times do not
    tell whether an address has a login (SECURITY.md 14). Without OUTBOX_SEND_INLINE (the
    production default) every mail is left to the timer: no request waits for mail.
    """
    queued = db.session.info.pop(QUEUED, [])
    db.session.flush()
    ids = [message.id for message in queued if message.id is not None]
    db.session.commit()
    config = current_app.config
    if not config.get("OUTBOX_SEND_INLINE", True):
        return
    if anonymous and not config.get("OUTBOX_SEND_ANONYMOUS_INLINE"):
        return
    try:
        # Only what this request queued: older pending mail is the `send-mail` timer's work,
        # so a request never waits for a backlog.
        _deliver(ids)
    except Exception:  # noqa: BLE001 - the outbox keeps the mail for `flask send-mail`
        db.session.rollback()
        log.exception("outbox delivery failed")
