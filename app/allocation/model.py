"""The instance a proposal is computed on: plain data, read from the database by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

# Travel limits per means of transport (codes of app.models.reference.TRANSPORT_MODES), km.
DEFAULT_LIMITS_KM: dict[str, float] = {"fiets": 15, "ebike": 25, "ov": 30, "auto": 50}


@dataclass(frozen=True)
class Span:
    """One period of a student: number 1-4, first and last day (both included)."""

    number: int
    start: date
    end: date


@dataclass(frozen=True)
class Trainee:
    """An unplaced student of the term, as the algorithm sees them."""

    id: int
    requested_at: datetime
    province: str
    postcode: str
    periods: tuple[Span, ...]
    transport: tuple[str, ...] = ()
    preferred_service_id: int | None = None
    declined_by: frozenset[int] = frozenset()
    # Periods of placements the same person already has (another school or term).
    placed: tuple[tuple[date, date], ...] = ()


@dataclass(frozen=True)
class Service:
    """A care service that takes trainees: `places` at once at most (SVC-6)."""

    id: int
    province: str
    postcode: str
    places: int
    # (start, end) of the trainees it already holds in the term's periods.
    taken: tuple[tuple[date, date], ...] = ()


class Order(StrEnum):
    """In which order the students choose."""

    REQUEST_TIME = "request_time"
    LOTTERY = "lottery"


@dataclass(frozen=True)
class Settings:
    """The admin's choices for one run."""

    limits_km: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LIMITS_KM))
    # For a student who named no (known) means of transport.
    no_transport_km: float = 15
    widen_provinces: bool = False
    order: Order = Order.REQUEST_TIME
    # The lottery's seed; None draws one (the proposal carries the seed it used).
    seed: int | None = None
    # How many better services "Waarom?" explains per student.
    why_limit: int = 5

    def limit_km(self, trainee: Trainee) -> float:
        """The farthest a trainee travels: the best of their means of transport."""
        known = [self.limits_km[m] for m in trainee.transport if m in self.limits_km]
        return max(known) if known else self.no_transport_km

    def reach_km(self) -> float:
        """The farthest any trainee travels."""
        return max([*self.limits_km.values(), self.no_transport_km])
