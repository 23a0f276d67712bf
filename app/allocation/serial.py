"""Serial dictatorship: each student in turn takes the best eligible service with room."""

from __future__ import annotations

import math
from bisect import bisect_right
import random
import secrets
from collections.abc import Iterable

from app.allocation.geo import Nearby, Point, postcode_centroids
from app.allocation.model import Order, Service, Settings, Trainee
from app.allocation.occupancy import Occupancy
from app.allocation.result import Line, Proposal, Reason, ReasonKind, Why

Periods = list[tuple[int, int, int]]  # (number, first day, last day) as date ordinals


def allocate(
    trainees: Iterable[Trainee],
    services: Iterable[Service],
    settings: Settings | None = None,
    centroids: dict[str, Point] | None = None,
) -> Proposal:
    """The proposal for these students and services; the input's row order does not matter."""
    settings = settings or Settings()
    run = _Run(
        sorted(services, key=lambda s: s.id),
        postcode_centroids() if centroids is None else centroids,
        settings,
    )
    seed, ordered = choosing_order(trainees, settings)
    return Proposal(settings, seed, tuple(run.place(t) for t in ordered))


def choosing_order(
    trainees: Iterable[Trainee], settings: Settings
) -> tuple[int | None, list[Trainee]]:
    """(seed or None, students in the order they choose): request time, or a seeded lottery."""
    by_id = sorted(trainees, key=lambda t: t.id)
    if len({t.id for t in by_id}) != len(by_id):
        raise ValueError("a student appears twice")
    if settings.order == Order.LOTTERY:
        seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
        random.Random(seed).shuffle(by_id)
        return seed, by_id
    return None, sorted(by_id, key=lambda t: t.requested_at)  # stable: ties by id


class _Run:
    """The services' state while the students choose one by one."""

    def __init__(
        self, services: list[Service], centroids: dict[str, Point], settings: Settings
    ) -> None:
        if len({s.id for s in services}) != len(services):
            raise ValueError("a service appears twice")
        self.services = services
        self.settings = settings
        self.index = {s.id: i for i, s in enumerate(services)}
        self.ids = [s.id for s in services]
        self.provinces = [s.province for s in services]
        self.rooms = [Occupancy(s.places, s.taken) for s in services]
        self.nearby = Nearby(
            [(s.id, s.postcode) for s in services], centroids, settings.reach_km()
        )

    def place(self, trainee: Trainee) -> Line:
        """Give the student the best eligible service with room, and explain the better ones."""
        periods = [
            (p.number, p.start.toordinal(), p.end.toordinal()) for p in trainee.periods
        ]
        clash = _clash(trainee, periods)
        limit = self.settings.limit_km(trainee)
        keep = self.settings.why_limit
        why: list[Why] = []
        preferred = self.index.get(trainee.preferred_service_id, -1)
        if preferred >= 0:
            far = self.nearby.distance(
                trainee.postcode, self.services[preferred].postcode
            )
            dist = math.inf if far is None else far
            if clash is None and self._may_take(
                trainee, preferred, dist, limit, periods
            ):
                return self._give(trainee, preferred, dist, periods, why)
            if keep:
                why.append(self._why(trainee, preferred, dist, limit, periods, clash))
        near = self.nearby.within(trainee.postcode)
        widen, provinces, province = (
            self.settings.widen_provinces,
            self.provinces,
            trainee.province,
        )
        declined, ids, rooms = trainee.declined_by, self.ids, self.rooms
        for dist, service_id, i in near:
            if len(why) < keep:
                if i == preferred:
                    continue
                if clash is None and self._may_take(trainee, i, dist, limit, periods):
                    return self._give(trainee, i, dist, periods, why)
                why.append(self._why(trainee, i, dist, limit, periods, clash))
                continue
            # The explanation is complete: only look for a service that can be taken.
            if dist > limit or clash is not None:
                break
            if (
                i == preferred
                or (not widen and provinces[i] != province)
                or ids[i] in declined
            ):
                continue
            if rooms[i].fits(periods):
                return self._give(trainee, i, dist, periods, why)
        if len(why) < keep:
            # Fewer services within reach than the explanation lists: the farther ones.
            everything = self.nearby.everything(trainee.postcode)
            start = bisect_right(everything, near[-1]) if near else 0
            for dist, _, i in everything[start:]:
                if len(why) >= keep:
                    break
                if i != preferred:
                    why.append(self._why(trainee, i, dist, limit, periods, clash))
        return Line(trainee.id, None, None, tuple(why))

    def _may_take(
        self, trainee: Trainee, i: int, dist: float, limit: float, periods: Periods
    ) -> bool:
        return (
            dist <= limit
            and (self.settings.widen_provinces or self.provinces[i] == trainee.province)
            and self.ids[i] not in trainee.declined_by
            and self.rooms[i].fits(periods)
        )

    def _give(
        self, trainee: Trainee, i: int, dist: float, periods: Periods, why: list[Why]
    ) -> Line:
        self.rooms[i].add(trainee.id, periods)
        return Line(trainee.id, self.ids[i], dist, tuple(why))

    def _why(
        self,
        trainee: Trainee,
        i: int,
        dist: float,
        limit: float,
        periods: Periods,
        clash: int | None,
    ) -> Why:
        """Every hard rule the service fails; if none, the periods in which it was full."""
        service = self.services[i]
        reasons = []
        if not self.settings.widen_provinces and service.province != trainee.province:
            reasons.append(Reason(ReasonKind.OTHER_PROVINCE, province=service.province))
        if math.isinf(dist):
            unknown = (
                trainee.postcode
                if trainee.postcode not in self.nearby.centroids
                else service.postcode
            )
            reasons.append(Reason(ReasonKind.UNKNOWN_POSTCODE, postcode=unknown))
        elif dist > limit:
            reasons.append(
                Reason(
                    ReasonKind.TOO_FAR,
                    distance_km=dist,
                    limit_km=limit,
                    transport=trainee.transport,
                )
            )
        if service.id in trainee.declined_by:
            reasons.append(Reason(ReasonKind.DECLINED))
        if clash is not None:
            reasons.append(Reason(ReasonKind.OVERLAP, period=clash))
        if not reasons:
            room = self.rooms[i]
            for number, first, last in periods:
                if room.peak(first, last) >= room.places:
                    students, existing = room.holders(first, last)
                    reasons.append(
                        Reason(
                            ReasonKind.FULL,
                            period=number,
                            places=room.places,
                            students=students,
                            existing=existing,
                        )
                    )
        return Why(service.id, None if math.isinf(dist) else dist, tuple(reasons))


def _clash(trainee: Trainee, periods: Periods) -> int | None:
    """The first of the student's periods that overlaps a placement the person already has."""
    placed = [(s.toordinal(), e.toordinal()) for s, e in trainee.placed]
    for number, first, last in periods:
        if any(s <= last and first <= e for s, e in placed):
            return number
    return None
