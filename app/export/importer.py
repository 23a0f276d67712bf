"""Import (EXP-5): a school's requests from a file in the export's own columns.

Checking fills the request form with every row, so an imported request meets exactly the rules
of one typed in; a problem is reported with its row number and column header. Saving adds all
rows in one transaction, and only when every row is valid.
"""

import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from cryptography.fernet import InvalidToken
from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app import audit
from app.crypto import decrypt_file, encrypt_file, national_number_index
from app.export.columns import service_label
from app.export.import_files import (
    NATIONAL_NUMBER,
    SUPERVISOR,
    SUPERVISOR_EMAIL,
    Row,
    display,
    is_example,
    normal,
    read_rows,
)
from app.extensions import db
from app.models import CareService, Student, Term
from app.models.reference import INTERNSHIP_FORMS, PROVINCES, TRANSPORT_MODES
from app.students.forms import PERIOD_NUMBERS, StudentForm
from app.students.logic import apply_form, find_duplicate
from app.supervisors.queries import school_supervisors

# Form field -> column header, to report the form's errors in the file's words.
FIELD_HEADERS = {
    "first_name": "Voornaam",
    "last_name": "Achternaam",
    "national_number": NATIONAL_NUMBER,
    "street": "Straat",
    "postcode": "Postcode",
    "city": "Plaats",
    "province": "Provincie",
    "phone": "Telefoon",
    "email": "E-mail",
    "transport": "Vervoersmiddel",
    "remarks": "Opmerkingen",
    "supervisor_id": SUPERVISOR,
    "internship_form": "Stagevorm",
    "period_count": "Aantal periodes",
    "hours_per_week": "Aantal uren/week",
    "total_hours": "Totaal aantal uren",
    "internship_remarks": "Opmerkingen over de stage",
    "preferred_service_id": "Voorkeursdienst",
    **{
        f"period_{n}_{edge}": f"{label} periode {n}"
        for n in PERIOD_NUMBERS
        for edge, label in (("start", "Startdatum"), ("end", "Einddatum"))
    },
}
TEXT_FIELDS = (
    "first_name",
    "last_name",
    "street",
    "city",
    "phone",
    "email",
    "remarks",
    "internship_remarks",
)


@dataclass
class Check:
    """A whole file checked: every row with its errors, and notes about the file itself."""

    rows: list[Row]
    notices: list[str] = field(default_factory=list)

    @property
    def invalid_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def valid_count(self) -> int:
        return len(self.rows) - self.invalid_count

    @property
    def all_valid(self) -> bool:
        return bool(self.rows) and self.invalid_count == 0


# --- checking the rows with the request form --------------------------------------------


class Lookups:
    """The school's supervisors and the active services, read once for the whole file."""

    def __init__(self, school_id: int):
        self.supervisors = school_supervisors(school_id)
        self.services = list(
            db.session.scalars(
                db.select(CareService)
                .where(CareService.active)
                .order_by(CareService.id)
            )
        )

    def supervisor(self, name, email) -> tuple[int, str | None]:
        """The school's supervisor with this e-mail (preferred) or this name; 0 and why not.

        A name and an e-mail that each belong to another supervisor are a mistake to fix."""
        by_name = (
            [s for s in self.supervisors if normal(s.name) == normal(name)]
            if name
            else []
        )
        if email:
            found = [s for s in self.supervisors if normal(s.email) == normal(email)]
            if found:
                if by_name and found[0] not in by_name:
                    return 0, _(
                        "Deze naam en dit e-mailadres horen bij twee verschillende begeleiders (%(by_name)s en %(by_email)s). Verbeter de naam of het e-mailadres.",
                        by_name=by_name[0].name,
                        by_email=found[0].name,
                    )
                return found[0].id, None
        if len(by_name) == 1:
            return by_name[0].id, None
        if by_name:
            return 0, _(
                "Meerdere begeleiders van je school heten zo: vul ook het e-mailadres van de begeleider in."
            )
        if not (name or email):
            return 0, None
        return 0, _(
            "Je school heeft geen begeleider met deze naam of dit e-mailadres. Voeg hem of haar eerst toe onder Stage-/werkplekbegeleiders."
        )

    def service(self, text, province: str) -> tuple[int, str | None]:
        """The active service named "name (city)" or by a unique name, in the province first."""
        if not text:
            return 0, None
        key = normal(text)
        # A service elsewhere is handed to the form, which says it is not in the province.
        for pool in (
            [s for s in self.services if s.province == province],
            self.services,
        ):
            for label in (service_label, lambda s: s.name):
                found = [s for s in pool if normal(label(s)) == key]
                if len(found) == 1:
                    return found[0].id, None
                if found:
                    return 0, _(
                        "Meerdere diensten heten zo: schrijf ‘naam (plaats)’ zoals in de lijst."
                    )
        return 0, _(
            "Geen actieve dienst met deze naam. Schrijf ‘naam (plaats)’ zoals in de lijst van het formulier."
        )


def _code(value, labels: dict[str, str]) -> str | None:
    """The code of a reference value written as its label or as its code."""
    key = normal(value)
    return next(
        (
            code
            for code, label in labels.items()
            if key in (normal(code), normal(label))
        ),
        None,
    )


def _integer(value) -> str | None:
    """A whole number as the form reads it; None when the cell is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace(" ", "")
    if re.fullmatch(r"\d+([.,]0+)?", text):
        return str(int(re.split(r"[.,]", text)[0]))
    return None


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def _date(value) -> date | None:
    """A date from a date cell, dd/mm/jjjj, jjjj-mm-dd or an Excel day number; else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 1 <= value < 100_000:
        return date(1899, 12, 30) + timedelta(days=int(value))  # Excel's day numbers
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(str(value).split(" ")[0], pattern).date()
        except ValueError:
            continue
    return None


def _text(value) -> str:
    return "" if value is None else display(value)


def row_formdata(row: Row, lookups: Lookups) -> MultiDict:
    """The row as the request form would be posted; cells that cannot be read become errors."""
    cells = row.cells
    data = MultiDict(
        {name: _text(cells.get(FIELD_HEADERS[name])) for name in TEXT_FIELDS}
    )
    number = cells.get(NATIONAL_NUMBER)
    data["national_number"] = (
        f"{number:011d}" if isinstance(number, int) else _text(number)
    )
    postcode = cells.get("Postcode")
    data["postcode"] = _integer(postcode) or _text(postcode)
    data["province"] = _coded(
        row, "Provincie", PROVINCES, _("Onbekende provincie. Kies uit: %(names)s.")
    )
    data["internship_form"] = _coded(
        row,
        "Stagevorm",
        INTERNSHIP_FORMS,
        _("Onbekende stagevorm. Kies uit: %(names)s."),
    )
    data.setlist("transport", _transport(row))
    for header, name in (
        ("Aantal uren/week", "hours_per_week"),
        ("Totaal aantal uren", "total_hours"),
    ):
        data[name] = _number(row, header)
    _periods(row, data)
    supervisor_id, problem = lookups.supervisor(
        cells.get(SUPERVISOR), cells.get(SUPERVISOR_EMAIL)
    )
    if problem:
        row.add_error(SUPERVISOR, problem)
    data["supervisor_id"] = str(supervisor_id)
    service_id, problem = lookups.service(
        cells.get("Voorkeursdienst"), data["province"]
    )
    if problem:
        row.add_error("Voorkeursdienst", problem)
    data["preferred_service_id"] = str(service_id)
    return data


def _coded(row: Row, header: str, labels: dict[str, str], message: str) -> str:
    value = row.cells.get(header)
    code = _code(value, labels) if value is not None else ""
    if code is None:
        row.add_error(header, message % {"names": ", ".join(labels.values())})
    return code or ""


def _transport(row: Row) -> list[str]:
    value = row.cells.get("Vervoersmiddel")
    codes = []
    for part in re.split(r"[,;]", _text(value)):
        if not part.strip():
            continue
        code = _code(part, TRANSPORT_MODES)
        if code is None:
            row.add_error(
                "Vervoersmiddel",
                _(
                    "Onbekend vervoersmiddel ‘%(value)s’. Kies uit: %(names)s.",
                    value=part.strip(),
                    names=", ".join(TRANSPORT_MODES.values()),
                ),
            )
        elif code not in codes:
            codes.append(code)
    return codes


def _number(row: Row, header: str) -> str:
    value = row.cells.get(header)
    if value is None:
        return ""
    number = _integer(value)
    if number is None:
        row.add_error(header, _("Geef een geheel getal."))
    return number or ""


def _periods(row: Row, data: MultiDict) -> None:
    filled = 0
    for number in PERIOD_NUMBERS:
        for edge, label in (("start", "Startdatum"), ("end", "Einddatum")):
            header = f"{label} periode {number}"
            value = row.cells.get(header)
            day = _date(value) if value is not None else None
            if value is not None and day is None:
                row.add_error(
                    header, _("Geen geldige datum: schrijf dd/mm/jjjj, bv. 15/09/2025.")
                )
            data[f"period_{number}_{edge}"] = day.isoformat() if day else ""
            filled = number if value is not None else filled
    count = row.cells.get("Aantal periodes")
    if count is None:
        data["period_count"] = str(
            max(filled, 1)
        )  # as many periods as dates were given
    elif _integer(count) in ("1", "2", "3", "4"):
        data["period_count"] = _integer(count)
        if filled > int(data["period_count"]):  # dates that would silently be dropped
            row.add_error(
                "Aantal periodes",
                _(
                    "Er staan datums van periode %(n)d in de rij, maar het aantal periodes is %(count)s.",
                    n=filled,
                    count=data["period_count"],
                ),
            )
    else:
        row.add_error("Aantal periodes", _("Geef een aantal periodes van 1 tot 4."))
        data["period_count"] = "1"


class RowForm(StudentForm):
    """The request form for one row; supervisors and services are read once for the file."""

    def __init__(self, *args, supervisors, **kwargs):
        self.known_supervisors = supervisors
        super().__init__(*args, **kwargs)

    def load_supervisors(self, school_id: int) -> None:
        self.supervisor_ids = {s.id for s in self.known_supervisors}

    def load_services(self) -> None:
        # A row form is never rendered: no choice list; validate_preferred_service_id checks
        # the id that row_formdata found among the services read once for the file.
        self.preferred_service_id.choices = []


def check_rows(rows: list[Row], term: Term, school_id: int) -> None:
    """Validate every row with the request form and find the same person twice."""
    lookups = Lookups(school_id)
    for row in rows:
        # A second check (after a failed save) starts afresh.
        row.errors, row.notices = [], []
        data = row_formdata(row, lookups)
        form = RowForm(
            formdata=data,
            meta={"csrf": False},
            term=term,
            school_id=school_id,
            supervisors=lookups.supervisors,
        )
        form.validate()
        read_already = {header for header, _message in row.errors}
        for name, messages in form.errors.items():
            header = FIELD_HEADERS.get(name, name)
            # A problem found while reading the cell says more than the form's.
            if header not in read_already:
                row.errors += [(header, str(message)) for message in messages]
        row.form = form
        if is_example(row):
            row.add_error(
                "Voornaam", _("Dit is de voorbeeldrij van het sjabloon; verwijder ze.")
            )
        if (
            normal(row.cells.get("Status") or "") == "gestopt"
            or row.cells.get("Gestopt op") is not None
        ):
            row.notices.append(
                _(
                    "In de export stond deze student als gestopt; hij of zij wordt als nieuwe, open aanvraag ingegeven."
                )
            )
    _mark_duplicates(rows, term, school_id)
    _mark_same_names(rows, term, school_id)


def _has_national_number(row: Row) -> bool:
    form = row.form
    return "national_number" in form and bool(form.national_number.data)


def _mark_duplicates(rows: list[Row], term: Term, school_id: int) -> None:
    """The same national number twice in the file, or already entered (blind index)."""
    by_index: dict[str, list[Row]] = {}
    for row in rows:
        form = row.form
        if _has_national_number(row) and not form.national_number.errors:
            by_index.setdefault(
                national_number_index(form.national_number.data), []
            ).append(row)
    for index, same in by_index.items():
        if find_duplicate(school_id, term.id, index, None) is not None:
            for row in same:
                row.add_error(
                    NATIONAL_NUMBER,
                    _("Deze student is al ingegeven voor deze stageperiode."),
                )
        if len(same) > 1:
            for row in same:
                others = ", ".join(str(r.number) for r in same if r is not row)
                row.add_error(
                    NATIONAL_NUMBER,
                    _(
                        "Deze student staat meer dan eens in het bestand (ook op rij %(rows)s).",
                        rows=others,
                    ),
                )


def _person(first_name, last_name, email) -> tuple[str, str, str] | None:
    """Who a request is without a national number: first and last name and e-mail."""
    key = tuple(normal(value or "") for value in (first_name, last_name, email))
    return key if key[0] and key[1] else None


def _mark_same_names(rows: list[Row], term: Term, school_id: int) -> None:
    """A row without a national number is the same person as a row or request of the term with
    the same first name, last name and e-mail (case and spaces do not count)."""
    by_person: dict[tuple, list[Row]] = {}
    for row in rows:
        key = _person(
            row.cells.get("Voornaam"),
            row.cells.get("Achternaam"),
            row.cells.get("E-mail"),
        )
        if key:
            by_person.setdefault(key, []).append(row)
    if not any(
        not _has_national_number(row) for same in by_person.values() for row in same
    ):
        return
    entered = {
        _person(*found)
        for found in db.session.execute(
            db.select(Student.first_name, Student.last_name, Student.email).where(
                Student.school_id == school_id, Student.term_id == term.id
            )
        )
    }
    for key, same in by_person.items():
        for row in same:
            if _has_national_number(row):
                partners = [
                    r for r in same if r is not row and not _has_national_number(r)
                ]
            else:
                partners = [r for r in same if r is not row]
                if key in entered:
                    row.add_error(
                        "Voornaam",
                        _("Deze student is al ingegeven voor deze stageperiode."),
                    )
            if partners:
                others = ", ".join(str(r.number) for r in partners)
                row.add_error(
                    "Voornaam",
                    _(
                        "Deze student staat meer dan eens in het bestand (ook op rij %(rows)s).",
                        rows=others,
                    ),
                )


def check_file(kind: str, raw: bytes, term: Term, school_id: int) -> Check:
    """Read and check a whole file; ImportProblem when the file itself is not usable."""
    rows, notices = read_rows(kind, raw)
    check_rows(rows, term, school_id)
    return Check(rows, notices)


def import_students(check: Check, term: Term, school_id: int) -> list[Student]:
    """Add a request for every row of a valid file, and the audit event; the caller commits."""
    if not check.all_valid:
        raise ValueError("only a file without errors is imported")
    students = []
    for row in check.rows:
        student = Student(school_id=school_id, term_id=term.id, term=term)
        apply_form(student, row.form)
        db.session.add(student)
        students.append(student)
    audit.record("students.imported", detail=f"term={term.id} count={len(students)}")
    return students


# --- a checked file, kept between the preview and the save --------------------------------

TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _upload_folder() -> Path:
    folder = (
        current_app.config.get("IMPORT_FOLDER")
        or Path(tempfile.gettempdir()) / "stagematching-imports"
    )
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _ttl() -> int:
    return current_app.config.get("IMPORT_KEEP_SECONDS", 3600)


def keep_upload(kind: str, raw: bytes) -> str:
    """Keep a checked file, encrypted, for the save; returns its random token."""
    folder = _upload_folder()
    for old in folder.iterdir():  # clean up previews nobody saved
        if time.time() - old.stat().st_mtime > _ttl():
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    path = folder / token
    path.touch(mode=0o600)
    # The file holds national numbers: encrypted at rest like the database column.
    path.write_bytes(encrypt_file(kind.encode() + b"\0" + raw))
    return token


def kept_upload(token: str | None) -> tuple[str, bytes] | None:
    """(kind, content) of a kept file, or None when unknown or older than IMPORT_KEEP_SECONDS."""
    if not token or not TOKEN.fullmatch(token):
        return None
    path = _upload_folder() / token
    try:
        kind, _sep, raw = decrypt_file(path.read_bytes(), _ttl()).partition(b"\0")
    except (OSError, InvalidToken):
        return None
    return kind.decode(), raw


def drop_upload(token: str | None) -> None:
    """Remove a kept file once it was saved."""
    if token and TOKEN.fullmatch(token):
        (_upload_folder() / token).unlink(missing_ok=True)
