"""The columns of the export, in a stable order with Dutch headers; the import reads the same.

A row is a list of plain Python values (str, int, date or None); each writer decides how a value
looks in its format (dd/mm/jjjj or ISO dates, typed XLSX cells).
"""

from dataclasses import dataclass

from app.models import Placement, Student
from app.models.reference import INTERNSHIP_FORMS, PROVINCES, TRANSPORT_MODES
from app.validation import display_phone, format_national_number

TEXT, NUMBER, DATE = "text", "number", "date"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 14  # characters, for the XLSX


def _periods() -> list[Column]:
    columns = []
    for n in (1, 2, 3, 4):
        columns += [
            Column(f"Startdatum periode {n}", DATE, 12),
            Column(f"Einddatum periode {n}", DATE, 12),
        ]
    return columns


# The request as the school entered it: also what the import reads (EXP-5).
REQUEST_COLUMNS = [
    Column("Voornaam", width=16),
    Column("Achternaam", width=18),
    # Kept when NATIONAL_NUMBER_MODE is "absent", empty then (app/crypto.py decrypts nothing):
    # the file's layout, which the import reads back, does not depend on a setting.
    Column("Rijksregisternummer", width=16),
    Column("Straat", width=24),
    Column("Postcode", width=8),
    Column("Plaats", width=16),
    Column("Provincie", width=18),
    Column("Telefoon", width=15),
    Column("E-mail", width=26),
    Column("Vervoersmiddel", width=24),
    Column("Opmerkingen", width=30),
    Column("Stage-/werkplekbegeleider", width=20),
    Column("E-mail stage-/werkplekbegeleider", width=26),
    Column("Stagevorm", width=14),
    Column("Aantal periodes", NUMBER, 8),
    Column("Aantal uren/week", NUMBER, 8),
    Column("Totaal aantal uren", NUMBER, 8),
    *_periods(),
    Column("Opmerkingen over de stage", width=30),
    Column("Voorkeursdienst", width=26),
]
# Where the request stands (OVR-2, OVR-4, OVR-5, SVC-5).
RESULT_COLUMNS = [
    Column("Status", width=12),
    Column("Resultaat", width=11),
    Column("Stageplek", width=26),
    Column("Goedgekeurde periodes", width=26),
    Column("Stagementor", width=20),
    Column("Telefoon stagementor", width=15),
    Column("E-mail stagementor", width=26),
    Column("Notities dienst", width=30),
    Column("Afgewezen door", width=30),
    Column("Gestopt op", DATE, 12),
    Column("Reden gestopt", width=24),
]
CONTEXT_COLUMNS = [Column("School", width=22), Column("Stageperiode", width=20)]
COLUMNS = [*CONTEXT_COLUMNS, *REQUEST_COLUMNS, *RESULT_COLUMNS]
HEADERS = [column.header for column in COLUMNS]


def service_label(service) -> str:
    """A service as the preference list shows it: "name (city)"."""
    if service is None:
        return ""
    return f"{service.name} ({service.city})" if service.city else service.name


def request_values(student: Student, national_number: str | None) -> list:
    """The request's own fields, in REQUEST_COLUMNS order."""
    periods = {p.number: p for p in student.periods}
    dates = []
    for n in (1, 2, 3, 4):
        period = periods.get(n)
        dates += [period.start_date, period.end_date] if period else [None, None]
    return [
        student.first_name,
        student.last_name,
        format_national_number(national_number) or None,
        student.street,
        student.postcode,
        student.city,
        PROVINCES.get(student.province, ""),
        display_phone(student.phone),
        student.email,
        ", ".join(TRANSPORT_MODES.get(code, code) for code in student.transport_codes),
        student.remarks,
        student.supervisor.name,
        student.supervisor.email,
        INTERNSHIP_FORMS.get(student.internship_form, ""),
        student.period_count,
        student.hours_per_week,
        student.total_hours,
        *dates,
        student.internship_remarks,
        service_label(student.preferred_service),
    ]


def result_values(
    student: Student, placements: list[Placement], final: bool, show_declines: bool
) -> list:
    """Status, placement, declines and stop, in RESULT_COLUMNS order."""
    services = _unique(p.care_service for p in placements)
    mentors = _unique(p.mentor for p in placements)
    status = "gestopt" if student.stopped else ("aanvaard" if placements else "open")
    return [
        status,
        ("definitief" if final else "voorlopig") if placements else "",
        "; ".join(service_label(s) for s in services),
        "; ".join(
            f"periode {p.period.number}: {p.period.start_date:%d/%m/%Y} – {p.period.end_date:%d/%m/%Y}"
            for p in placements
        ),
        "; ".join(m.name for m in mentors),
        "; ".join(display_phone(m.phone) for m in mentors),
        "; ".join(m.email for m in mentors),
        "; ".join(p.notes for p in placements if p.notes),
        "; ".join(f"{d.care_service.name}: {d.reason}" for d in student.declines)
        if show_declines
        else "",
        student.stopped_on,
        student.stopped_reason if student.stopped else "",
    ]


def _unique(items) -> list:
    seen, result = set(), []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            result.append(item)
    return result


def export_row(
    student: Student,
    national_number: str | None,
    placements: list[Placement],
    final: bool,
    show_declines: bool = True,
) -> list:
    """One student as one row of COLUMNS."""
    return [
        student.school.name,
        student.term.name,
        *request_values(student, national_number),
        *result_values(student, placements, final, show_declines),
    ]
