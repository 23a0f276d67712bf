"""Moments are stored in UTC and entered and shown in Europe/Brussels."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def local_date(moment: datetime) -> date:
    """The calendar day of a moment in Belgium."""
    return moment.astimezone(BRUSSELS).date()


def to_local(moment: datetime | None) -> datetime | None:
    """A stored moment as Belgian wall-clock time, without zone (for form fields)."""
    return moment.astimezone(BRUSSELS).replace(tzinfo=None) if moment else None


def from_local(wall_clock: datetime | None) -> datetime | None:
    """A Belgian wall-clock time (naive, from a form) as a UTC moment.

    A time that does not exist (the hour skipped in March) moves forward with the clock; an
    ambiguous one (the hour repeated in October) is taken the first time (fold=0).
    """
    if wall_clock is None:
        return None
    aware = wall_clock.replace(tzinfo=BRUSSELS)
    return aware.astimezone(timezone.utc).astimezone(BRUSSELS).astimezone(timezone.utc)


def brussels(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A Belgian wall-clock moment as a timezone-aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), BRUSSELS).astimezone(timezone.utc)


def school_year_of(moment: datetime) -> int:
    """The school year (by its first calendar year; it starts 1 September) of a moment."""
    day = local_date(moment)
    return day.year if day.month >= 9 else day.year - 1


def school_year_label(year: int) -> str:
    """2022 -> "2022-2023"."""
    return f"{year}-{year + 1}"
