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
import tracemalloc
from collections import defaultdict
from datetime import date

import xlsxwriter
from sqlalchemy import select

from app.crypto import decrypt_national_number
from app.export.columns import HEADERS
from app.export.writers import neutralise
from app.models.reference import INTERNSHIP_FORMS, PROVINCES, TRANSPORT_MODES
from app.schedule.timetable import term_state
from app.validation import display_phone, format_national_number
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
    """The export's rows, cell for cell, the bare way: every table read once with Core and
    grouped in dicts, the cells formatted with the app's own helpers (phone numbers, national
    numbers, labels): what the export costs without its batching and records."""
    preferred = CareService.__table__.alias("preferred")
    students = (
        select(
            Student.id,
            School.name,
            Term.id,
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
            preferred.c.city,
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
    connection = db.session.connection()
    final = {
        term.id: term_state(term).final for term in db.session.scalars(select(Term))
    }
    periods = defaultdict(dict)
    for student_id, number, start, end in connection.execute(
        select(Period.student_id, Period.number, Period.start_date, Period.end_date)
    ):
        periods[student_id][number] = (start, end)
    placements = defaultdict(list)
    for row in connection.execute(
        select(
            Placement.student_id,
            CareService.id,
            CareService.name,
            CareService.city,
            Period.number,
            Period.start_date,
            Period.end_date,
            Mentor.id,
            Mentor.name,
            Mentor.phone,
            Mentor.email,
            Placement.notes,
        )
        .join(CareService, CareService.id == Placement.care_service_id)
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .join(Period, Period.id == Placement.period_id)
        .order_by(Placement.student_id, Placement.period_id)
    ):
        placements[row[0]].append(row[1:])
    declines = defaultdict(list)
    for student_id, name, reason in connection.execute(
        select(Decline.student_id, CareService.name, Decline.reason)
        .join(CareService, CareService.id == Decline.care_service_id)
        .order_by(Decline.student_id, Decline.created_at, Decline.id)
    ):
        declines[student_id].append(f"{name}: {reason}")

    def label(name, city):
        return f"{name} ({city})" if city else name

    for r in connection.execute(students.execution_options(yield_per=1000)):
        dates = []
        for n in (1, 2, 3, 4):
            dates += periods[r[0]].get(n, (None, None))
        placed = placements.get(r[0], [])
        services = {p[0]: label(p[1], p[2]) for p in placed}
        mentors = {p[6]: p[7:10] for p in placed}
        yield [
            r[1],
            r[3],
            r[4],
            r[5],
            format_national_number(decrypt_national_number(r[6])) or None,
            r[7],
            r[8],
            r[9],
            PROVINCES.get(r[10], ""),
            display_phone(r[11]),
            r[12],
            ", ".join(TRANSPORT_MODES.get(c, c) for c in r[13].split(",") if c),
            r[14],
            r[15],
            r[16],
            INTERNSHIP_FORMS.get(r[17], ""),
            r[18],
            r[19],
            r[20],
            *dates,
            r[21],
            label(r[22], r[23]) if r[22] else "",
            "gestopt" if r[24] else ("aanvaard" if placed else "open"),
            ("definitief" if final[r[2]] else "voorlopig") if placed else "",
            "; ".join(services.values()),
            "; ".join(
                f"periode {p[3]}: {p[4]:%d/%m/%Y} – {p[5]:%d/%m/%Y}" for p in placed
            ),
            "; ".join(m[0] for m in mentors.values()),
            "; ".join(display_phone(m[1]) for m in mentors.values()),
            "; ".join(m[2] for m in mentors.values()),
            "; ".join(p[10] for p in placed if p[10]),
            "; ".join(declines.get(r[0], [])),
            r[24],
            r[25] if r[24] else "",
        ]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def baseline_csv(keep: list | None = None) -> int:
    """The Excel CSV (";", BOM, dd/mm/jjjj) of every student; keep collects the text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    size = 0
    for n, row in enumerate(_baseline_rows(), 1):
        writer.writerow([_cell(value) for value in row])
        if n % 200 == 0:
            size += _flush(buffer, keep)
    return size + _flush(buffer, keep)


def _flush(buffer: io.StringIO, keep: list | None) -> int:
    text = buffer.getvalue()
    if keep is not None:
        keep.append(text)
    buffer.seek(0)
    buffer.truncate()
    return len(text.encode())


def baseline_xlsx() -> int:
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("Stageaanvragen")
    dates = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(_baseline_rows(), 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, dates)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    size = os.path.getsize(path)
    os.unlink(path)
    return size


def measure(function, session=None) -> dict:
    """Seconds and MB written of one call, then the peak of Python's own allocations during
    a second call (tracemalloc slows a run down, so it does not share the timed one; the
    process's resident size would depend on what earlier runs left in its heap)."""
    gc.collect()
    start = time.perf_counter()
    size = function()
    seconds = time.perf_counter() - start
    if session is not None:
        session.rollback()
    gc.collect()
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if session is not None:
        session.rollback()
    return {"seconds": seconds, "mb": size / 2**20, "peak_mb": peak / 2**20}


def app_export(client, file_format: str, keep: list | None = None):
    """The app's own export through its route, as an admin downloads every row."""

    def run() -> int:
        response = client.get(f"/export/bestand?format={file_format}")
        assert response.status_code == 200, response.status_code
        size = 0
        for chunk in response.iter_encoded():
            size += len(chunk)
            if keep is not None:
                keep.append(chunk)
        response.close()
        return size

    return run
