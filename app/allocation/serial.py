"""Serial dictatorship: each student in turn takes the best eligible service with room."""

from __future__ import annotations

import gc
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
    seed, ordered = choosing_order(trainees, settings)
    run = _Run(
        sorted(services, key=lambda s: s.id),
        postcode_centroids() if centroids is None else centroids,
        settings,
        _horizon(ordered),
    )
    # The run makes many small objects and no cycles: the cycle collector would only rescan
    # the whole instance again and again (a third of the time at full size).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return Proposal(settings, seed, tuple(run.place(t) for t in ordered))
    finally:
        if collecting:
            gc.enable()


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
        self,
        services: list[Service],
        centroids: dict[str, Point],
        settings: Settings,
        horizon: tuple[int, int],
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
        self.horizon = horizon
        # Services full on every day any student needs: nobody can take them any more.
        self.dead = [room.full_from_to(*horizon) for room in self.rooms]
        self.deaths = 0
        self._candidates: dict[tuple[str, str | None], _Candidates] = {}
        self.open_for: dict[tuple, set[int]] = {}
        # Services not dead, per province (None: all of them).
        self.alive: dict[str | None, set[int]] = {None: set()}
        for i, dead in enumerate(self.dead):
            if not dead:
                self.alive[None].add(i)
                self.alive.setdefault(self.provinces[i], set()).add(i)
        self._nearest: dict[str, dict[int, tuple]] = {}

    def place(self, trainee: Trainee) -> Line:
        """Give the student the best eligible service with room, and explain the better ones."""
        periods = [
            (p.number, p.start.toordinal(), p.end.toordinal()) for p in trainee.periods
        ]
        clash = _clash(trainee, periods)
        limit = self.settings.limit_km(trainee)
        keep = self.settings.why_limit
        why: list[tuple[int, float, int, Periods]] = []
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
        position = 0
        for dist, _, i in near:
            if len(why) >= keep:
                break
            position += 1
            if i == preferred:
                continue
            if clash is None and self._may_take(trainee, i, dist, limit, periods):
                return self._give(trainee, i, dist, periods, why)
            why.append(self._why(trainee, i, dist, limit, periods, clash))
        if position < len(near) and clash is None:
            # The explanation is complete: only look for a service that can be taken.
            after = near[position - 1] if position else (-1.0,)
            chosen = self._first_with_room(trainee, after, limit, periods)
            if chosen is not None:
                return self._give(trainee, chosen[2], chosen[0], periods, why)
            return self._line(trainee, None, None, periods, why)
        if len(why) < keep:
            # Fewer services within reach than the explanation lists: the farther ones.
            everything = self.nearby.everything(trainee.postcode)
            start = bisect_right(everything, near[-1]) if near else 0
            for dist, _, i in everything[start:]:
                if len(why) >= keep:
                    break
                if i != preferred:
                    why.append(self._why(trainee, i, dist, limit, periods, clash))
        return self._line(trainee, None, None, periods, why)

    def _first_with_room(
        self, trainee: Trainee, after: tuple, limit: float, periods: Periods
    ) -> tuple | None:
        """The nearest service after `after` the student may take and that has room.

        Students of one postcode with the very same periods share how far the services are
        known full for them (room only ever shrinks), so the next one starts past those.
        """
        key = (
            trainee.postcode,
            None if self.settings.widen_provinces else trainee.province,
        )
        candidates = self._candidates.get(key)
        if candidates is None or self.deaths - candidates.deaths > max(
            8, len(candidates.entries) // 8
        ):
            known = candidates.full_up_to if candidates else {}
            candidates = self._candidates[key] = self._live_candidates(*key)
            candidates.full_up_to = known
        entries, full_up_to = candidates.entries, candidates.full_up_to
        days = tuple((first, last) for _, first, last in periods)
        known = full_up_to.get(days, after)
        sharing = known >= after  # the scan starts where the shared knowledge ends
        declined, rooms = trainee.declined_by, self.rooms
        preferred = trainee.preferred_service_id
        # The services that may still have room for these very periods (a superset: room
        # only ever shrinks, and a service found full is dropped for good).
        open_ = self.open_for.get((days, key[1]))
        if open_ is None:
            open_ = self.open_for[days, key[1]] = set(self._alive(key[1]))
        start = bisect_right(entries, max(known, after))
        if 2 * len(open_) < len(entries) - start:
            return self._best_open(trainee, open_, days, after, limit)
        for k in range(start, len(entries)):
            entry = entries[k]
            if entry[0] > limit:
                break
            i = entry[2]
            if i in open_:
                if _fits(rooms[i], days):
                    if entry[1] != preferred and entry[1] not in declined:
                        return entry
                    sharing = False
                    continue
                open_.discard(i)
            if sharing:
                full_up_to[days] = entry
        return None

    def _alive(self, province: str | None) -> set[int]:
        return self.alive.get(province, set())

    def _best_open(
        self, trainee: Trainee, open_: set[int], days: tuple, after: tuple, limit: float
    ) -> tuple | None:
        """The nearest service after `after` among the few that may still have room."""
        nearest = self._nearest.get(trainee.postcode)
        if nearest is None:
            nearest = self._nearest[trainee.postcode] = {
                entry[2]: entry for entry in self.nearby.within(trainee.postcode)
            }
        widen, provinces, rooms = (
            self.settings.widen_provinces,
            self.provinces,
            self.rooms,
        )
        best = None
        for i in list(open_):
            entry = nearest.get(i)
            if (
                entry is None
                or entry[0] > limit
                or entry <= after
                or (not widen and provinces[i] != trainee.province)
            ):
                continue
            if not _fits(rooms[i], days):
                open_.discard(i)
            elif (
                entry[1] != trainee.preferred_service_id
                and entry[1] not in trainee.declined_by
                and (best is None or entry < best)
            ):
                best = entry
        return best

    def _live_candidates(self, postcode: str, province: str | None) -> _Candidates:
        """The services within reach of a postcode (in the province) still alive, nearest first."""
        dead, provinces = self.dead, self.provinces
        return _Candidates(
            [
                entry
                for entry in self.nearby.within(postcode)
                if not dead[entry[2]]
                and (province is None or provinces[entry[2]] == province)
            ],
            self.deaths,
        )

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
        self, trainee: Trainee, i: int, dist: float, periods: Periods, why: list
    ) -> Line:
        room = self.rooms[i]
        room.add(trainee.id, periods)
        if room.full_from_to(*self.horizon):
            self.dead[i] = True
            self.deaths += 1
            self.alive[None].discard(i)
            self.alive[self.provinces[i]].discard(i)
        return self._line(trainee, i, dist, periods, why)

    def _why(
        self,
        trainee: Trainee,
        i: int,
        dist: float,
        limit: float,
        periods: Periods,
        clash: int | None,
    ) -> tuple[int, float, int, Periods]:
        """What explaining this service needs later: its index, the distance, a mark of its
        room's state now and the periods without room now (the reasons are made from these
        on first access: _explain)."""
        room = self.rooms[i]
        full = [p for p in periods if not room.has_room(p[1], p[2])]
        return (i, dist, room.seen(), full)

    def _line(
        self,
        trainee: Trainee,
        i: int | None,
        dist: float | None,
        periods: Periods,
        why: list[tuple[int, float, int, Periods]],
    ) -> Line:
        """The student's line; its "Waarom?" made when first read."""
        if not why:
            return Line(trainee.id, None if i is None else self.ids[i], dist, ())
        limit = self.settings.limit_km(trainee)
        clash = _clash(trainee, periods)
        return Line(
            trainee.id,
            None if i is None else self.ids[i],
            dist,
            lambda: tuple(
                self._explain(trainee, *noted, limit, periods, clash) for noted in why
            ),
        )

    def _explain(
        self,
        trainee: Trainee,
        i: int,
        dist: float,
        seen: int,
        full: Periods,
        limit: float,
        periods: Periods,
        clash: int | None,
    ) -> Why:
        """Every hard rule the service fails; if none, the periods in which it was full at
        the student's turn, with who held it then (its first `seen` stays)."""
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
            for number, first, last in full:
                students, existing = room.holders(first, last, seen)
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


class _Candidates:
    """A nearness list without the services known dead when it was made."""

    __slots__ = ("entries", "deaths", "full_up_to")

    def __init__(self, entries: list, deaths: int) -> None:
        self.entries, self.deaths = entries, deaths
        # {periods: the last entry of an unbroken run of services without room for them}
        self.full_up_to: dict[tuple, tuple] = {}


def _fits(room: Occupancy, days: tuple) -> bool:
    """Room.fits() for (first, last) pairs, inlined for the hot loop."""
    if room.places <= 0:
        return False
    starts, ends = room.starts, room.ends
    for first, last in days:
        j = bisect_right(starts, last) - 1
        if j >= 0 and ends[j] >= first:
            return False
    return True


def _horizon(trainees: list[Trainee]) -> tuple[int, int]:
    """The first and last day any student needs a place (as date ordinals)."""
    days = [
        d.toordinal() for t in trainees for p in t.periods for d in (p.start, p.end)
    ]
    return (min(days), max(days)) if days else (0, 0)


def _clash(trainee: Trainee, periods: Periods) -> int | None:
    """The first of the student's periods that overlaps a placement the person already has."""
    placed = [(s.toordinal(), e.toordinal()) for s, e in trainee.placed]
    for number, first, last in periods:
        if any(s <= last and first <= e for s, e in placed):
            return number
    return None
