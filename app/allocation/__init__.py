"""Placing the leftovers (ALLOC-1, ALLOC-2): a proposal computed on plain data.

No Flask and no database here: the caller loads the instance (one query per table), calls
`allocate()` and shows the `Proposal`. Serial dictatorship in request order or a seeded lottery:
each student in turn takes the best eligible service with room in all their periods.
"""

from app.allocation.geo import haversine_km, postcode_centroids
from app.allocation.model import (
    DEFAULT_LIMITS_KM,
    Order,
    Service,
    Settings,
    Span,
    Trainee,
)
from app.allocation.result import Line, Proposal, Reason, ReasonKind, Why
from app.allocation.serial import allocate, choosing_order

__all__ = [
    "DEFAULT_LIMITS_KM",
    "Line",
    "Order",
    "Proposal",
    "Reason",
    "ReasonKind",
    "Service",
    "Settings",
    "Span",
    "Trainee",
    "Why",
    "allocate",
    "choosing_order",
    "haversine_km",
    "postcode_centroids",
]
