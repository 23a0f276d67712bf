"""Writing audit events (ADM-4); ids only, never personal data."""

from flask_login import current_user
from sqlalchemy import insert

from app.extensions import db
from app.models import AuditEvent


def record(
    action: str, obj=None, detail: str = "", user_id: int | None = None
) -> AuditEvent:
    """Add an audit event to the current transaction, by the logged-in user by default."""
    if user_id is None and current_user and current_user.is_authenticated:
        user_id = current_user.id
    event = AuditEvent(
        user_id=user_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        detail=detail,
    )
    db.session.add(event)
    return event


def record_views(action: str, object_type: str, object_ids: list[int]) -> None:
    """One audit event per object, written in one statement (a list page of personal data)."""
    if not object_ids:
        return
    user_id = (
        current_user.id if current_user and current_user.is_authenticated else None
    )
    db.session.execute(
        insert(AuditEvent),
        [
            dict(
                user_id=user_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                detail="",
            )
            for object_id in object_ids
        ],
    )
