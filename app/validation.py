"""Field rules shared by forms: national number, Belgian phone, e-mail, postcode."""

from datetime import date

from functools import lru_cache
import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from stdnum import exceptions as stdnum_errors
from stdnum.be import bis, nn


class FieldProblem(ValueError):
    """A value that cannot be accepted; the message is shown next to the field."""


def clean_national_number(value: str, today: date | None = None) -> str:
    """The 11 digits of a valid rijksregisternummer or BIS number, else FieldProblem."""
    digits = nn.compact(value or "")
    if not digits.isdigit() or len(digits) != 11:
        raise FieldProblem(
            _l("Een rijksregisternummer heeft 11 cijfers, bv. 85.07.30-033.28.")
        )
    try:
        nn.validate(digits)
        birth = nn.get_birth_date(digits)
    except stdnum_errors.ValidationError:
        try:
            bis.validate(digits)
            birth = bis.get_birth_date(digits)
        except stdnum_errors.ValidationError:
            raise FieldProblem(
                _l("Dit rijksregisternummer klopt niet: controleer de cijfers.")
            ) from None
    if birth is not None and birth > (today or date.today()):
        raise FieldProblem(
            _l("De geboortedatum in dit rijksregisternummer ligt in de toekomst.")
        )
    return digits


def format_national_number(digits: str | None) -> str:
    """YY.MM.DD-XXX.XX, as on the identity card."""
    return nn.format(digits) if digits else ""


def clean_phone(value: str) -> str:
    """A valid phone number in international form (+32 ...), else FieldProblem."""
    try:
        number = phonenumbers.parse(value or "", "BE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise FieldProblem(
            _l("Geef een geldig telefoonnummer in, bv. 03 212 34 56 of 0470 12 34 56.")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str | None) -> str:
    """A stored phone number as people write it (0470 12 34 56 for Belgian numbers)."""
    if not value:
        return ""
    return _display_phone(value)


@lru_cache(maxsize=8192)
def _display_phone(value: str) -> str:
    # Parsing costs about 50 µs; list pages format the same supervisors' and mentors'
    # numbers on every row and every view, so the answers are kept (a pure function).
    try:
        number = phonenumbers.parse(value, "BE")
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 32
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def clean_email(value: str) -> str:
    """A syntactically valid e-mail address (no network lookups), else FieldProblem."""
    try:
        return validate_email(value or "", check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldProblem(
            _l("Geef een geldig e-mailadres in, bv. naam@school.be.")
        ) from None


def clean_postcode(value: str) -> str:
    """A Belgian postcode: four digits from 1000 to 9999."""
    value = (value or "").strip()
    if not (value.isdigit() and len(value) == 4 and value[0] != "0"):
        raise FieldProblem(_l("Een Belgische postcode heeft 4 cijfers, bv. 2000."))
    return value
