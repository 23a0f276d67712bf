"""Tenant-scoped lookups: another organisation's id answers 404, never 403 (SECURITY.md 1)."""

from flask import abort

from app.extensions import db


def owned_or_404(model, object_id: int, **owner):
    """The row of `model` with this id if its owner columns match, e.g. school_id=3; else 404."""
    row = db.session.get(model, object_id)
    if row is None or any(getattr(row, column) != value for column, value in owner.items()):
        abort(404)
    return row
