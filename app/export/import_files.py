"""The file side of the import (EXP-5): an uploaded CSV or XLSX read into rows of cells by
header, with a clear message for a file that cannot be used; and the empty template.
"""

import csv
import io
import re
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
MAX_CELLS_PER_ROW = len(HEADERS) + 50
# An .xlsx is a zip of XML parts: a small upload can unpack to far more work than any honest
# sheet of students. Refuse it before parsing, by the declared sizes and by what really unpacks,
# and count the shared strings and cells, which is what takes the parser its time.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_PART_BYTES = {"xl/sharedStrings.xml": 10 * 1024 * 1024}
MAX_SHEET_BYTES = 25 * 1024 * 1024
MAX_BLANK_RUN = 1000  # this many blank rows in a row end the sheet
SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")

SUPERVISOR, SUPERVISOR_EMAIL = (
    "Stage-/werkplekbegeleider",
    "E-mail stage-/werkplekbegeleider",
)
# Headings of older exports, still read: a school re-imports a file it exported before.
FORMER_HEADERS = {"E-mail begeleider": SUPERVISOR_EMAIL}
NATIONAL_NUMBER = "Rijksregisternummer"
REQUIRED_HEADERS = (
    "Voornaam",
    "Achternaam",
    "Straat",
    "Postcode",
    "Plaats",
    "Provincie",
    "Telefoon",
    "E-mail",
    "Vervoersmiddel",
    "Stagevorm",
    "Totaal aantal uren",
    "Startdatum periode 1",
    "Einddatum periode 1",
)


class ImportProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class Row:
    """One line of the file: its number as a spreadsheet shows it, cells by header, problems."""

    number: int
    cells: dict[str, object]
    errors: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(
        default_factory=list
    )  # worth knowing, but no reason to refuse
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
    return config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES), config.get(
        "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS
    )


def file_kind(filename: str, raw: bytes) -> str:
    """ "csv" or "xlsx", judged by name and content; ImportProblem for anything else."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    is_zip = raw.startswith(b"PK\x03\x04")
    if extension == "xls" or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportProblem(
            _(
                "Oude Excel-bestanden (.xls) kunnen niet gelezen worden. Sla het bestand in Excel op als .xlsx of als CSV UTF-8."
            )
        )
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
    return _rows_by_header(grid, notices), notices


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
        raise ImportProblem(
            _(
                "Dit bestand is geen leesbare tekst. Sla het in Excel op als ‘CSV UTF-8 (door lijstscheidingsteken gescheiden)’ of als .xlsx."
            )
        ) from None
    return text, [
        _(
            "Het bestand is niet als UTF-8 opgeslagen; het werd gelezen als Windows-1252 (West-Europees). Controleer de letters met accenten in de voorvertoning, of sla het bestand op als ‘CSV UTF-8’."
        )
    ]


def _csv_grid(text: str):
    if "\x00" in text:
        raise ImportProblem(
            _("Dit bestand is geen leesbare tekst. Kies een CSV- of Excel-bestand.")
        )
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(
        (";", ",", "\t"),
        key=lambda d: (
            len(_known(next(csv.reader([first_line], delimiter=d), []))),
            first_line.count(d),
        ),
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield cells[:MAX_CELLS_PER_ROW]
    except csv.Error:
        raise ImportProblem(
            _(
                "Regel %(n)d van het bestand kan niet gelezen worden (een aanhalingsteken of een te lange cel?).",
                n=reader.line_num,
            )
        ) from None


def _xlsx_grid(raw: bytes):
    _check_xlsx_parts(raw)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # openpyxl warns about styles it does not know
            workbook = openpyxl.load_workbook(
                io.BytesIO(raw), read_only=True, data_only=True
            )
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportProblem(_("Dit is geen geldig Excel-bestand (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        # Read-only mode stops at the size the file declares, which is often wrong: read all.
        sheet.reset_dimensions()
        for cells in sheet.iter_rows(values_only=True, max_col=MAX_CELLS_PER_ROW):
            yield list(cells)
    except ImportProblem:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet part
        raise ImportProblem(_("Dit is geen geldig Excel-bestand (.xlsx).")) from None
    finally:
        workbook.close()


def _too_big() -> ImportProblem:
    return ImportProblem(
        _(
            "Dit Excel-bestand is te groot of te ingewikkeld om te lezen. Kopieer alleen de rijen met studenten naar een nieuw bestand, of sla het op als CSV UTF-8."
        )
    )


def _check_xlsx_parts(raw: bytes) -> None:
    """Refuse a zip that unpacks beyond what an honest file of max_rows students needs.

    The declared sizes are checked first; every part is then unpacked with a cap, so a zip that
    lies about its sizes is refused too (zipfile also stops at the declared size and checks the
    CRC). Shared strings and cells are counted, as their number is what the parser's time is.
    """
    max_items = (limits()[1] + 10) * len(HEADERS)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise _too_big()
            total = 0
            for info in infos:
                cap = _part_cap(info.filename)
                if info.file_size > cap:
                    raise _too_big()
                with archive.open(info) as part:
                    data = part.read(cap + 1)
                total += len(data)
                if len(data) > cap or total > MAX_UNPACKED_BYTES:
                    raise _too_big()
                pattern = (
                    SHARED_STRING
                    if info.filename == "xl/sharedStrings.xml"
                    else (CELL if info.filename.startswith("xl/worksheets/") else None)
                )
                # Room for the strings of another sheet and for empty, formatted cells.
                allowed = max_items * 3 // (2 if pattern is SHARED_STRING else 1)
                if pattern is not None and len(pattern.findall(data)) > allowed:
                    raise _too_big()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
    ) as error:  # RuntimeError: an encrypted part
        if isinstance(error, ImportProblem):
            raise
        raise ImportProblem(_("Dit is geen geldig Excel-bestand (.xlsx).")) from None


def _part_cap(name: str) -> int:
    if name in MAX_PART_BYTES:
        return MAX_PART_BYTES[name]
    return MAX_SHEET_BYTES if name.startswith("xl/worksheets/") else MAX_UNPACKED_BYTES


def normal(text) -> str:
    """Case and spacing do not matter when names are compared."""
    return " ".join(str(text).replace("\ufeff", "").split()).casefold()


KNOWN_HEADERS = {normal(header): header for header in HEADERS} | {
    normal(former): header for former, header in FORMER_HEADERS.items()
}


def _known(cells) -> list[str]:
    return [
        KNOWN_HEADERS[normal(c)]
        for c in cells
        if c is not None and normal(c) in KNOWN_HEADERS
    ]


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


def _rows_by_header(grid, notices: list[str]) -> list[Row]:
    """The rows under the header; reading stops after MAX_BLANK_RUN blank rows in a row, and a
    file with far more lines than max_rows students (blank ones included) is refused."""
    max_rows = limits()[1]
    max_lines = 2 * max_rows + MAX_BLANK_RUN
    headers, rows, blank_run = None, [], 0
    for number, cells in enumerate(grid, start=1):
        if number > max_lines:
            raise ImportProblem(
                _(
                    "Het bestand bevat meer dan %(max)d rijen (lege rijen meegeteld). Verdeel de studenten over meer bestanden.",
                    max=max_lines,
                )
            )
        cells = [_clean_cell(c) for c in cells]
        if all(c is None for c in cells):
            blank_run += 1
            if blank_run == MAX_BLANK_RUN:
                notices.append(
                    _(
                        "Na rij %(row)d volgen %(n)d lege rijen: de rest van het blad werd niet gelezen.",
                        row=number - blank_run,
                        n=MAX_BLANK_RUN,
                    )
                )
                break
            continue
        blank_run = 0
        if headers is None:
            headers = _header_row(cells)
            continue
        if len(rows) == max_rows:
            raise ImportProblem(
                _(
                    "Het bestand bevat meer dan %(max)d studenten. Verdeel ze over meer bestanden.",
                    max=max_rows,
                )
            )
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
        raise ImportProblem(
            _(
                "De eerste regel moet de kolomtitels bevatten, zoals in het sjabloon (Voornaam, Achternaam, Rijksregisternummer, …)."
            )
        )
    unknown = [str(c) for c in named if normal(c) not in KNOWN_HEADERS]
    if unknown:
        raise ImportProblem(
            _(
                "Onbekende kolommen: %(names)s. Gebruik de kolomtitels van het sjabloon.",
                names=", ".join(unknown),
            )
        )
    headers = [KNOWN_HEADERS[normal(c)] if c is not None else None for c in cells]
    doubled = sorted({h for h in headers if h and headers.count(h) > 1})
    if doubled:
        raise ImportProblem(
            _(
                "Deze kolommen staan er meer dan eens in: %(names)s.",
                names=", ".join(doubled),
            )
        )
    missing = [h for h in required_headers() if h not in headers]
    if SUPERVISOR not in headers and SUPERVISOR_EMAIL not in headers:
        missing.append(SUPERVISOR)
    if missing:
        raise ImportProblem(
            _("Deze kolommen ontbreken: %(names)s.", names=", ".join(missing))
        )
    return headers


def required_headers() -> list[str]:
    """The columns a file must have (the national number unless the installation omits it)."""
    extra = (
        [NATIONAL_NUMBER]
        if current_app.config["NATIONAL_NUMBER_MODE"] == "required"
        else []
    )
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


# Who the template's example row is: a row of this person is refused, so the example is never
# imported by mistake (the import checks it with is_example).
EXAMPLE = {
    "Voornaam": "Sara",
    "Achternaam": "Janssens",
    "E-mail": "sara.janssens@voorbeeld.be",
}


def is_example(row: Row) -> bool:
    """True for the template's example row, left in the file (its name and e-mail)."""
    return all(
        normal(row.cells.get(header) or "") == normal(value)
        for header, value in EXAMPLE.items()
    )


def template_values(term, supervisor) -> list:
    """One example request in REQUEST_COLUMNS order, with dates inside the term."""
    start = term.internship_start
    example = {
        **EXAMPLE,
        NATIONAL_NUMBER: "85.07.30-033.28",
        "Straat": "Kerkstraat 1",
        "Postcode": "2000",
        "Plaats": "Antwerpen",
        "Provincie": "Antwerpen",
        "Telefoon": "0470 12 34 56",
        "Vervoersmiddel": "Fiets, Openbaar vervoer",
        "Opmerkingen": "",
        SUPERVISOR: supervisor.name if supervisor else "An Peeters",
        SUPERVISOR_EMAIL: supervisor.email if supervisor else "an.peeters@school.be",
        "Stagevorm": "blok",
        "Aantal periodes": 1,
        "Aantal uren/week": 30,
        "Totaal aantal uren": 120,
        "Startdatum periode 1": start,
        "Einddatum periode 1": min(start + timedelta(days=27), term.internship_end),
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
        sheet.cell(row=2, column=index).number_format = {
            DATE: "DD/MM/YYYY",
            NUMBER: "0",
        }.get(column.kind, "@")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
