"""Who holds a place at one care service on which days: room is counted per period."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date


class Occupancy:
    """The trainees at one service; no day may see more of them than `places`.

    Kept as the list of stays and, for fast look-ups, the sorted disjoint stretches of days
    on which the service is full (recomputed when a trainee is added).
    """

    __slots__ = ("places", "stays", "starts", "ends")

    def __init__(self, places: int, taken: tuple[tuple[date, date], ...] = ()) -> None:
        self.places = places
        # (first, last, student id) as date ordinals; None for a trainee placed before the run.
        self.stays: list[tuple[int, int, int | None]] = [
            (start.toordinal(), end.toordinal(), None) for start, end in taken
        ]
        self.starts: list[int] = []
        self.ends: list[int] = []
        self._find_full_days()

    def has_room(self, first: int, last: int) -> bool:
        """True when one more trainee fits on every day of [first, last]."""
        if self.places <= 0:
            return False
        k = bisect_right(self.starts, last) - 1
        return k < 0 or self.ends[k] < first

    def fits(self, periods: list[tuple[int, int, int]]) -> bool:
        """True when there is room in every (number, first, last) period."""
        for _, first, last in periods:
            if not self.has_room(first, last):
                return False
        return True

    def full_from_to(self, first: int, last: int) -> bool:
        """True when there is no room on any day of [first, last]."""
        k = bisect_right(self.starts, first) - 1
        return self.places <= 0 or (k >= 0 and self.ends[k] >= last)

    def seen(self) -> int:
        """A mark of the state now: stays are only ever appended, so the first `seen()` of
        them are the trainees present at that moment (for holders later)."""
        return len(self.stays)

    def holders(
        self, first: int, last: int, seen: int | None = None
    ) -> tuple[tuple[int, ...], int]:
        """(ids of this run's students, count of earlier trainees) present in [first, last],
        among the first `seen` stays (the state at that mark) or all of them."""
        owners, existing = set(), 0
        for s, e, owner in self.stays if seen is None else self.stays[:seen]:
            if s <= last and first <= e:
                if owner is None:
                    existing += 1
                else:
                    owners.add(owner)
        return tuple(sorted(owners)), existing

    def add(self, student_id: int, periods: list[tuple[int, int, int]]) -> None:
        """Give the student a place in their periods (counted once where they overlap)."""
        merged: list[list[int]] = []
        for _, first, last in sorted(periods, key=lambda p: p[1]):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self.stays += [(first, last, student_id) for first, last in merged]
        self._find_full_days()

    def _find_full_days(self) -> None:
        """The stretches of days with `places` or more trainees present."""
        starts, ends = [], []
        if len(self.stays) >= self.places > 0:
            events = sorted(
                [(s, 1) for s, _, _ in self.stays]
                + [(e + 1, -1) for _, e, _ in self.stays]
            )
            present, opened = 0, None
            for day, step in events:
                present += step
                if present >= self.places and opened is None:
                    opened = day
                elif present < self.places and opened is not None:
                    if starts and ends[-1] == opened - 1:
                        ends[-1] = day - 1  # a full stretch goes on
                    else:
                        starts.append(opened)
                        ends.append(day - 1)
                    opened = None
        self.starts, self.ends = starts, ends
