"""Small helpers for building queries that several packages share."""

from sqlalchemy import func


def contains(column, text: str):
    """Case-insensitive 'contains', with LIKE's wildcards (% and _) taken literally."""
    escaped = (
        text.strip()
        .lower()
        .replace("\\", "\\\\")
        .replace("%", "\\%")
        .replace("_", "\\_")
    )
    return func.lower(column).like(f"%{escaped}%", escape="\\")
