"""Logins and their one-time tokens (activation, password reset)."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, and_, not_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.organisations import CareService, School

ROLES = ("admin", "school", "service")


def new_session_token() -> str:
    """A random token that ties session cookies to the user's current session generation."""
    return secrets.token_hex(16)


class User(UserMixin, Base):
    """One login: a VIVO admin, a school coordinator or a care-service staff member."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'school', 'service')", name="role_known"),
        CheckConstraint(
            "(role = 'admin' AND school_id IS NULL AND care_service_id IS NULL)"
            " OR (role = 'school' AND school_id IS NOT NULL AND care_service_id IS NULL)"
            " OR (role = 'service' AND care_service_id IS NOT NULL AND school_id IS NULL)",
            name="role_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    care_service_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_service.id"), index=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The login before the last one: the start page counts what is new since then (a GET
    # changes nothing, so "last seen" moves only when the user logs in).
    previous_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The UI language last chosen; mails to this login are written in it.
    language: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship()
    care_service: Mapped[CareService | None] = relationship()

    def get_id(self) -> str:
        """Session identity: id plus session token, so rotating the token ends old sessions."""
        return f"{self.id}:{self.session_token}"

    @hybrid_property
    def is_active(self) -> bool:
        """Enabled, activated and of an active organisation: may log in and receives mail
        (in Python and in SQL)."""
        return (
            self.enabled
            and self.activated_at is not None
            and (self.school is None or self.school.active)
            and (self.care_service is None or self.care_service.active)
        )

    @is_active.inplace.expression
    @classmethod
    def _is_active_sql(cls):
        return and_(
            cls.enabled,
            cls.activated_at.is_not(None),
            not_(cls.school.has(School.active.is_(False))),
            not_(cls.care_service.has(CareService.active.is_(False))),
        )

    @property
    def organisation_name(self) -> str:
        if self.school is not None:
            return self.school.name
        if self.care_service is not None:
            return self.care_service.name
        return "VIVO"

    def rotate_session(self) -> None:
        """End every session of this user (logout, password change, deactivation)."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AuthToken(Base):
    """A single-use, expiring link token; only its SHA-256 hash is stored."""

    __tablename__ = "auth_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))  # "activate" or "reset"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
