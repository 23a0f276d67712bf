"""A realistic school year for the benchmark, bulk-inserted: `generate(Scale.large())`.

Shape (the large scale): 40 schools, 1,000 care services over the six provinces, 20,000 requests
over four terms with 1-4 periods each. Two terms are over (about 85 % placed), one is on its
busiest day (the intake closes in two hours, services browse and accept; about a quarter placed,
declines), and the next one's intake is already open. The largest school has about a third of
the busy term's requests (about 2,500); the largest province about 3,000 open requests. A few
care services take most trainees (the biggest about 500 placements over the year), as in life.

Everything is written with Core `insert` in a handful of statements and explicit ids; on
PostgreSQL the id sequences are moved past them and the tables are analysed afterwards.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import insert, text

from app.crypto import encrypt_national_number, national_number_index
from app.demo import national_number
from app.demo_data import (
    DECLINE_REASONS,
    INTERNSHIP_REMARKS,
    PERSONAL_REMARKS,
    PLACEMENT_NOTES,
    SERVICE_NAMES,
    STOP_REASONS,
    STREETS,
    TOWNS,
)
from app.extensions import db
from app.models import (
    AuditEvent,
    CareService,
    Decline,
    Mentor,
    Period,
    Placement,
    School,
    ServiceCapacity,
    Student,
    Supervisor,
    Term,
    User,
    utcnow,
)
from app.models.reference import SERVICE_KINDS, TRANSPORT_MODES
from app.schedule.clock import school_year_of
from app.security import hash_password

PASSWORD = "benchmark wachtwoord"
PROVINCE_WEIGHTS = {
    "ANT": 0.30,
    "OVL": 0.22,
    "WVL": 0.17,
    "VBR": 0.14,
    "LIM": 0.11,
    "BRU": 0.06,
}
FIRST_NAMES = (
    "Amina Anke Bart Charlotte Dries Elif Emma Fatima Femke Gert Hanne Ilse Jasper Joke Karim "
    "Kato Lars Lien Lotte Marie Mohamed Nathalie Nora Pieter Rania Ruben Sara Sofie Stijn "
    "Tine Tom Yasmina Youssef Zeynep Wout Liesbeth Bram Evi Jonas Mira"
).split()
LAST_NAMES = (
    "Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters De Smet Dubois "
    "Hermans Aerts Van den Broeck El Amrani Vermeulen Pauwels Van Damme Dumont Yilmaz "
    "Van de Velde Michiels Lambrechts Coppens Bogaert Verstraete De Backer Cools Martens "
    "Benali Desmet Verhoeven Van Hecke Smets Nijs Van Acker Boukhari Hendrickx"
).split()


@dataclass(frozen=True)
class Scale:
    """How big a school year to make."""

    schools: int
    services: int
    requests: tuple[int, int, int, int]  # past, past, busy, next
    audit_events: int

    @classmethod
    def large(cls) -> Scale:
        return cls(
            schools=40,
            services=1000,
            requests=(5000, 5000, 7500, 2500),
            audit_events=100_000,
        )

    @classmethod
    def small(cls) -> Scale:
        return cls(schools=4, services=30, requests=(60, 50, 80, 30), audit_events=200)


@dataclass
class Generated:
    """What the benchmark needs to find its way in the data."""

    terms: dict[str, int] = field(default_factory=dict)  # past1, past2, busy, next
    school_id: int = 0  # the largest school
    service_id: int = 0  # the busiest service of the largest province
    province: str = "ANT"
    counts: dict[str, int] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)  # role -> e-mail


def _moment_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment in [start, end) (at start when the span is empty)."""
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(seconds)) if seconds > 0 else start


def _zipf(n: int, exponent: float) -> list[float]:
    return [1 / (i + 1) ** exponent for i in range(n)]


def _school_weights(n: int) -> list[float]:
    """The largest school a third of the requests, the rest falling off gently."""
    if n == 1:
        return [1.0]
    rest = _zipf(n - 1, 0.8)
    total = sum(rest)
    return [0.33] + [0.67 * w / total for w in rest]


class _Ids:
    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 0) + 1
        self.next[table] = value
        return value


def _timetable(now: datetime) -> dict[str, dict]:
    today = now.date()
    year = school_year_of(now)

    def term(name, start, end, opens, closes, results):
        return dict(
            name=name,
            school_year=year,
            internship_start=today + timedelta(days=start),
            internship_end=today + timedelta(days=end),
            intake_opens_at=now + opens,
            intake_closes_at=now + closes,
            results_at=now + results,
            created_at=now,
        )

    d = timedelta
    return {
        "past1": term("Stage 1", -60, 20, d(days=-200), d(days=-170), d(days=-130)),
        "past2": term("Stage 2", 40, 110, d(days=-90), d(days=-60), d(days=-30)),
        "busy": term("Stage 3", 130, 200, d(days=-21), d(hours=2), d(days=14)),
        "next": term("Stage 4", 220, 290, d(days=-3), d(days=40), d(days=60)),
    }


def generate(scale: Scale, now: datetime | None = None, seed: int = 2026) -> Generated:
    """Insert a whole school year into the (migrated, empty) database of the app context."""
    now = now or utcnow()
    rng = random.Random(seed)
    ids = _Ids()
    out = Generated()
    rows: dict[type, list[dict]] = {}

    def add(model, **values) -> int:
        values.setdefault("id", ids.take(model.__tablename__))
        rows.setdefault(model, []).append(values)
        return values["id"]

    def phone() -> str:
        return f"+324{rng.randint(70, 99)}{rng.randint(100000, 999999)}"

    def address(province: str) -> tuple[str, str, str]:
        postcode, city, _zone = rng.choice(TOWNS[province])
        return f"{rng.choice(STREETS)} {rng.randint(1, 240)}", postcode, city

    terms = _timetable(now)
    for key, values in terms.items():
        out.terms[key] = add(Term, **values)

    provinces = list(PROVINCE_WEIGHTS)
    weights = list(PROVINCE_WEIGHTS.values())
    other_weights = [0.1 if p == "ANT" else w for p, w in PROVINCE_WEIGHTS.items()]

    # Schools: the largest in the largest province, the others spread by weight.
    schools = []
    for n in range(scale.schools):
        # The largest school is in Antwerp; the others mostly elsewhere, so that the largest
        # province does not hold every open request.
        province = "ANT" if n == 0 else rng.choices(provinces, other_weights)[0]
        street, postcode, city = address(province)
        school = add(
            School,
            name=f"CVO {city} {n + 1}",
            street=street,
            postcode=postcode,
            city=city,
            email=f"info{n + 1}@cvo-bench.example",
            phone=phone(),
            active=True,
            created_at=now,
        )
        supervisors = [
            add(
                Supervisor,
                school_id=school,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                phone=phone(),
                email=f"begeleider{n + 1}-{k}@cvo-bench.example",
                created_at=now,
            )
            for k in range(rng.randint(3, 8))
        ]
        schools.append((school, province, supervisors))
    out.school_id = schools[0][0]

    # Care services: per province, the first few take most trainees (Zipf).
    services: dict[str, list[int]] = {p: [] for p in provinces}
    mentors: dict[int, list[int]] = {}
    per_province = {
        p: max(1, round(scale.services * w)) for p, w in PROVINCE_WEIGHTS.items()
    }
    for province, count in per_province.items():
        for n in range(count):
            street, postcode, city = address(province)
            kind = rng.choice(list(SERVICE_KINDS))
            service = add(
                CareService,
                name=f"{rng.choice(SERVICE_NAMES)} {city} {n + 1}",
                kind=kind,
                street=street,
                postcode=postcode,
                city=city,
                province=province,
                email=f"dienst{province.lower()}{n + 1}@zorg-bench.example",
                phone=phone(),
                enterprise_number=None,
                capacity_default=None,
                active=True,
                created_at=now,
            )
            services[province].append(service)
            mentors[service] = [
                add(
                    Mentor,
                    care_service_id=service,
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    phone=phone(),
                    email=f"mentor{service}-{k}@zorg-bench.example",
                    created_at=now,
                )
                for k in range(rng.randint(1, 3))
            ]
            if rng.random() < 0.6:
                add(
                    ServiceCapacity,
                    care_service_id=service,
                    term_id=out.terms["busy"],
                    places=500 if n == 0 else rng.randint(1, 10),
                )
    out.service_id = services["ANT"][0]
    service_weights = {p: _zipf(len(s), 0.85) for p, s in services.items()}

    # Logins: two coordinators per school, one per service, two admins; one hash for all.
    hashed = hash_password(PASSWORD)

    def login(email: str, role: str, **organisation) -> None:
        add(
            User,
            email=email,
            role=role,
            password_hash=hashed,
            enabled=True,
            activated_at=now,
            language="nl",
            created_at=now,
            **organisation,
        )

    for n, (school, _province, _supervisors) in enumerate(schools):
        for k in (1, 2):
            login(f"school{n + 1}-{k}@bench.example", "school", school_id=school)
    for province, ids_ in services.items():
        for n, service in enumerate(ids_):
            login(
                f"dienst-{province.lower()}{n + 1}@bench.example",
                "service",
                care_service_id=service,
            )
    login("admin1@bench.example", "admin")
    login("admin2@bench.example", "admin")
    out.logins = {
        "school": "school1-1@bench.example",
        "service": "dienst-ant1@bench.example",
        "admin": "admin1@bench.example",
    }

    # Requests, periods, placements, declines.
    school_weights = _school_weights(len(schools))
    placed_share = {"past1": 0.85, "past2": 0.85, "busy": 0.25, "next": 0.0}
    decline_share = {"past1": 0.06, "past2": 0.06, "busy": 0.08, "next": 0.0}
    serial = 0
    for key, count in zip(("past1", "past2", "busy", "next"), scale.requests):
        term = terms[key]
        term_id = out.terms[key]
        span = (term["internship_end"] - term["internship_start"]).days
        for _ in range(count):
            school, school_province, supervisors = rng.choices(schools, school_weights)[
                0
            ]
            province = (
                school_province
                if rng.random() < 0.85
                else rng.choices(provinces, weights)[0]
            )
            serial += 1
            birth = date(1966, 1, 1) + timedelta(days=serial % 14000)
            number = national_number(birth, serial // 14000 * 2 + rng.randint(1, 2))
            street, postcode, city = address(province)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            period_count = rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0]
            form = rng.choice(("blok", "alternerend", "blok_alternerend"))
            preferred = (
                rng.choices(services[province], service_weights[province])[0]
                if rng.random() < 0.3
                else None
            )
            # Entered while the intake was open; answered before the results moment (and
            # never after now): no acceptance looks like a second-round one.
            created = _moment_between(
                rng, term["intake_opens_at"], min(term["intake_closes_at"], now)
            )
            answer_by = min(term["results_at"], now)
            student = add(
                Student,
                school_id=school,
                term_id=term_id,
                first_name=first,
                last_name=last,
                national_number_encrypted=encrypt_national_number(number),
                national_number_index=national_number_index(number),
                street=street,
                postcode=postcode,
                city=city,
                province=province,
                phone=phone(),
                email=f"{first}.{last}.{serial}@student-bench.example".lower().replace(
                    " ", ""
                ),
                transport=",".join(
                    sorted(rng.sample(list(TRANSPORT_MODES), rng.randint(1, 3)))
                ),
                remarks=rng.choice(PERSONAL_REMARKS) if rng.random() < 0.3 else "",
                supervisor_id=rng.choice(supervisors),
                internship_form=form,
                period_count=period_count,
                # Hours per week are asked for blok stages only (the form's rule).
                hours_per_week=(
                    rng.choice((None, 16, 20))
                    if form == "alternerend"
                    else rng.choice((16, 24, 32))
                ),
                total_hours=rng.choice((80, 120, 160, 240, 300)),
                internship_remarks=(
                    rng.choice(INTERNSHIP_REMARKS) if rng.random() < 0.4 else ""
                ),
                preferred_service_id=preferred,
                stopped_on=None,
                stopped_reason="",
                created_at=created,
                updated_at=created,
            )
            periods = []
            chunk = max(1, span // period_count)
            for number_ in range(1, period_count + 1):
                start = term["internship_start"] + timedelta(days=(number_ - 1) * chunk)
                end = min(start + timedelta(days=chunk - 1), term["internship_end"])
                periods.append(
                    add(
                        Period,
                        student_id=student,
                        number=number_,
                        start_date=start,
                        end_date=max(start, end),
                    )
                )
            declined_by = set()
            if rng.random() < decline_share[key]:
                for service in rng.sample(
                    services[province], min(len(services[province]), rng.randint(1, 2))
                ):
                    declined_by.add(service)
                    add(
                        Decline,
                        student_id=student,
                        care_service_id=service,
                        reason=rng.choice(DECLINE_REASONS),
                        created_by_id=None,
                        created_at=_moment_between(rng, created, answer_by),
                    )
            if rng.random() < placed_share[key]:
                service = (
                    preferred
                    or rng.choices(services[province], service_weights[province])[0]
                )
                if service in declined_by:
                    continue
                note = rng.choice(PLACEMENT_NOTES)
                for period in periods:
                    add(
                        Placement,
                        student_id=student,
                        period_id=period,
                        care_service_id=service,
                        mentor_id=rng.choice(mentors[service]),
                        notes=note,
                        accepted_by_id=None,
                        created_at=_moment_between(rng, created, answer_by),
                    )
                if key != "next" and rng.random() < 0.03:
                    rows[Student][-1].update(
                        stopped_on=term["internship_start"] + timedelta(days=10),
                        stopped_reason=rng.choice(STOP_REASONS),
                    )

    actions = (
        "login",
        "student.created",
        "student.updated",
        "placement.accepted",
        "student.personal_data_viewed",
    )
    user_count = ids.next["user"]
    for _ in range(scale.audit_events):
        add(
            AuditEvent,
            at=now - timedelta(minutes=rng.randint(1, 60 * 24 * 200)),
            user_id=rng.randint(1, user_count),
            action=rng.choice(actions),
            object_type="Student",
            object_id=rng.randint(1, max(1, serial)),
            detail="",
        )

    order = (
        Term,
        School,
        Supervisor,
        CareService,
        Mentor,
        ServiceCapacity,
        User,
        Student,
        Period,
        Decline,
        Placement,
        AuditEvent,
    )
    for model in order:
        batch = rows.get(model, [])
        for start in range(0, len(batch), 5000):
            db.session.execute(insert(model), batch[start : start + 5000])
        out.counts[model.__tablename__] = len(batch)
    db.session.commit()
    _after_bulk_load([model.__tablename__ for model in order])
    return out


def _after_bulk_load(tables: list[str]) -> None:
    """PostgreSQL: move each id sequence past the explicit ids; both: fresh statistics."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for table in tables:
            quoted = f'"{table}"'
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{quoted}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {quoted}))"
                )
            )
    db.session.commit()
    connection = db.session.connection()
    connection.execute(text("ANALYZE"))
    db.session.commit()
