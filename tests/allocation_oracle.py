"""A slow, obviously correct serial dictatorship to check app.allocation against.

Written from the rules, not from the fast code: distances by its own haversine, room counted
day by day, every service looked at for every student.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.allocation import Order, Service, Settings, Trainee


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (the textbook haversine)."""
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def distance(t: Trainee, s: Service, centroids) -> float | None:
    if t.postcode not in centroids or s.postcode not in centroids:
        return None
    return km(centroids[t.postcode], centroids[s.postcode])


def limit(t: Trainee, settings: Settings) -> float:
    known = [settings.limits_km[m] for m in t.transport if m in settings.limits_km]
    return max(known) if known else settings.no_transport_km


def clash(t: Trainee) -> int | None:
    for p in t.periods:
        for start, end in t.placed:
            if p.start <= end and start <= p.end:
                return p.number
    return None


def eligible(t: Trainee, s: Service, settings: Settings, centroids) -> bool:
    d = distance(t, s, centroids)
    return (
        (settings.widen_provinces or s.province == t.province)
        and d is not None
        and d <= limit(t, settings)
        and s.id not in t.declined_by
        and clash(t) is None
    )


def rank(t: Trainee, s: Service, centroids) -> tuple:
    """Preference: the preferred service first, then nearer, unknown distance last, then id."""
    d = distance(t, s, centroids)
    return (s.id != t.preferred_service_id, math.inf if d is None else d, s.id)


def in_preference(t: Trainee, services, centroids) -> list[Service]:
    return sorted(services, key=lambda s: rank(t, s, centroids))


def days(start: date, end: date):
    return range(start.toordinal(), end.toordinal() + 1)


@dataclass
class State:
    """Who is where: {student id: service id}, with the students themselves."""

    assigned: dict[int, int] = field(default_factory=dict)
    trainees: dict[int, Trainee] = field(default_factory=dict)

    def present(self, s: Service, day: int) -> int:
        before = sum(1 for a, b in s.taken if a.toordinal() <= day <= b.toordinal())
        now = sum(
            1
            for sid, service_id in self.assigned.items()
            if service_id == s.id
            and any(day in days(p.start, p.end) for p in self.trainees[sid].periods)
        )
        return before + now

    def room_in(self, s: Service, period) -> bool:
        return all(
            self.present(s, d) < s.places for d in days(period.start, period.end)
        )

    def holders(self, s: Service, period) -> tuple[tuple[int, ...], int]:
        students = sorted(
            sid
            for sid, service_id in self.assigned.items()
            if service_id == s.id
            and any(
                p.start <= period.end and period.start <= p.end
                for p in self.trainees[sid].periods
            )
        )
        existing = sum(1 for a, b in s.taken if a <= period.end and period.start <= b)
        return tuple(students), existing

    def copy(self) -> State:
        return State(dict(self.assigned), self.trainees)


def expected_order(trainees, settings: Settings, seed: int | None) -> list[int]:
    by_id = sorted(trainees, key=lambda t: t.id)
    if settings.order == Order.LOTTERY:
        random.Random(seed).shuffle(by_id)
        return [t.id for t in by_id]
    return [t.id for t in sorted(by_id, key=lambda t: (t.requested_at, t.id))]


def serial_dictatorship(trainees, services, settings, centroids, order):
    """({student: service or None}, {student: state before their turn})."""
    by_id = {t.id: t for t in trainees}
    state = State(trainees=by_id)
    before: dict[int, State] = {}
    result: dict[int, int | None] = {}
    for sid in order:
        t = by_id[sid]
        before[sid] = state.copy()
        result[sid] = None
        for s in in_preference(t, services, centroids):
            if eligible(t, s, settings, centroids) and all(
                state.room_in(s, p) for p in t.periods
            ):
                result[sid] = s.id
                state.assigned[sid] = s.id
                break
    return result, before


# --- Synthetic places: six postcodes about 11 km apart in a line, one without coordinates --

CENTROIDS = {f"10{k:02d}": (51.0 + 0.09 * k, 4.0 + 0.05 * k) for k in range(6)}
UNKNOWN_POSTCODE = "1099"
DAY0 = date(2024, 10, 1)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)
