"""Reading a run for its page: the summary, the distances, a page of lines with "Waarom?"."""

import math
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AllocationLine, AllocationRun, CareService, Student, Term
from app.models.reference import PROVINCES
from app.proposals import codec
from app.proposals.wording import reason_text

PER_PAGE = 50
# The histogram's bars: 5 km wide, the last one open ("50 km and more").
BAR_KM = 5
BARS = 11


@dataclass(frozen=True)
class ProvinceCount:
    name: str
    placed: int
    unplaced: int


def runs_of_term(term: Term) -> list[AllocationRun]:
    """The term's runs, newest first (one statement)."""
    return list(
        db.session.scalars(
            select(AllocationRun)
            .where(AllocationRun.term_id == term.id)
            .order_by(AllocationRun.id.desc())
        )
    )


def per_province(run: AllocationRun) -> list[ProvinceCount]:
    """Placed and not placed students of the run's kept lines, per province of the student."""
    placed = AllocationLine.care_service_id.is_not(None)
    found = {
        province: (int(yes or 0), int(no or 0))
        for province, yes, no in db.session.execute(
            select(
                Student.province,
                func.sum(case((placed, 1), else_=0)),
                func.sum(case((placed, 0), else_=1)),
            )
            .join(Student, AllocationLine.student_id == Student.id)
            .where(AllocationLine.run_id == run.id, AllocationLine.removed.is_(False))
            .group_by(Student.province)
        )
    }
    return [
        ProvinceCount(name, *found[code])
        for code, name in PROVINCES.items()
        if code in found
    ]


@dataclass(frozen=True)
class Bar:
    """One bar of the distance histogram, in SVG user units."""

    label: str
    count: int
    x: float
    y: float
    height: float


def distance_bars(run: AllocationRun, height: float = 120) -> list[Bar]:
    """The distances of the proposed services in bars of BAR_KM km (one statement)."""
    # A CASE rather than floor(): SQLite may lack it, and a cast rounds on PostgreSQL.
    distance = AllocationLine.distance_km
    bucket = case(
        *((distance < (i + 1) * BAR_KM, i) for i in range(BARS - 1)), else_=BARS - 1
    )
    counts = [0] * BARS
    for index, count in db.session.execute(
        select(bucket, func.count())
        .where(
            AllocationLine.run_id == run.id,
            AllocationLine.removed.is_(False),
            distance.is_not(None),
        )
        .group_by(bucket)
    ):
        counts[min(int(index), BARS - 1)] += count
    top = max(counts) or 1
    bars = []
    for i, count in enumerate(counts):
        label = (
            f"{i * BAR_KM}+" if i == BARS - 1 else f"{i * BAR_KM}–{(i + 1) * BAR_KM}"
        )
        tall = math.ceil(height * count / top) if count else 0
        bars.append(Bar(label, count, 40 + i * 50, 20 + height - tall, tall))
    return bars


@dataclass(frozen=True)
class Better:
    """A service the student would have preferred, and why it was not chosen (in words)."""

    name: str
    distance_km: float | None
    reasons: list[str]


@dataclass(frozen=True)
class Row:
    line: AllocationLine
    better: list[Better]


def line_page(run: AllocationRun, page: int):
    """(pagination, rows) of the run's lines in rank order, with "Waarom?" in words: three
    statements whatever the page size (count, lines with student/school/service, names)."""
    query = (
        select(AllocationLine)
        .where(AllocationLine.run_id == run.id)
        .options(
            joinedload(AllocationLine.student).joinedload(Student.school),
            joinedload(AllocationLine.care_service),
        )
        .order_by(AllocationLine.rank)
    )
    result = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    if result.pages and page > result.pages:
        result = db.paginate(
            query, page=result.pages, per_page=PER_PAGE, error_out=False
        )
    whys = {line.id: codec.read_why(line.why) for line in result.items}
    wanted = {entry["service"] for entries in whys.values() for entry in entries}
    names = (
        dict(
            db.session.execute(
                select(CareService.id, CareService.name).where(
                    CareService.id.in_(wanted)
                )
            ).all()
        )
        if wanted
        else {}
    )
    rows = [
        Row(
            line,
            [
                Better(
                    names.get(entry["service"], "?"),
                    entry.get("km"),
                    [reason_text(r) for r in entry["reasons"]],
                )
                for entry in whys[line.id]
            ],
        )
        for line in result.items
    ]
    return result, rows


def totals(run: AllocationRun) -> dict[str, int]:
    """Lines kept, placed among them, removed: one statement."""
    kept = AllocationLine.removed.is_(False)
    placed = AllocationLine.care_service_id.is_not(None)
    row = db.session.execute(
        select(
            func.count(),
            func.sum(case((kept, 1), else_=0)),
            func.sum(case((kept & placed, 1), else_=0)),
        ).where(AllocationLine.run_id == run.id)
    ).one()
    lines, kept_n, placed_n = (int(v or 0) for v in row)
    return dict(
        lines=lines,
        kept=kept_n,
        placed=placed_n,
        unplaced=kept_n - placed_n,
        removed=lines - kept_n,
    )
