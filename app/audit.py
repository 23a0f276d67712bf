"""Writing audit events (ADM-4); ids only, never personal data."""

from collections.abc import Iterable

from flask_login import current_user
from sqlalchemy import insert

from app.database import write_transaction
from app.extensions import db
from app.models import AuditEvent


def record(
    action: str, obj=None, detail: str = "", user_id: int | None = None
) -> AuditEvent:
    """Add an audit event to the current transaction, by the logged-in user by default."""
    if user_id is None:
        user_id = _current_user_id()
    event = AuditEvent(
        user_id=user_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        detail=detail,
    )
    db.session.add(event)
    return event


def record_views(
    action: str,
    object_type: str,
    object_ids: Iterable[int | None],
    detail: str = "",
    user_id: int | None = None,
) -> None:
    """One audit event per object, written in one statement (a list page of personal data)."""
    if user_id is None:
        user_id = _current_user_id()
    rows = [
        dict(
            user_id=user_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
        for object_id in object_ids
    ]
    if rows:
        db.session.execute(insert(AuditEvent), rows)


def commit_views(
    action: str, object_type: str, object_ids: Iterable[int | None], detail: str = ""
) -> None:
    """Audit what a page showed, once it is rendered, in a short write transaction of its own.

    The page's reads stay in a read transaction (deferred on SQLite, beside any writer); only
    this one insert waits for the write lock. The ids and the user's id are read first: ending
    the read transaction expires what the session holds.
    """
    object_ids = list(object_ids)
    if not object_ids:
        return
    user_id = _current_user_id()
    with write_transaction():
        record_views(action, object_type, object_ids, detail, user_id)


def commit_view(action: str, obj=None, detail: str = "") -> None:
    """`commit_views` for one object, or for none (an export)."""
    object_type = type(obj).__name__ if obj is not None else ""
    commit_views(action, object_type, [getattr(obj, "id", None)], detail)


def _current_user_id() -> int | None:
    if current_user and current_user.is_authenticated:
        return current_user.id
    return None
