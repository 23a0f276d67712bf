"""The whole "Voorstel maken" request at full size: POST the form, the run is stored, redirect.

The database holds one term past its results with the instance of bench/allocation.py (20,000
unplaced students, 1,000 care services, the places some hold already as placements of other
students of the term, declines, preferences), written with Core inserts. An admin logs in
through the form and posts the settings with the app's own test client; each run is timed
from the POST to its redirect (wall clock: the request waits on the database too).
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, text

from app import create_app
from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    CareService,
    Decline,
    Mentor,
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
ADMIN = "admin@bench.example"


def database(backend: str) -> str:
    """A fresh SQLite file, or BENCH_DATABASE_URL with its public schema emptied."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench-alloc-"))
        return f"sqlite:///{folder / 'bench.db'}"
    url = os.environ["BENCH_DATABASE_URL"]
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        db.engine.dispose()
    return url


def load(trainees, services, now: datetime) -> int:
    """Write the instance into the (migrated, empty) database; returns the term's id."""
    first = min(p.start for t in trainees for p in t.periods)
    last = max(p.end for t in trainees for p in t.periods)
    rows: dict[type, list[dict]] = {}

    def add(model, **values) -> int:
        batch = rows.setdefault(model, [])
        values["id"] = len(batch) + 1
        batch.append(values)
        return values["id"]

    term = add(
        Term,
        name="Stage bench",
        school_year=first.year,
        internship_start=first,
        internship_end=last,
        intake_opens_at=now - timedelta(days=60),
        intake_closes_at=now - timedelta(days=30),
        results_at=now - timedelta(days=1),
    )
    school = add(School, name="CVO Bench")
    supervisor = add(Supervisor, school_id=school, name="B", phone="0", email="b@x.be")
    add(
        User,
        email=ADMIN,
        role="admin",
        password_hash=hash_password(PASSWORD),
        activated_at=now,
    )
    add(
        User,
        email="nobody@bench.example",
        role="school",
        school_id=school,
        password_hash=None,
    )
    for s in services:
        add(
            CareService,
            id=s.id,
            name=f"Dienst {s.id}",
            province=s.province,
            postcode=s.postcode,
            capacity_default=s.places,
        )
    rows[CareService] = sorted(rows[CareService], key=lambda r: r["id"])
    mentors = {
        s.id: add(Mentor, care_service_id=s.id, name="M", phone="0", email="m@x.be")
        for s in services
    }

    def student(
        student_id, postcode, province, transport, preferred, created, periods
    ) -> None:
        add(
            Student,
            id=student_id,
            school_id=school,
            term_id=term,
            first_name="Student",
            last_name=str(student_id),
            street="Straat 1",
            postcode=postcode,
            city="Stad",
            province=province,
            phone="0",
            email=f"s{student_id}@bench.example",
            transport=",".join(transport),
            supervisor_id=supervisor,
            internship_form="blok",
            period_count=len(periods),
            total_hours=120,
            preferred_service_id=preferred,
            created_at=created,
        )

    for t in trainees:
        student(
            t.id,
            t.postcode,
            t.province,
            t.transport,
            t.preferred_service_id,
            t.requested_at,
            t.periods,
        )
        for span in t.periods:
            add(
                Period,
                student_id=t.id,
                number=span.number,
                start_date=span.start,
                end_date=span.end,
            )
        for service_id in t.declined_by:
            add(Decline, student_id=t.id, care_service_id=service_id, reason="vol")
    rows[Student] = sorted(rows[Student], key=lambda r: r["id"])
    # The places held already: a placed student of the term per stay.
    serial = max(t.id for t in trainees)
    for s in services:
        for start, end in s.taken:
            serial += 1
            student(serial, s.postcode, s.province, ("auto",), None, now, [1])
            period = add(
                Period, student_id=serial, number=1, start_date=start, end_date=end
            )
            add(
                Placement,
                student_id=serial,
                period_id=period,
                care_service_id=s.id,
                mentor_id=mentors[s.id],
            )
    for model in (
        Term,
        School,
        Supervisor,
        User,
        CareService,
        Mentor,
        Student,
        Period,
        Decline,
        Placement,
    ):
        batch = rows.get(model, [])
        for start in range(0, len(batch), 5000):
            db.session.execute(insert(model), batch[start : start + 5000])
    db.session.commit()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for model in (Term, School, Supervisor, User, CareService, Mentor, Student):
            table = model.__tablename__
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT MAX(id) FROM "{table}"))'
                )
            )
        for model in (Period, Decline, Placement):
            table = model.__tablename__
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT MAX(id) FROM "{table}"))'
                )
            )
    connection.execute(text("ANALYZE"))
    db.session.commit()
    return term


def measure(url: str, trainees, services, runs: int = 3) -> dict:
    """{seconds: [each run], min, median, cpu_min, cpu_median, lines, placed,
    algorithm_ms} of the POST: wall clock, and the CPU time of this process (with SQLite
    the database works in it too; PostgreSQL's server is not counted)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade()
        term = load(trainees, services, utcnow())
        db.session.remove()
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    form = {"order": "request_time"}
    form.update(_form_fields(client.get(f"/admin/stageperiodes/{term}/voorstel")))
    seconds, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/admin/stageperiodes/{term}/voorstel", data=form)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        run = db.session.query(AllocationRun).order_by(AllocationRun.id.desc()).first()
        lines = db.session.query(AllocationLine).filter_by(run_id=run.id)
        count = lines.count()
        placed = lines.filter(AllocationLine.care_service_id.is_not(None)).count()
        algorithm_ms = run.algorithm_ms
        db.session.remove()
        db.engine.dispose()
    return dict(
        seconds=[round(s, 3) for s in seconds],
        min=round(min(seconds), 3),
        median=round(statistics.median(seconds), 3),
        cpu_min=round(min(cpu), 3),
        cpu_median=round(statistics.median(cpu), 3),
        lines=count,
        placed=placed,
        algorithm_ms=algorithm_ms,
    )


def _form_fields(response) -> dict:
    """The settings form's field names and values as drawn (the limits are prefilled)."""
    html = response.get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("checkbox", "submit", "radio")):
            continue
        fields[name.group(1)] = value.group(1) if value else ""
    fields.pop("csrf_token", None)
    return fields


def backends() -> list[str]:
    return ["sqlite"] + (["postgresql"] if os.environ.get("BENCH_DATABASE_URL") else [])


def main() -> None:
    from bench.allocation import instance

    trainees, services = instance(20_000, 1_000)
    for backend in backends():
        print(backend, measure(database(backend), trainees, services), flush=True)


if __name__ == "__main__":
    main()
