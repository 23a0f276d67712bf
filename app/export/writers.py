"""The three file formats: CSV for a Dutch-locale Excel, plain CSV, and typed XLSX.

Rows arrive one by one (lists of str, int, date or None, in COLUMNS order) and are written as
they come: CSV is yielded in chunks while it is produced, XLSX goes to a temporary file with
XlsxWriter's constant_memory mode. Neither keeps the rows in memory.
"""

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import xlsxwriter

from app.export.columns import COLUMNS, DATE, NUMBER

# A cell starting with one of these could be read as a formula (SECURITY.md 20).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 200


def neutralise(text: str) -> str:
    """Text that a spreadsheet cannot take for a formula: a leading apostrophe if needed."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class CsvFlavour:
    key: str
    delimiter: str
    bom: bool
    date_format: str  # strftime
    extension: str = "csv"
    mimetype: str = "text/csv"  # Flask adds "; charset=utf-8"


# EXP-1: Excel in a Belgian (Dutch) locale splits on ";" and reads UTF-8 only with a BOM.
EXCEL_CSV = CsvFlavour("csv_excel", ";", True, "%d/%m/%Y")
PLAIN_CSV = CsvFlavour("csv", ",", False, "%Y-%m-%d")


def _csv_cell(value, flavour: CsvFlavour) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime(flavour.date_format)
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def csv_chunks(
    headers: list[str], rows: Iterable[list], flavour: CsvFlavour
) -> Iterator[str]:
    """The CSV text in chunks of CHUNK_ROWS rows, CRLF line ends, every field quoted as needed."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=flavour.delimiter,
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    if flavour.bom:
        buffer.write("\ufeff")
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value, flavour) for value in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(rows: Iterable[list], sheet: str = "Stageaanvragen") -> str:
    """Write the rows to a new temporary .xlsx file and return its path (the caller removes it).

    Strings are always written as strings (never formulas or links); a string that looks like a
    formula also gets Excel's quote prefix, so editing the cell keeps it text.
    """
    handle, path = tempfile.mkstemp(prefix="stagematching-", suffix=".xlsx")
    os.close(handle)
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    try:
        _fill(workbook, rows, sheet)
    finally:
        workbook.close()
    return path


def _fill(workbook, rows: Iterable[list], sheet: str) -> None:
    worksheet = workbook.add_worksheet(sheet)
    header = workbook.add_format(
        {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
    )
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    quoted = workbook.add_format({"quote_prefix": True})
    text = workbook.add_format({"num_format": "@"})
    for index, column in enumerate(COLUMNS):
        worksheet.set_column(index, index, column.width)
    worksheet.freeze_panes(1, 0)
    worksheet.set_row(0, 30)
    for index, column in enumerate(COLUMNS):
        worksheet.write_string(0, index, column.header, header)
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, (column, value) in enumerate(zip(COLUMNS, row, strict=True)):
            if value is None or value == "":
                continue
            if column.kind == DATE and isinstance(value, date):
                worksheet.write_datetime(count, index, value, day)
            elif column.kind == NUMBER and isinstance(value, int):
                worksheet.write_number(count, index, value)
            else:
                value = str(value)
                worksheet.write_string(
                    count,
                    index,
                    value,
                    quoted if value.startswith(FORMULA_STARTS) else text,
                )
    worksheet.autofilter(0, 0, max(count, 1), len(COLUMNS) - 1)
