"""`python -m bench.allocation`: the allocation proposal at full size, and beside a library.

1. 20,000 unplaced students x 1,000 care services of Flanders and Brussels (real postcodes,
   1-4 periods each with dates that vary per student, 1-6 places, some taken already, some
   declines, preferences and clashes): the algorithm alone, per setting, best of 3 runs.
2. The ratio to the `matching` library's resident-optimal stable matching on the same
   300-student instance with one period each (where both must give the same result).
3. The whole "Voorstel maken" request on that instance (bench/allocation_request.py): SQLite,
   and PostgreSQL when BENCH_DATABASE_URL is set (its public schema is emptied).
`make bench` runs this at its end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from app.allocation import (
    Order,
    Service,
    Settings,
    Span,
    Trainee,
    allocate,
    haversine_km,
    postcode_centroids,
)
from app.models.reference import TRANSPORT_MODES, province_for_postcode

RESULTS = Path(__file__).resolve().parent / "allocation_results.json"
TERM_START, TERM_DAYS = date(2024, 10, 1), 80


def instance(
    students: int,
    services: int,
    seed: int = 13,
    one_period: bool = False,
    dates_per_student: bool = False,
):
    """(trainees, services) of one term, reproducible from the seed.

    Period dates are those of the student's school (120 schools, one set of dates per
    number of periods), or drawn for every student (the worst case for the shared checks).
    """
    rnd = random.Random(seed)
    schools = [
        {count: _spans(rnd, count) for count in (1, 2, 3, 4)} for _ in range(120)
    ]
    postcodes = sorted(p for p in postcode_centroids() if province_for_postcode(p))
    offered = []
    for i in range(1, services + 1):
        postcode = rnd.choice(postcodes)
        places = rnd.choices((1, 2, 3, 4, 6), (20, 30, 25, 15, 10))[0]
        taken = tuple(
            _periods(rnd, 1)[0][1:] for _ in range(rnd.randint(0, places - 1))
        )
        offered.append(
            Service(
                i,
                province_for_postcode(postcode),
                postcode,
                places,
                () if one_period else taken,
            )
        )
    by_province: dict[str, list[int]] = {}
    for s in offered:
        by_province.setdefault(s.province, []).append(s.id)
    common = (Span(1, TERM_START, TERM_START + timedelta(days=30)),)
    trainees = []
    for i in range(1, students + 1):
        postcode = rnd.choice(postcodes)
        province = province_for_postcode(postcode)
        count = 1 if one_period else rnd.choices((1, 2, 3, 4), (50, 30, 15, 5))[0]
        if one_period:
            periods = common
        elif dates_per_student:
            periods = _spans(rnd, count)
        else:
            periods = rnd.choice(schools)[count]
        nearby = by_province.get(province, [])
        trainees.append(
            Trainee(
                id=i,
                requested_at=datetime(2024, 9, 1, tzinfo=timezone.utc)
                + timedelta(seconds=rnd.randint(0, 14 * 86400)),
                province=province,
                postcode=postcode,
                periods=periods,
                transport=tuple(rnd.sample(list(TRANSPORT_MODES), rnd.randint(1, 3))),
                preferred_service_id=rnd.choice(nearby)
                if nearby and rnd.random() < 0.3
                else None,
                declined_by=frozenset(rnd.sample(nearby, min(len(nearby), 2)))
                if rnd.random() < 0.08
                else frozenset(),
                placed=(
                    ((TERM_START, TERM_START + timedelta(days=10)),)
                    if not one_period and rnd.random() < 0.02
                    else ()
                ),
            )
        )
    return trainees, offered


def _periods(rnd: random.Random, count: int) -> list[tuple[int, date, date]]:
    """`count` ordered, non-overlapping periods in the term; the start varies per student."""
    offset = rnd.randint(0, 20)
    chunk = (TERM_DAYS - offset) // count
    out = []
    for n in range(count):
        start = TERM_START + timedelta(days=offset + n * chunk)
        end = start + timedelta(days=max(0, chunk - 1 - rnd.randint(0, 3)))
        out.append((n + 1, start, end))
    return out


def _spans(rnd: random.Random, count: int) -> tuple[Span, ...]:
    return tuple(Span(*p) for p in _periods(rnd, count))


def best_of(runs: int, work) -> tuple[float, object]:
    """(fewest CPU seconds of the runs, result): CPU time, as the machine is shared. The
    median of the last call is kept in MEDIAN."""
    times, result = [], None
    for _ in range(runs):
        start = time.process_time()
        result = work()
        times.append(time.process_time() - start)
    MEDIAN[0] = statistics.median(times)
    return min(times), result


MEDIAN = [0.0]


def with_matching(trainees, services, run_settings, order):
    """The same choice as a hospital/resident game solved by the `matching` library."""
    from matching.games import HospitalResident

    points = postcode_centroids()
    open_services = [s for s in services if s.places > 0]

    def acceptable(t):
        ranked = []
        for s in open_services:
            d = haversine_km(points[t.postcode], points[s.postcode])
            if (
                (run_settings.widen_provinces or s.province == t.province)
                and d <= run_settings.limit_km(t)
                and s.id not in t.declined_by
            ):
                ranked.append((s.id != t.preferred_service_id, d, s.id))
        return [sid for *_, sid in sorted(ranked)]

    resident_prefs = {t.id: acceptable(t) for t in trainees}
    resident_prefs = {k: v for k, v in resident_prefs.items() if v}
    hospital_prefs = {
        s.id: [i for i in order if s.id in resident_prefs.get(i, ())]
        for s in open_services
    }
    hospital_prefs = {k: v for k, v in hospital_prefs.items() if v}
    capacities = {s.id: s.places for s in open_services if s.id in hospital_prefs}
    game = HospitalResident.create_from_dictionaries(
        resident_prefs, hospital_prefs, capacities
    )
    matched = {t.id: None for t in trainees}
    for hospital, residents in game.solve(optimal="resident").items():
        for resident in residents:
            matched[resident.name] = hospital.name
    return matched


def _load() -> list[float]:
    """The machine's load average (1, 5, 15 min) when the figures were taken."""
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--services", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--request-runs",
        type=int,
        default=5,
        help="times the whole request is posted per database (0: not measured)",
    )
    args = parser.parse_args()
    trainees, services = instance(args.students, args.services)
    runs = {}
    worst = instance(args.students, args.services, dates_per_student=True)
    for name, run_settings in (
        ("request time", Settings()),
        ("request time, dates per student", Settings()),
        ("lottery", Settings(order=Order.LOTTERY, seed=1)),
        (
            "lottery, provinces widened",
            Settings(order=Order.LOTTERY, seed=1, widen_provinces=True),
        ),
        ("request time, no 'Waarom?'", Settings(why_limit=0)),
    ):
        rows = worst if "per student" in name else (trainees, services)
        seconds, proposal = best_of(
            args.runs, lambda s=run_settings, r=rows: allocate(*r, s)
        )
        placed = sum(1 for line in proposal.lines if line.service_id is not None)
        runs[name] = dict(
            seconds=round(seconds, 3), median=round(MEDIAN[0], 3), placed=placed
        )
        print(
            f"{name:28} {seconds:6.3f} s  median {MEDIAN[0]:.3f} s  "
            f"placed {placed:,} of {len(trainees):,}",
            flush=True,
        )
    small, small_services = instance(300, 40, seed=7, one_period=True)
    run_settings = Settings()
    ours, proposal = best_of(
        args.runs, lambda: allocate(small, small_services, run_settings)
    )
    theirs, matched = best_of(
        args.runs,
        lambda: with_matching(
            small, small_services, run_settings, list(proposal.order)
        ),
    )
    assert matched == proposal.assignment(), "the matching library disagrees"
    print(
        f"{'300 students, 1 period':28} {ours * 1000:6.1f} ms  matching {theirs * 1000:.1f} ms"
        f"  ratio {ours / theirs:.3f}"
    )
    request = {}
    if args.request_runs:
        from bench import allocation_request

        for backend in allocation_request.backends():
            request[backend] = allocation_request.measure(
                allocation_request.database(backend),
                trainees,
                services,
                runs=args.request_runs,
            )
            r = request[backend]
            print(
                f"{'Voorstel maken, ' + backend:28} {r['min']:6.3f} s  median "
                f"{r['median']:.3f} s  (CPU {r['cpu_min']:.3f} / {r['cpu_median']:.3f} s)"
                f"  algorithm {r['algorithm_ms']} ms",
                flush=True,
            )
    args.output.write_text(
        json.dumps(
            dict(
                when=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                students=len(trainees),
                services=len(services),
                runs=runs,
                matching_300=dict(
                    ours_ms=round(ours * 1000, 2),
                    matching_ms=round(theirs * 1000, 2),
                    ratio=round(ours / theirs, 4),
                ),
                request=request,
                load=_load(),
            ),
            indent=2,
        )
        + "\n"
    )
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
