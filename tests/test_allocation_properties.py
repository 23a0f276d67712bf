"""Properties of the allocation proposal on generated instances (ALLOC-1, ALLOC-2).

Each property is checked against the rules directly (tests/allocation_oracle.py), never against
the fast code's own helpers.
"""

import random
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allocation_oracle as oracle
from app.allocation import (
    Order,
    ReasonKind,
    Service,
    Settings,
    Span,
    Trainee,
    allocate,
)

BOUNDED = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
POSTCODES = st.sampled_from([*oracle.CENTROIDS, oracle.UNKNOWN_POSTCODE])
PROVINCES = st.sampled_from(["ANT", "LIM"])
MODES = st.lists(st.sampled_from(["fiets", "ov", "auto", "te_voet"]), max_size=3)


@st.composite
def periods(draw, most: int = 3) -> tuple[Span, ...]:
    """1-3 ordered periods of one student that do not overlap (STU-13)."""
    count = draw(st.integers(1, most))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(0, 40), min_size=2 * count, max_size=2 * count, unique=True
            )
        )
    )
    return tuple(
        Span(k + 1, oracle.day(cuts[2 * k]), oracle.day(cuts[2 * k + 1]))
        for k in range(count)
    )


@st.composite
def stays(draw, most: int = 2):
    pairs = draw(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 15)), max_size=most)
    )
    return tuple((oracle.day(a), oracle.day(a + n)) for a, n in pairs)


@st.composite
def instances(draw, one_period: bool = False):
    """(students, services, settings) of a small term."""
    service_ids = draw(
        st.lists(st.integers(1, 60), min_size=1, max_size=6, unique=True)
    )
    common = (Span(1, oracle.day(3), oracle.day(20)),)
    services = [
        Service(
            id=i,
            province=draw(PROVINCES),
            postcode=draw(POSTCODES),
            places=draw(st.integers(0, 3)),
            taken=(
                ((common[0].start, common[0].end),) * draw(st.integers(0, 1))
                if one_period
                else draw(stays())
            ),
        )
        for i in service_ids
    ]
    student_ids = draw(st.lists(st.integers(1, 500), max_size=12, unique=True))
    students = [
        Trainee(
            id=i,
            requested_at=datetime(
                2024, 9, 1, 8, draw(st.integers(0, 4)), tzinfo=timezone.utc
            ),
            province=draw(PROVINCES),
            postcode=draw(POSTCODES),
            periods=common if one_period else draw(periods()),
            transport=tuple(draw(MODES)),
            preferred_service_id=draw(st.none() | st.sampled_from(service_ids)),
            declined_by=frozenset(
                draw(st.lists(st.sampled_from(service_ids), max_size=2))
            ),
            placed=() if one_period else draw(stays(most=1)),
        )
        for i in student_ids
    ]
    limits = draw(
        st.fixed_dictionaries(
            {m: st.sampled_from([5, 15, 30, 50]) for m in ("fiets", "ov", "auto")}
        )
    )
    run = Settings(
        limits_km=limits,
        no_transport_km=draw(st.sampled_from([5, 15])),
        widen_provinces=draw(st.booleans()),
        order=draw(st.sampled_from(list(Order))),
        seed=draw(st.integers(0, 10_000)),
        why_limit=draw(st.sampled_from([0, 1, 2, 5, 50])),
    )
    return students, services, run


def run(students, services, run_settings):
    return allocate(students, services, run_settings, centroids=oracle.CENTROIDS)


@BOUNDED
@given(instances())
def test_same_as_the_slow_serial_dictatorship_so_nobody_is_passed_over(instance):
    """The brute-force checker: in the chosen order, each student gets exactly the best
    eligible service that still had room, so nobody lost a service to a later student."""
    students, services, run_settings = instance
    proposal = run(students, services, run_settings)
    order = oracle.expected_order(students, run_settings, proposal.seed)
    assert list(proposal.order) == order
    expected, _ = oracle.serial_dictatorship(
        students, services, run_settings, oracle.CENTROIDS, order
    )
    assert proposal.assignment() == expected


@BOUNDED
@given(instances())
def test_every_proposal_is_eligible_and_no_period_over_capacity(instance):
    students, services, run_settings = instance
    proposal = run(students, services, run_settings)
    by_id = {s.id: s for s in services}
    trainees = {t.id: t for t in students}
    # At most one service per student: one line each.
    assert sorted(proposal.order) == sorted(trainees)
    state = oracle.State(trainees=trainees)
    for line in proposal.lines:
        if line.service_id is not None:
            service = by_id[line.service_id]
            assert oracle.eligible(
                trainees[line.student_id], service, run_settings, oracle.CENTROIDS
            )
            state.assigned[line.student_id] = line.service_id
    for service in services:
        newcomers = [sid for sid, s in state.assigned.items() if s == service.id]
        for d in range(oracle.day(0).toordinal(), oracle.day(60).toordinal()):
            here = [
                sid
                for sid in newcomers
                if any(d in oracle.days(p.start, p.end) for p in trainees[sid].periods)
            ]
            if here:
                assert state.present(service, d) <= service.places


@BOUNDED
@given(instances())
def test_nobody_left_out_while_an_eligible_service_has_room(instance):
    students, services, run_settings = instance
    proposal = run(students, services, run_settings)
    trainees = {t.id: t for t in students}
    state = oracle.State(
        assigned={k: v for k, v in proposal.assignment().items() if v is not None},
        trainees=trainees,
    )
    for sid, service_id in proposal.assignment().items():
        if service_id is None:
            t = trainees[sid]
            for s in services:
                if oracle.eligible(t, s, run_settings, oracle.CENTROIDS):
                    assert not all(state.room_in(s, p) for p in t.periods)


@BOUNDED
@given(instances(), st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_the_row_order(instance, rnd):
    students, services, run_settings = instance
    first = run(students, services, run_settings)
    assert run(students, services, run_settings) == first
    shuffled_students, shuffled_services = list(students), list(services)
    rnd.shuffle(shuffled_students)
    rnd.shuffle(shuffled_services)
    assert run(shuffled_students, shuffled_services, run_settings) == first


@BOUNDED
@given(instances())
def test_the_reasons_given_are_true(instance):
    """'Waarom?': the better services in preference order, each with every reason that holds."""
    students, services, run_settings = instance
    proposal = run(students, services, run_settings)
    trainees = {t.id: t for t in students}
    _, before = oracle.serial_dictatorship(
        students, services, run_settings, oracle.CENTROIDS, list(proposal.order)
    )
    for line in proposal.lines:
        t = trainees[line.student_id]
        ranked = oracle.in_preference(t, services, oracle.CENTROIDS)
        better = [s.id for s in ranked]
        if line.service_id is not None:
            better = better[: better.index(line.service_id)]
        assert [w.service_id for w in line.why] == better[: run_settings.why_limit]
        for why in line.why:
            service = next(s for s in services if s.id == why.service_id)
            check_reasons(t, service, why, run_settings, before[t.id])


def check_reasons(t, service, why, run_settings, state):
    kinds = [r.kind for r in why.reasons]
    d = oracle.distance(t, service, oracle.CENTROIDS)
    hard = {
        ReasonKind.OTHER_PROVINCE: not run_settings.widen_provinces
        and service.province != t.province,
        ReasonKind.UNKNOWN_POSTCODE: d is None,
        ReasonKind.TOO_FAR: d is not None and d > oracle.limit(t, run_settings),
        ReasonKind.DECLINED: service.id in t.declined_by,
        ReasonKind.OVERLAP: oracle.clash(t) is not None,
    }
    for kind, holds in hard.items():
        assert (kind in kinds) == holds, (kind, why)
    for reason in why.reasons:
        if reason.kind == ReasonKind.OTHER_PROVINCE:
            assert reason.province == service.province
        elif reason.kind == ReasonKind.TOO_FAR:
            assert abs(reason.distance_km - d) < 1e-6
            assert reason.limit_km == oracle.limit(t, run_settings) < reason.distance_km
        elif reason.kind == ReasonKind.UNKNOWN_POSTCODE:
            assert reason.postcode in (t.postcode, service.postcode)
            assert reason.postcode not in oracle.CENTROIDS
        elif reason.kind == ReasonKind.OVERLAP:
            assert reason.period == oracle.clash(t)
    full = [r for r in why.reasons if r.kind == ReasonKind.FULL]
    if any(hard.values()):
        assert full == []
        return
    # Eligible but not chosen: full, at that student's turn, in exactly these periods.
    no_room = [p for p in t.periods if not state.room_in(service, p)]
    assert [r.period for r in full] == [p.number for p in no_room] != []
    for reason, period in zip(full, no_room):
        assert reason.places == service.places
        assert (reason.students, reason.existing) == state.holders(service, period)


def hospital_resident(students, services, run_settings, order):
    """The same instance as a hospital/resident game: services rank students in the order."""
    from matching.games import HospitalResident

    capacity = {s.id: s.places - len(s.taken) for s in services}
    open_services = [s for s in services if capacity[s.id] > 0]
    resident_prefs = {
        t.id: [
            s.id
            for s in oracle.in_preference(t, open_services, oracle.CENTROIDS)
            if oracle.eligible(t, s, run_settings, oracle.CENTROIDS)
        ]
        for t in students
    }
    resident_prefs = {k: v for k, v in resident_prefs.items() if v}
    hospital_prefs = {
        s.id: [sid for sid in order if s.id in resident_prefs.get(sid, ())]
        for s in open_services
    }
    hospital_prefs = {k: v for k, v in hospital_prefs.items() if v}
    if not resident_prefs:
        return {t.id: None for t in students}
    game = HospitalResident.create_from_dictionaries(
        resident_prefs, hospital_prefs, {k: capacity[k] for k in hospital_prefs}
    )
    matched = {t.id: None for t in students}
    for hospital, residents in game.solve(optimal="resident").items():
        for resident in residents:
            matched[resident.name] = hospital.name
    return matched


@settings(max_examples=100, deadline=None)
@given(instances(one_period=True))
def test_one_period_each_equals_the_resident_optimal_stable_matching(instance):
    students, services, run_settings = instance
    proposal = run(students, services, run_settings)
    assert proposal.assignment() == hospital_resident(
        students, services, run_settings, list(proposal.order)
    )


def test_three_hundred_students_equal_the_matching_library():
    rnd = random.Random(13)
    postcodes = list(oracle.CENTROIDS)
    common = (Span(1, oracle.day(0), oracle.day(30)),)
    services = [
        Service(i, rnd.choice(["ANT", "LIM"]), rnd.choice(postcodes), rnd.randint(0, 6))
        for i in range(1, 41)
    ]
    students = [
        Trainee(
            id=i,
            requested_at=datetime(2024, 9, 1, tzinfo=timezone.utc),
            province=rnd.choice(["ANT", "LIM"]),
            postcode=rnd.choice(postcodes),
            periods=common,
            transport=tuple(rnd.sample(["fiets", "ov", "auto"], rnd.randint(1, 2))),
            preferred_service_id=rnd.choice([None, rnd.randint(1, 40)]),
            declined_by=frozenset(rnd.sample(range(1, 41), rnd.randint(0, 2))),
        )
        for i in range(1, 301)
    ]
    for order in Order:
        run_settings = Settings(order=order, seed=7)
        proposal = run(students, services, run_settings)
        placed = sum(1 for v in proposal.assignment().values() if v is not None)
        assert 0 < placed < 300
        assert proposal.assignment() == hospital_resident(
            students, services, run_settings, list(proposal.order)
        )


def test_larger_runs_take_the_fast_paths_and_still_agree_with_the_slow_one():
    """Many students sharing a few sets of dates and few places: the shared full-up-to
    pointer, the open-services shortcut and dead-service pruning all come into play."""
    for seed in range(4):
        rnd = random.Random(seed)
        patterns = [
            tuple(
                Span(n + 1, oracle.day(10 * n + a), oracle.day(10 * n + a + 7))
                for n in range(count)
            )
            for count, a in ((1, 0), (2, 1), (1, 3), (3, 0))
        ]
        services = [
            Service(
                i,
                rnd.choice(["ANT", "LIM"]),
                rnd.choice([*oracle.CENTROIDS, oracle.UNKNOWN_POSTCODE]),
                rnd.randint(0, 2),
                tuple(
                    (oracle.day(a), oracle.day(a + 20))
                    for a in rnd.sample(range(0, 30), rnd.randint(0, 1))
                ),
            )
            for i in range(1, 31)
        ]
        students = [
            Trainee(
                id=i,
                requested_at=datetime(2024, 9, 1, tzinfo=timezone.utc),
                province=rnd.choice(["ANT", "LIM"]),
                postcode=rnd.choice(list(oracle.CENTROIDS)[:3]),
                periods=rnd.choice(patterns),
                transport=tuple(rnd.sample(["fiets", "ov", "auto"], rnd.randint(0, 2))),
                preferred_service_id=rnd.choice([None, rnd.randint(1, 30)]),
                declined_by=frozenset(rnd.sample(range(1, 31), rnd.randint(0, 8))),
            )
            for i in range(1, 151)
        ]
        for why_limit in (0, 1):
            for widen in (False, True):
                run_settings = Settings(
                    order=Order.LOTTERY,
                    seed=seed,
                    why_limit=why_limit,
                    widen_provinces=widen,
                )
                proposal = run(students, services, run_settings)
                expected, _ = oracle.serial_dictatorship(
                    students,
                    services,
                    run_settings,
                    oracle.CENTROIDS,
                    list(proposal.order),
                )
                assert proposal.assignment() == expected
