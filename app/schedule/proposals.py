"""The answer deadline of an allocation proposal (issue 13), entered as a Belgian day."""

from datetime import date, datetime

from app.schedule.clock import brussels, local_date


def answer_by(day: date) -> datetime:
    """Services answer until the end of the chosen Belgian day (23:59)."""
    return brussels(day, 23, 59)


def answer_day_refused(day: date, now: datetime) -> bool:
    """A deadline must leave the services at least the rest of today: today or later."""
    return day < local_date(now)
