"""Overview and browse timings at realistic volume: `make bench` (or python -m bench --students N).

Seeds one school with N requests (default 5,000) in one term on a temporary SQLite file (or
DATABASE_URL), then times the pages coordinators and services use most. Prints medians.
"""

import argparse
import statistics
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from app.schedule.clock import school_year_of
from app import create_app
from app.crypto import encrypt_national_number, national_number_index
from app.extensions import db
from app.models import (
    CareService,
    Period,
    Placement,
    School,
    Student,
    Supervisor,
    Term,
    User,
    utcnow,
)
from app.security import hash_password
from config import TestConfig

PASSWORD = "benchmark wachtwoord"


def seed(students: int) -> dict:
    """Bulk-insert one school, one service, one open term and `students` requests."""
    now = utcnow()
    school = School(name="CVO Bench")
    service = CareService(name="WZC Bench", province="ANT", city="Antwerpen")
    term = Term(
        name="Bench term",
        school_year=school_year_of(now),
        internship_start=date.today() + timedelta(days=30),
        internship_end=date.today() + timedelta(days=120),
        intake_opens_at=now - timedelta(days=5),
        intake_closes_at=now + timedelta(days=5),
        results_at=now + timedelta(days=20),
    )
    db.session.add_all([school, service, term])
    db.session.flush()
    supervisor = Supervisor(
        school_id=school.id,
        name="Bench Begeleider",
        phone="+3232000000",
        email="b@cvo.example",
    )
    hashed = hash_password(PASSWORD)
    users = [
        User(
            email="school@bench.example",
            role="school",
            school_id=school.id,
            password_hash=hashed,
            activated_at=now,
        ),
        User(
            email="dienst@bench.example",
            role="service",
            care_service_id=service.id,
            password_hash=hashed,
            activated_at=now,
        ),
    ]
    db.session.add_all([supervisor, *users])
    db.session.flush()
    number = "85073003328"
    cipher, index = encrypt_national_number(number), national_number_index(number)
    rows = [
        dict(
            school_id=school.id,
            term_id=term.id,
            supervisor_id=supervisor.id,
            first_name=f"Voornaam{n}",
            last_name=f"Achternaam{n:05d}",
            street="Kerkstraat 1",
            postcode="2000",
            city="Antwerpen",
            province="ANT",
            phone="+32470123456",
            email=f"s{n}@mail.example",
            transport="fiets",
            remarks="",
            internship_form="alternerend",
            period_count=1,
            total_hours=100,
            internship_remarks="",
            stopped_reason="",
            national_number_encrypted=cipher,
            national_number_index=f"{index[:50]}{n:014d}",
            created_at=now,
            updated_at=now,
        )
        for n in range(students)
    ]
    db.session.execute(insert(Student), rows)
    ids = db.session.scalars(
        select(Student.id).where(Student.school_id == school.id)
    ).all()
    db.session.execute(
        insert(Period),
        [
            dict(
                student_id=i,
                number=1,
                start_date=term.internship_start,
                end_date=term.internship_end,
            )
            for i in ids
        ],
    )
    db.session.commit()
    return {"term": term.id, "service": service.id}


def timed(client, url: str, repeat: int) -> float:
    """Median milliseconds of `repeat` GETs of url (after one warm-up)."""
    client.get(url)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def export_cost(client, url: str) -> tuple[float, float, float]:
    """(seconds, MB written, peak MB of Python allocations) of one export download."""
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get(url)
    size = sum(len(chunk) for chunk in response.iter_encoded())
    response.close()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert response.status_code == 200, (url, response.status_code)
    return seconds, size / 2**20, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(folder) / 'bench.db'}"
    )
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        ids = seed(args.students)
        print(f"seeded {args.students} requests in {time.perf_counter() - start:.1f}s")
    school, service = app.test_client(), app.test_client()
    school.post("/login", data={"email": "school@bench.example", "password": PASSWORD})
    service.post("/login", data={"email": "dienst@bench.example", "password": PASSWORD})
    term = ids["term"]
    cases = [
        ("school overview, page 1", school, f"/studenten?term={term}"),
        ("school overview, last page", school, f"/studenten?term={term}&page=9999"),
        ("school overview, search", school, f"/studenten?term={term}&q=achternaam0042"),
        (
            "school overview, sort by status (htmx)",
            school,
            f"/studenten?term={term}&sort=status",
        ),
        ("service browse, page 1", service, "/dienst/aanvragen"),
        (
            "service browse, filtered",
            service,
            "/dienst/aanvragen?vorm=alternerend&vervoer=fiets",
        ),
    ]
    print(f"{'page':45} median ms ({args.repeat} runs)")
    for label, client, url in cases:
        print(f"{label:45} {timed(client, url, args.repeat):8.1f}")
    print(f"{'export (whole school)':45} seconds   file MB   peak MB")
    for file_format in ("csv_excel", "csv", "xlsx"):
        seconds, size, peak = export_cost(
            school, f"/export/bestand?format={file_format}"
        )
        print(f"{file_format:45} {seconds:7.1f} {size:9.1f} {peak:9.1f}")
    with app.app_context():
        db.engine.dispose()
    assert Placement  # imported for the mapper registry


if __name__ == "__main__":
    main()
