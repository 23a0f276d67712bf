"""Demo data (placeholder until the full loader lands)."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import User


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def load_demo_data() -> list[str]:
    return []
