"""Distances between postcode centroids (GeoNames, CC BY 4.0, shipped in app/data/)."""

from __future__ import annotations

import csv
import math
from bisect import bisect_left, bisect_right
from functools import lru_cache
from pathlib import Path

CENTROIDS = Path(__file__).resolve().parent.parent / "data" / "postcodes_be.csv"
EARTH_KM = 6371.0088  # mean Earth radius

Point = tuple[float, float]  # (latitude, longitude) in degrees


@lru_cache(maxsize=1)
def postcode_centroids() -> dict[str, Point]:
    """{postcode: (latitude, longitude)} of every Belgian postcode."""
    with CENTROIDS.open(encoding="utf-8") as lines:
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        return {
            r["postcode"]: (float(r["latitude"]), float(r["longitude"])) for r in rows
        }


def haversine_km(a: Point, b: Point) -> float:
    """The great-circle distance between two points, in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    # The same expression as Nearby's, so that both give the very same number.
    x = math.sin((lat2 - lat1) * 0.5)
    y = math.sin((lon2 - lon1) * 0.5)
    h = x * x + math.cos(lat1) * math.cos(lat2) * (y * y)
    return 2 * EARTH_KM * math.asin(math.sqrt(h) if h < 1 else 1.0)


# One entry of a nearness list: (distance km, service id, service index).
Near = tuple[float, int, int]


class Nearby:
    """Per postcode, the services in order of distance (ties by id), computed once.

    `within(postcode)` lists the services up to `reach_km`; `everything(postcode)` all of
    them, the ones without known coordinates last. Distances are computed once per pair of
    postcodes, and only for services whose longitude can be within reach.
    """

    def __init__(
        self,
        services: list[tuple[int, str]],
        centroids: dict[str, Point],
        reach_km: float,
    ) -> None:
        self.centroids = centroids
        self.reach_km = reach_km
        self._services = services
        by_postcode: dict[str, list[tuple[int, int]]] = {}
        self._unknown: list[tuple[int, int]] = []
        for index, (service_id, postcode) in enumerate(services):
            if postcode in centroids:
                by_postcode.setdefault(postcode, []).append((service_id, index))
            else:
                self._unknown.append((service_id, index))
        # Service postcodes sorted by longitude, in radians, with the cosine of the latitude.
        places = sorted(
            (
                math.radians(centroids[p][1]),
                math.radians(centroids[p][0]),
                math.cos(math.radians(centroids[p][0])),
                members,
            )
            for p, members in by_postcode.items()
        )
        self._lons = [p[0] for p in places]
        self._places = places
        lowest_cos = min((p[2] for p in places), default=1.0)
        ratio = math.sin(min(reach_km / (2 * EARTH_KM), math.pi / 2)) / lowest_cos
        self._lon_window = 2 * math.asin(ratio) if ratio < 1 else 2 * math.pi
        self._max_h = math.sin(min(reach_km / (2 * EARTH_KM), math.pi / 2)) ** 2
        self._within: dict[str, list[Near]] = {}
        self._everything: dict[str, list[Near]] = {}

    def distance(self, postcode: str, other: str) -> float | None:
        """km between two postcodes' centroids, None when one is unknown."""
        a, b = self.centroids.get(postcode), self.centroids.get(other)
        return None if a is None or b is None else haversine_km(a, b)

    def within(self, postcode: str) -> list[Near]:
        """The services within reach of the postcode, nearest first (empty when unknown)."""
        found = self._within.get(postcode)
        if found is None:
            found = self._within[postcode] = self._compute(postcode, self._lon_window)
        return found

    def everything(self, postcode: str) -> list[Near]:
        """All services, nearest first; without coordinates (distance inf) last, by id."""
        found = self._everything.get(postcode)
        if found is None:
            if postcode in self.centroids:
                known = self._compute(postcode, None)
                known += [(math.inf, sid, i) for sid, i in self._unknown]
            else:
                known = [
                    (math.inf, sid, i) for i, (sid, _) in enumerate(self._services)
                ]
            known.sort()
            found = self._everything[postcode] = known
        return found

    def _compute(self, postcode: str, lon_window: float | None) -> list[Near]:
        point = self.centroids.get(postcode)
        if point is None:
            return []
        lat1, lon1 = math.radians(point[0]), math.radians(point[1])
        cos1 = math.cos(lat1)
        if lon_window is None:
            lo, hi, max_h = 0, len(self._places), math.inf
        else:
            lo = bisect_left(self._lons, lon1 - lon_window)
            hi = bisect_right(self._lons, lon1 + lon_window)
            max_h = self._max_h
        sin, asin, sqrt = math.sin, math.asin, math.sqrt
        scale = 2 * EARTH_KM
        out: list[Near] = []
        for lon2, lat2, cos2, members in self._places[lo:hi]:
            a = sin((lat2 - lat1) * 0.5)
            b = sin((lon2 - lon1) * 0.5)
            h = a * a + cos1 * cos2 * (b * b)
            if h <= max_h:
                d = scale * asin(sqrt(h) if h < 1 else 1.0)
                out += [(d, sid, i) for sid, i in members]
        out.sort()
        return out
