"""Small helpers shared by the forms."""

from collections.abc import Iterable

from wtforms import StringField, TelField
from wtforms.fields.choices import SelectChoice


def choice_list(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def cleaned_by(cleaner):
    """A WTForms validator that replaces the data with cleaner(data) or shows its problem."""
    from wtforms.validators import ValidationError

    from app.validation import FieldProblem

    def validator(form, field) -> None:
        if field.data in (None, ""):
            return
        try:
            field.data = cleaner(field.data)
        except FieldProblem as problem:
            raise ValidationError(str(problem)) from None

    return validator


class PhoneField(TelField):
    """A phone input that shows a stored or cleaned number as people write it."""

    def _value(self) -> str:
        from app.validation import display_phone

        if self.data and not self.errors:
            return display_phone(self.data)
        return super()._value()


class NationalNumberField(StringField):
    """A national-number input that shows clean digits formatted (YY.MM.DD-XXX.XX)."""

    def _value(self) -> str:
        from app.validation import format_national_number

        data = self.data or ""
        if len(data) == 11 and data.isdigit() and not self.errors:
            return format_national_number(data)
        return super()._value()


def plain_text(form, field) -> None:
    """Refuse control characters (line breaks, tabs) in one-line fields such as names."""
    from flask_babel import lazy_gettext as _l
    from wtforms.validators import ValidationError

    if field.data and any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in field.data):
        raise ValidationError(_l("Gebruik geen regeleinden of tabs in dit veld."))
