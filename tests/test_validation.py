"""Field rules: national numbers (incl. births from 2000 and BIS), phones, e-mail, postcodes."""

from datetime import date

import pytest

from app.models.reference import province_for_postcode
from app.validation import (
    FieldProblem,
    clean_email,
    clean_national_number,
    clean_phone,
    clean_postcode,
    display_phone,
    format_national_number,
)


def national_number(birth: date, serial: int) -> str:
    """Build a valid number the way the register does (births from 2000 get a '2' prefix)."""
    base = f"{birth:%y%m%d}{serial:03d}"
    prefix = "2" if birth.year >= 2000 else ""
    return base + f"{97 - int(prefix + base) % 97:02d}"


@pytest.mark.parametrize("typed", ["85.07.30-033.28", "85073003328", " 850730 033 28 "])
def test_valid_national_numbers_in_any_notation(typed):
    assert clean_national_number(typed) == "85073003328"


def test_birth_after_2000_uses_the_second_checksum():
    from stdnum.be import nn

    number = national_number(date(2003, 2, 14), 157)
    assert clean_national_number(number) == number
    assert nn.get_birth_date(number) == date(2003, 2, 14)
    # The same digits with the pre-2000 checksum mean someone born in 1903.
    old_style = number[:9] + f"{97 - int(number[:9]) % 97:02d}"
    assert nn.get_birth_date(clean_national_number(old_style)) == date(1903, 2, 14)


def test_bis_number_is_accepted():
    # BIS: month + 40 (gender known); checksum as for national numbers.
    base = "854730033"
    bis = base + f"{97 - int(base) % 97:02d}"
    assert clean_national_number(bis) == bis


@pytest.mark.parametrize(
    "typed, message",
    [
        ("85073003329", "klopt niet"),  # wrong checksum
        ("8507300332", "11 cijfers"),  # too short
        ("850730033288", "11 cijfers"),  # too long
        ("85.13.30-033.xx", "11 cijfers"),  # letters
        ("85133003355", "klopt niet"),  # month 13
    ],
)
def test_broken_national_numbers_are_refused(typed, message):
    with pytest.raises(FieldProblem, match=message):
        clean_national_number(typed)


def test_birth_date_in_the_future_is_refused():
    number = national_number(date(2026, 11, 1), 1)
    assert clean_national_number(number, today=date(2026, 11, 30)) == number
    with pytest.raises(FieldProblem, match="toekomst"):
        clean_national_number(number, today=date(2026, 10, 30))


def test_national_number_is_shown_formatted():
    assert format_national_number("85073003328") == "85.07.30-033.28"


@pytest.mark.parametrize(
    "typed, stored, shown",
    [
        ("03 212 34 56", "+3232123456", "03 212 34 56"),
        ("0470/12.34.56", "+32470123456", "0470 12 34 56"),
        ("+32 470 12 34 56", "+32470123456", "0470 12 34 56"),
        ("+31 20 123 4567", "+31201234567", "+31 20 123 4567"),
    ],
)
def test_phone_numbers_are_normalised(typed, stored, shown):
    assert clean_phone(typed) == stored
    assert display_phone(stored) == shown


@pytest.mark.parametrize("typed", ["123", "0470 12 34", "geen nummer", ""])
def test_invalid_phone_numbers_are_refused(typed):
    with pytest.raises(FieldProblem, match="telefoonnummer"):
        clean_phone(typed)


def test_email_syntax():
    assert clean_email("Naam@School.be") == "Naam@school.be"
    for wrong in ("naam@", "naam school.be", "naam@@school.be"):
        with pytest.raises(FieldProblem):
            clean_email(wrong)


@pytest.mark.parametrize("typed", ["2000", " 9000 "])
def test_belgian_postcodes(typed):
    assert clean_postcode(typed) == typed.strip()


@pytest.mark.parametrize("typed", ["200", "20000", "0999", "abcd"])
def test_wrong_postcodes(typed):
    with pytest.raises(FieldProblem, match="4 cijfers"):
        clean_postcode(typed)


@pytest.mark.parametrize(
    "postcode, province",
    [
        ("1000", "BRU"),
        ("1299", "BRU"),
        ("1300", None),
        ("1500", "VBR"),
        ("3000", "VBR"),
        ("3499", "VBR"),
        ("3500", "LIM"),
        ("2000", "ANT"),
        ("8500", "WVL"),
        ("9000", "OVL"),
    ],
)
def test_postcode_suggests_the_province_of_the_manual(postcode, province):
    assert province_for_postcode(postcode) == province
