"""Read-only queries of the administration."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import User


def list_users() -> list[User]:
    """All logins with their organisation, newest first (one query per relation, not per row)."""
    return list(
        db.session.scalars(
            select(User)
            .options(selectinload(User.school), selectinload(User.care_service))
            .order_by(User.role, User.email)
        )
    )
