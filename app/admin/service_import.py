"""Importing care services from VIVO's list (CSV or XLSX): read, check every line, save all
or nothing. A line whose enterprise number is known updates that service: only the columns
the file has with a value, and only when something differs.
"""

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.admin.forms import ServiceForm
from app.admin.organisation_logic import save_service, update_service
from app.export.import_files import ImportProblem, file_kind
from app.extensions import db
from app.models import CareService
from app.models.reference import PROVINCES, SERVICE_KINDS

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Column header -> form field; the order is the template's.
COLUMNS = {
    "Naam": "name",
    "Type": "kind",
    "Straat": "street",
    "Postcode": "postcode",
    "Plaats": "city",
    "Provincie": "province",
    "E-mail": "email",
    "Telefoon": "phone",
    "Ondernemingsnummer": "enterprise_number",
    "Capaciteit": "capacity_default",
}
HEADER_OF = {name: header for header, name in COLUMNS.items()}
REQUIRED = ("Naam", "Type", "Provincie", "Ondernemingsnummer")
EXAMPLE = [
    "WZC De Linde",
    "Woonzorgcentrum",
    "Lindelaan 1",
    "2000",
    "Antwerpen",
    "Antwerpen",
    "info@delinde.example",
    "03 212 34 56",
    "BE 0403.170.701",
    "4",
]


@dataclass
class Line:
    """One line of the file: its number as a spreadsheet shows it, its cells, its problems."""

    number: int
    cells: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    data: dict | None = None
    existing: CareService | None = None
    changes: dict = field(default_factory=dict)


def _key(text) -> str:
    return " ".join(str(text).replace("\ufeff", "").split()).casefold()


KNOWN = {_key(header): header for header in COLUMNS}


def max_bytes() -> int:
    """The largest file accepted (IMPORT_MAX_BYTES, as for the students' import)."""
    return current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES)


def read_lines(filename: str, raw: bytes) -> list[Line]:
    """The data lines of an uploaded file by header; ImportProblem when the file is unusable."""
    if len(raw) > max_bytes():
        raise ImportProblem(
            _("Het bestand is groter dan %(kb)d kB.", kb=max_bytes() // 1024)
        )
    if not raw.strip():
        raise ImportProblem(_("Het bestand is leeg."))
    grid = _xlsx_grid(raw) if file_kind(filename, raw) == "xlsx" else _csv_grid(raw)
    headers, lines = None, []
    for number, cells in enumerate(grid, start=1):
        cells = ["" if c is None else _cell(c) for c in cells]
        if not any(cells):
            continue
        if headers is None:
            headers = _headers(cells)
            continue
        if len(lines) == MAX_ROWS:
            raise ImportProblem(
                _("Het bestand bevat meer dan %(max)d diensten.", max=MAX_ROWS)
            )
        lines.append(Line(number, {h: v for h, v in zip(headers, cells) if h}))
    if not lines:
        raise ImportProblem(_("Het bestand bevat geen diensten."))
    return lines


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _headers(cells: list[str]) -> list[str | None]:
    unknown = [c for c in cells if c and _key(c) not in KNOWN]
    if unknown:
        raise ImportProblem(
            _(
                "Onbekende kolommen: %(names)s. Gebruik de kolomtitels van het sjabloon.",
                names=", ".join(unknown),
            )
        )
    headers = [KNOWN.get(_key(c)) if c else None for c in cells]
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise ImportProblem(
            _("Deze kolommen ontbreken: %(names)s.", names=", ".join(missing))
        )
    return headers


def _csv_grid(raw: bytes):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblem(
            _("Sla het bestand op als ‘CSV UTF-8’ of als .xlsx.")
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield cells[: len(COLUMNS) + 20]
    except csv.Error:
        raise ImportProblem(
            _("Regel %(n)d kan niet gelezen worden.", n=reader.line_num)
        ) from None


def _xlsx_grid(raw: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportProblem(_("Dit is geen geldig Excel-bestand (.xlsx).")) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportProblem(_("Dit Excel-bestand is te groot om te lezen."))
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(raw), read_only=True, data_only=True
            )
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportProblem(_("Dit is geen geldig Excel-bestand (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        yield from (
            list(r)
            for r in sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 20)
        )
    finally:
        workbook.close()


# Names VIVO's lists use for a province besides the label (keys as _key gives them).
ALIASES = {
    "Provincie": {
        "brussel": "BRU",
        "brussels": "BRU",
        "bruxelles": "BRU",
        "brussel-hoofdstad": "BRU",
        "brussels gewest": "BRU",
        "brussels hoofdstedelijk gewest": "BRU",
    },
}


def _code(
    value: str, labels: dict[str, str], aliases: dict[str, str] | None = None
) -> str | None:
    wanted = _key(value)
    found = next(
        (code for code, label in labels.items() if wanted in (_key(code), _key(label))),
        None,
    )
    return found or (aliases or {}).get(wanted)


def _as_cell(service: CareService, name: str) -> str:
    """A stored value as the file would give it (for a column the file leaves out or blank)."""
    value = getattr(service, name)
    return "" if value is None else str(value)


def check(lines: list[Line]) -> bool:
    """Check every line as the service form would; True when all lines are valid.

    A line of a known enterprise number updates that service: only the columns the file has,
    with a value, count; the others keep what is stored (line.changes: only what differs).
    """
    seen: dict[str, int] = {}
    for line in lines:
        raw_number = line.cells.get("Ondernemingsnummer", "")
        existing = _service_with(raw_number) if raw_number else None
        given = {name for header, name in COLUMNS.items() if line.cells.get(header, "")}
        data = MultiDict()
        for header, name in COLUMNS.items():
            value = line.cells.get(header, "")
            if not value and existing is not None:
                value = _as_cell(existing, name)
            data[name] = value
        for header, labels in (("Type", SERVICE_KINDS), ("Provincie", PROVINCES)):
            name = COLUMNS[header]
            value = data[name]
            code = _code(value, labels, ALIASES.get(header)) if value else ""
            if code is None and name in given:
                line.errors.append(
                    (
                        header,
                        _(
                            "Onbekende waarde. Kies uit: %(names)s.",
                            names=", ".join(labels.values()),
                        ),
                    )
                )
            data[name] = code or ""
        form = ServiceForm(formdata=data, meta={"csrf": False})
        line.existing = form.service = existing
        form.validate()
        for name, messages in form.errors.items():
            if existing is not None and name not in given:
                continue  # a stored value the file does not change is not judged again
            if name in ("kind", "province") and any(
                h == HEADER_OF[name] for h, _m in line.errors
            ):
                continue
            line.errors.extend((HEADER_OF[name], str(m)) for m in messages)
        enterprise_number = form.enterprise_number.data
        if not form.enterprise_number.errors and enterprise_number in seen:
            line.errors.append(
                (
                    "Ondernemingsnummer",
                    _(
                        "Dit ondernemingsnummer staat ook op regel %(n)d.",
                        n=seen[enterprise_number],
                    ),
                )
            )
        seen.setdefault(enterprise_number, line.number)
        line.data = form.data if not line.errors else None
        if line.data is not None and existing is not None:
            line.changes = _changes(existing, line.data, given)
    return all(not line.errors for line in lines)


def _changes(service: CareService, data: dict, given: set[str]) -> dict:
    """The columns of `given` whose checked value differs from the stored one."""
    changes = {}
    for name in COLUMNS.values():
        if name not in given or name == "enterprise_number":
            continue
        value = data.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value != getattr(service, name):
            changes[name] = value
    return changes


def shown(name: str, value) -> str:
    """A value as the preview shows it: labels for codes, a dash for nothing."""
    if value in (None, ""):
        return "—"
    if name == "kind":
        return SERVICE_KINDS.get(value, value)
    if name == "province":
        return PROVINCES.get(value, value)
    return str(value)


def change_list(line: Line) -> list[tuple[str, str, str]]:
    """(column, old, new) of every change an update line makes, in the template's order."""
    return [
        (HEADER_OF[name], shown(name, getattr(line.existing, name)), shown(name, value))
        for name, value in line.changes.items()
    ]


def _service_with(raw_number: str) -> CareService | None:
    from app.admin.forms import clean_enterprise_number
    from app.validation import FieldProblem

    try:
        number = clean_enterprise_number(raw_number)
    except FieldProblem:
        return None
    return db.session.scalar(
        select(CareService).where(CareService.enterprise_number == number)
    )


def save(lines: list[Line]) -> tuple[int, int, int]:
    """Create a service for every new line, change the updated ones; (created, updated,
    unchanged). An unchanged line writes nothing and leaves no audit event."""
    created = updated = unchanged = 0
    for line in lines:
        if line.existing is None:
            save_service(None, line.data, how="import")
            created += 1
        elif line.changes:
            update_service(line.existing, line.changes, how="import")
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


def template_csv() -> bytes:
    """The template as CSV for Excel: BOM, semicolons, one example line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The template as .xlsx with text cells (no lost leading zero in the enterprise number)."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Diensten"
    sheet.append(list(COLUMNS))
    sheet.append(EXAMPLE)
    for index in range(1, len(COLUMNS) + 1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.cell(row=2, column=index).number_format = "@"
        sheet.column_dimensions[
            sheet.cell(row=1, column=index).column_letter
        ].width = 22
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
