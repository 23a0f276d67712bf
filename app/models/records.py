"""Operational records: the audit log, the mail outbox and admin-editable page texts."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Who did what, when (ADM-4); holds ids, never personal data."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")


class OutboxMail(Base):
    """A mail written in the same transaction as its cause, sent (and retried) afterwards."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class MailRequest(Base):
    """A stranger's "mail me a link" (password reset, new activation mail), for any typed
    address. The request only writes this row, the same work for known and unknown
    addresses (SECURITY.md 14); the `send-mail` timer looks the address up, queues the mail
    if it has a login that may get one, and deletes the row."""

    __tablename__ = "mail_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PageText(Base):
    """An admin-editable text block, such as the help page (AUTH-7)."""

    __tablename__ = "page_text"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )


class ReminderSent(Base):
    """One reminder mail of one kind, for one term, to one address: the unique key makes
    `flask send-reminders` idempotent, also when two runs overlap (TERM-5)."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("kind", "term_id", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "school_intake_7d:2027-02-01T11:00Z" (keyed on the deadline it reminds of), or
    # "service_digest:2026-11-30" for a daily digest
    kind: Mapped[str] = mapped_column(String(64))
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
