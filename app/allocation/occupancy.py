"""Who holds a place at one care service on which days: room is counted per period."""

from __future__ import annotations

from datetime import date

# (first day, last day) as date ordinals, both included.
Days = tuple[int, int]


class Occupancy:
    """The trainees at one service; no day may see more of them than `places`."""

    __slots__ = ("places", "stays", "full")

    def __init__(self, places: int, taken: tuple[tuple[date, date], ...] = ()) -> None:
        self.places = places
        # (first, last, student id); None for a trainee placed before the run.
        self.stays: list[tuple[int, int, int | None]] = [
            (start.toordinal(), end.toordinal(), None) for start, end in taken
        ]
        # Periods known to have no room: stays are only ever added, so they stay full.
        self.full: set[Days] = set()

    def has_room(self, first: int, last: int) -> bool:
        """True when one more trainee fits on every day of [first, last]."""
        if (first, last) in self.full:
            return False
        if self.peak(first, last) < self.places:
            return True
        self.full.add((first, last))
        return False

    def fits(self, periods: list[tuple[int, int, int]]) -> bool:
        """True when there is room in every (number, first, last) period."""
        for _, first, last in periods:
            if not self.has_room(first, last):
                return False
        return True

    def peak(self, first: int, last: int) -> int:
        """The most trainees present on one day of [first, last] (a bound below `places`)."""
        inside = [
            (max(s, first), min(e, last))
            for s, e, _ in self.stays
            if s <= last and first <= e
        ]
        if len(inside) < self.places:
            return len(inside)  # fewer stays than places: no day can be full
        events = sorted([(s, 1) for s, _ in inside] + [(e + 1, -1) for _, e in inside])
        present = highest = 0
        for _, step in events:
            present += step
            highest = max(highest, present)
        return highest

    def holders(self, first: int, last: int) -> tuple[tuple[int, ...], int]:
        """(ids of this run's students, count of earlier trainees) present in [first, last]."""
        students, existing = set(), 0
        for s, e, owner in self.stays:
            if s <= last and first <= e:
                if owner is None:
                    existing += 1
                else:
                    students.add(owner)
        return tuple(sorted(students)), existing

    def add(self, student_id: int, periods: list[tuple[int, int, int]]) -> None:
        """Give the student a place in their periods (counted once where they overlap)."""
        merged: list[list[int]] = []
        for _, first, last in sorted(periods, key=lambda p: p[1]):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self.stays += [(first, last, student_id) for first, last in merged]
