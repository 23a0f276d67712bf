"""Export cost in process: the app's export against a bare baseline in the same run.

The baseline selects the same students with SQLAlchemy Core (a few flat queries, grouped in
Python, the national number decrypted) and writes them with `csv.writer`, resp. XlsxWriter in
`constant_memory` mode: what the export would cost with no ORM and no formatting.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import tempfile
import time
from collections import defaultdict

import xlsxwriter
from sqlalchemy import select

from app.crypto import decrypt_national_number
from app.extensions import db
from app.models import (
    CareService,
    Decline,
    Mentor,
    Period,
    Placement,
    School,
    Student,
    Supervisor,
    Term,
)


def _baseline_rows():
    """The export's rows, bare: Core selects, grouped per student, in the export's order."""
    preferred = CareService.__table__.alias("preferred")
    students = (
        select(
            Student.id,
            School.name,
            Term.name,
            Student.first_name,
            Student.last_name,
            Student.national_number_encrypted,
            Student.street,
            Student.postcode,
            Student.city,
            Student.province,
            Student.phone,
            Student.email,
            Student.transport,
            Student.remarks,
            Supervisor.name,
            Supervisor.email,
            Student.internship_form,
            Student.period_count,
            Student.hours_per_week,
            Student.total_hours,
            Student.internship_remarks,
            preferred.c.name,
            Student.stopped_on,
            Student.stopped_reason,
        )
        .join(School, School.id == Student.school_id)
        .join(Term, Term.id == Student.term_id)
        .join(Supervisor, Supervisor.id == Student.supervisor_id)
        .outerjoin(preferred, preferred.c.id == Student.preferred_service_id)
        .order_by(
            Term.internship_start,
            Student.school_id,
            Student.last_name,
            Student.first_name,
            Student.id,
        )
    )
    periods = defaultdict(list)
    for row in db.session.execute(
        select(Period.student_id, Period.start_date, Period.end_date).order_by(
            Period.student_id, Period.number
        )
    ):
        periods[row[0]] += [row[1], row[2]]
    placements = defaultdict(list)
    for row in db.session.execute(
        select(
            Placement.student_id,
            CareService.name,
            Period.number,
            Mentor.name,
            Mentor.phone,
            Mentor.email,
            Placement.notes,
        )
        .join(CareService, CareService.id == Placement.care_service_id)
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .join(Period, Period.id == Placement.period_id)
    ):
        placements[row[0]].append(row[1:])
    declines = defaultdict(list)
    for row in db.session.execute(
        select(Decline.student_id, CareService.name, Decline.reason).join(
            CareService, CareService.id == Decline.care_service_id
        )
    ):
        declines[row[0]].append(f"{row[1]}: {row[2]}")
    for row in db.session.execute(students.execution_options(yield_per=1000)):
        placed = placements.get(row[0], [])
        yield [
            *row[1:5],
            decrypt_national_number(row[5]),
            *row[6:21],
            *(periods.get(row[0], []) + [None] * 8)[:8],
            row[21],
            "; ".join(p[0] for p in placed),
            "; ".join(str(p[1]) for p in placed),
            "; ".join(p[2] for p in placed),
            "; ".join(p[3] for p in placed),
            "; ".join(p[4] for p in placed),
            "; ".join(p[5] for p in placed if p[5]),
            "; ".join(declines.get(row[0], [])),
            row[22],
            row[23],
        ]


def baseline_csv() -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    size = 0
    for n, row in enumerate(_baseline_rows(), 1):
        writer.writerow(row)
        if n % 200 == 0:
            size += len(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    return size + len(buffer.getvalue().encode())


def baseline_xlsx() -> int:
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("Stageaanvragen")
    for r, row in enumerate(_baseline_rows()):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    size = os.path.getsize(path)
    os.unlink(path)
    return size


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def measure(function, session=None) -> dict:
    """Seconds, MB written and memory growth of one call: the process's peak resident size
    (VmHWM, reset before the call through /proc/self/clear_refs) minus its size before.
    Unlike tracemalloc this costs nothing, so the seconds are real."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset the peak resident size to the current one
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    size = function()
    seconds = time.perf_counter() - start
    growth = _status_kb("VmHWM") - before
    if session is not None:
        session.rollback()
    return {"seconds": seconds, "mb": size / 2**20, "growth_mb": growth / 1024}


def app_export(client, file_format: str):
    """The app's own export through its route, as an admin downloads every row."""

    def run() -> int:
        response = client.get(f"/export/bestand?format={file_format}")
        assert response.status_code == 200, response.status_code
        size = sum(len(chunk) for chunk in response.iter_encoded())
        response.close()
        return size

    return run
