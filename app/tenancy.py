"""Tenant-scoped lookups: another organisation's id answers 404, never 403 (SECURITY.md 1)."""

import logging

from flask import abort

from app.extensions import db
from app.security import log_context

log = logging.getLogger("stagematching.access")
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on every database


def valid_id(value) -> int | None:
    """An id that can exist, or None (too large, negative or not a number)."""
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def owned_or_404(model, object_id: int, lock: bool = False, options=(), **owner):
    """The row of `model` with this id if its owner columns match, e.g. school_id=3; else 404.

    lock=True takes a row lock (PostgreSQL) so that a check and the write after it stay true;
    options are loader options (what the page shows, loaded with the row).
    """
    row = (
        db.session.get(model, object_id, with_for_update=lock, options=options)
        if valid_id(object_id)
        else None
    )
    if row is None or any(
        getattr(row, column) != value for column, value in owner.items()
    ):
        log.warning(
            "not found or other tenant: %s %s %s",
            model.__name__,
            object_id,
            log_context(),
        )
        abort(404)
    return row
