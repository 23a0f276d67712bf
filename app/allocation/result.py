"""What a proposal says: a line per student, and why not a better service ("Waarom?")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from app.allocation.model import Settings


class ReasonKind(StrEnum):
    """Why a service the student preferred was not chosen; the page words each one."""

    OTHER_PROVINCE = "other_province"
    TOO_FAR = "too_far"
    UNKNOWN_POSTCODE = "unknown_postcode"
    DECLINED = "declined"
    OVERLAP = "overlap"
    FULL = "full"


@dataclass(frozen=True)
class Reason:
    """One true reason, with what the page needs to say it."""

    kind: ReasonKind
    # OTHER_PROVINCE: the service's province.
    province: str | None = None
    # TOO_FAR: the distance, the student's limit and their means of transport.
    distance_km: float | None = None
    limit_km: float | None = None
    transport: tuple[str, ...] = ()
    # UNKNOWN_POSTCODE: the postcode without coordinates.
    postcode: str | None = None
    # OVERLAP: the student's period that clashes; FULL: the period without room.
    period: int | None = None
    # FULL: places offered, the earlier students of this run holding one during the period,
    # and how many trainees placed before the run hold one then.
    places: int | None = None
    students: tuple[int, ...] = ()
    existing: int = 0


@dataclass(frozen=True)
class Why:
    """A service the student would have preferred, and every reason it was not chosen."""

    service_id: int
    distance_km: float | None
    reasons: tuple[Reason, ...]


class Line:
    """One student's outcome: the service proposed (or None) and the better ones explained.

    `why` may be given as a callable: the run notes what each explanation needs (the
    service, the distance, a mark of the room's state at the student's turn) and the `Why`
    objects are made on first access, true to that state (a run of 20,000 students spent a
    third of its time making reasons).
    """

    __slots__ = ("student_id", "service_id", "distance_km", "_why")

    def __init__(
        self,
        student_id: int,
        service_id: int | None,
        distance_km: float | None,
        why: tuple[Why, ...] | Callable[[], tuple[Why, ...]],
    ) -> None:
        self.student_id = student_id
        self.service_id = service_id
        self.distance_km = distance_km
        self._why = why

    @property
    def why(self) -> tuple[Why, ...]:
        why = self._why
        if callable(why):
            why = self._why = why()
        return why

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Line):
            return NotImplemented
        return (
            self.student_id,
            self.service_id,
            self.distance_km,
            self.why,
        ) == (other.student_id, other.service_id, other.distance_km, other.why)

    def __hash__(self) -> int:
        return hash((self.student_id, self.service_id, self.distance_km))

    def __repr__(self) -> str:
        return (
            f"Line({self.student_id!r}, {self.service_id!r}, {self.distance_km!r}, "
            f"{self.why!r})"
        )


@dataclass(frozen=True)
class Proposal:
    """The result of one run: lines in the order the students chose."""

    settings: Settings
    seed: int | None
    lines: tuple[Line, ...]

    @property
    def order(self) -> tuple[int, ...]:
        return tuple(line.student_id for line in self.lines)

    def line(self, student_id: int) -> Line:
        """The line of one student."""
        return self._by_student()[student_id]

    def assignment(self) -> dict[int, int | None]:
        """{student id: proposed service id or None}."""
        return {line.student_id: line.service_id for line in self.lines}

    def _by_student(self) -> dict[int, Line]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {line.student_id: line for line in self.lines}
            object.__setattr__(self, "_index", cached)
        return cached
