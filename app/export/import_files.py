"""The file side of the import (EXP-5): an uploaded CSV or XLSX read into rows of cells by
header, with a clear message for a file that cannot be used; and the empty template.
"""

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from app.export.columns import DATE, HEADERS, NUMBER, REQUEST_COLUMNS
# The exports put an apostrophe before such text; the import takes it off again.
from app.export.writers import FORMULA_STARTS

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_ROWS = 2000
# An .xlsx is a zip: refuse one that unpacks to far more than any honest sheet of students.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_CELLS_PER_ROW = len(HEADERS) + 50

SUPERVISOR, SUPERVISOR_EMAIL = "Stage-/werkplekbegeleider", "E-mail begeleider"
NATIONAL_NUMBER = "Rijksregisternummer"
REQUIRED_HEADERS = ("Voornaam", "Achternaam", "Straat", "Postcode", "Plaats", "Provincie",
                    "Telefoon", "E-mail", "Vervoersmiddel", "Stagevorm", "Totaal aantal uren",
                    "Startdatum periode 1", "Einddatum periode 1")


class ImportProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class Row:
    """One line of the file: its number as a spreadsheet shows it, cells by header, problems."""

    number: int
    cells: dict[str, object]
    errors: list[tuple[str, str]] = field(default_factory=list)
    form: object = None  # the StudentForm, once checked

    def add_error(self, header: str, message: str) -> None:
        self.errors.append((header, str(message)))

    def text(self, header: str) -> str:
        """A cell as the preview shows it."""
        return display(self.cells.get(header))


# --- reading the file ---------------------------------------------------------------------


def limits() -> tuple[int, int]:
    """(bytes, rows) an upload may hold."""
    config = current_app.config
    return config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES), config.get("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def file_kind(filename: str, raw: bytes) -> str:
    """"csv" or "xlsx", judged by name and content; ImportProblem for anything else."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    is_zip = raw.startswith(b"PK\x03\x04")
    if extension == "xls" or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportProblem(_("Oude Excel-bestanden (.xls) kunnen niet gelezen worden. Sla het bestand in Excel op als .xlsx of als CSV UTF-8."))
    if extension == "xlsx" or (is_zip and extension not in ("csv", "txt")):
        if not is_zip:
            raise ImportProblem(_("Dit is geen geldig Excel-bestand (.xlsx)."))
        return "xlsx"
    if extension in ("csv", "txt") and not is_zip:
        return "csv"
    raise ImportProblem(_("Kies een CSV-bestand (.csv) of een Excel-bestand (.xlsx)."))


def read_rows(kind: str, raw: bytes) -> tuple[list[Row], list[str]]:
    """The data rows of the file with their cells by header, and notes about the file."""
    if not raw.strip():
        raise ImportProblem(_("Het bestand is leeg."))
    notices = []
    if kind == "xlsx":
        grid = _xlsx_grid(raw)
    else:
        text, notices = _decode(raw)
        grid = _csv_grid(text)
    return _rows_by_header(grid), notices


def _decode(raw: bytes) -> tuple[str, list[str]]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), []
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportProblem(_("Dit bestand is geen leesbare tekst. Sla het in Excel op als ‘CSV UTF-8 (door lijstscheidingsteken gescheiden)’ of als .xlsx.")) from None
    return text, [_("Het bestand is niet als UTF-8 opgeslagen; het werd gelezen als Windows-1252 (West-Europees). Controleer de letters met accenten in de voorvertoning, of sla het bestand op als ‘CSV UTF-8’.")]


def _csv_grid(text: str):
    if "\x00" in text:
        raise ImportProblem(_("Dit bestand is geen leesbare tekst. Kies een CSV- of Excel-bestand."))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=lambda d: (
        len(_known(next(csv.reader([first_line], delimiter=d), []))), first_line.count(d)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield cells[:MAX_CELLS_PER_ROW]
    except csv.Error:
        raise ImportProblem(_("Regel %(n)d van het bestand kan niet gelezen worden (een aanhalingsteken of een te lange cel?).", n=reader.line_num)) from None


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
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportProblem(_("Dit is geen geldig Excel-bestand (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        for cells in sheet.iter_rows(values_only=True, max_col=MAX_CELLS_PER_ROW):
            yield list(cells)
    finally:
        workbook.close()


def normal(text) -> str:
    """Case and spacing do not matter when names are compared."""
    return " ".join(str(text).replace("\ufeff", "").split()).casefold()


KNOWN_HEADERS = {normal(header): header for header in HEADERS}


def _known(cells) -> list[str]:
    return [KNOWN_HEADERS[normal(c)] for c in cells if c is not None and normal(c) in KNOWN_HEADERS]


def _clean_cell(value):
    """A cell as plain value: stripped text without the export's anti-formula apostrophe."""
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
            value = value[1:]
        return value or None
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


def _rows_by_header(grid) -> list[Row]:
    max_rows = limits()[1]
    headers, rows = None, []
    for number, cells in enumerate(grid, start=1):
        cells = [_clean_cell(c) for c in cells]
        if all(c is None for c in cells):
            continue
        if headers is None:
            headers = _header_row(cells)
            continue
        if len(rows) == max_rows:
            raise ImportProblem(_("Het bestand bevat meer dan %(max)d studenten. Verdeel ze over meer bestanden.", max=max_rows))
        values = {h: v for h, v in zip(headers, cells) if h is not None}
        rows.append(Row(number, values))
    if headers is None:
        raise ImportProblem(_("Het bestand is leeg."))
    if not rows:
        raise ImportProblem(_("Het bestand bevat kolomtitels maar geen studenten."))
    return rows


def _header_row(cells) -> list[str | None]:
    """The header of every column (None for an unnamed, empty one); ImportProblem if wrong."""
    named = [c for c in cells if c is not None]
    if not _known(named):
        raise ImportProblem(_("De eerste regel moet de kolomtitels bevatten, zoals in het sjabloon (Voornaam, Achternaam, Rijksregisternummer, …)."))
    unknown = [str(c) for c in named if normal(c) not in KNOWN_HEADERS]
    if unknown:
        raise ImportProblem(_("Onbekende kolommen: %(names)s. Gebruik de kolomtitels van het sjabloon.", names=", ".join(unknown)))
    headers = [KNOWN_HEADERS[normal(c)] if c is not None else None for c in cells]
    doubled = sorted({h for h in headers if h and headers.count(h) > 1})
    if doubled:
        raise ImportProblem(_("Deze kolommen staan er meer dan eens in: %(names)s.", names=", ".join(doubled)))
    missing = [h for h in required_headers() if h not in headers]
    if SUPERVISOR not in headers and SUPERVISOR_EMAIL not in headers:
        missing.append(SUPERVISOR)
    if missing:
        raise ImportProblem(_("Deze kolommen ontbreken: %(names)s.", names=", ".join(missing)))
    return headers


def required_headers() -> list[str]:
    """The columns a file must have (the national number unless the installation omits it)."""
    extra = [NATIONAL_NUMBER] if current_app.config["NATIONAL_NUMBER_MODE"] == "required" else []
    return [*REQUIRED_HEADERS[:2], *extra, *REQUIRED_HEADERS[2:]]


def display(value) -> str:
    """A cell as people read it: dates dd/mm/jjjj, whole numbers without decimals."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)




# --- the empty template --------------------------------------------------------------------


def template_values(term, supervisor) -> list:
    """One example request in REQUEST_COLUMNS order, with dates inside the term."""
    start = term.internship_start
    example = {
        "Voornaam": "Sara", "Achternaam": "Janssens", NATIONAL_NUMBER: "85.07.30-033.28",
        "Straat": "Kerkstraat 1", "Postcode": "2000", "Plaats": "Antwerpen", "Provincie": "Antwerpen",
        "Telefoon": "0470 12 34 56", "E-mail": "sara.janssens@voorbeeld.be",
        "Vervoersmiddel": "Fiets, Openbaar vervoer", "Opmerkingen": "",
        SUPERVISOR: supervisor.name if supervisor else "An Peeters",
        SUPERVISOR_EMAIL: supervisor.email if supervisor else "an.peeters@school.be",
        "Stagevorm": "blok", "Aantal periodes": 1, "Aantal uren/week": 30, "Totaal aantal uren": 120,
        "Startdatum periode 1": start, "Einddatum periode 1": min(start + timedelta(days=27), term.internship_end),
    }
    return [example.get(column.header) for column in REQUEST_COLUMNS]


def template_csv(values: list) -> bytes:
    """The template as "CSV voor Excel": BOM, semicolons, CRLF, dates dd/mm/jjjj."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in REQUEST_COLUMNS])
    writer.writerow([display(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(values: list) -> bytes:
    """The template as .xlsx: a bold, frozen header row, text and date columns typed."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Stageaanvragen"
    sheet.append([column.header for column in REQUEST_COLUMNS])
    sheet.append(values)
    for index, column in enumerate(REQUEST_COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = column.width
        sheet.cell(row=1, column=index).font = Font(bold=True)
        # Text columns stay text when typed into (no lost leading zero, no date guesses).
        sheet.cell(row=2, column=index).number_format = {DATE: "DD/MM/YYYY", NUMBER: "0"}.get(column.kind, "@")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
