"""Small helpers shared by the forms."""

import inspect
import logging
import unicodedata
from collections.abc import Iterable

from flask import abort, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import FileField, StringField, TelField
from wtforms.fields.choices import SelectChoice

log = logging.getLogger("stagematching.access")


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


# Control characters (C0 and C1), invisible format characters (zero-width spaces, soft
# hyphens, the bidirectional overrides such as U+202E that show a name backwards) and the
# Unicode line and paragraph separators. Letters, marks, spaces, digits and punctuation such
# as apostrophes and hyphens stay.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


# Letters and symbols that draw nothing: a name of only these looks empty on every page.
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
MAX_STACKED_MARKS = 3  # accents on one letter; more smear over the lines around it


def hidden_characters(text: str) -> bool:
    """True when text holds a control, invisible format or line-separator character, a
    character that draws nothing, or a pile of combining marks on one letter."""
    stacked = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category in HIDDEN_CATEGORIES or ch in BLANK_LOOKING:
            return True
        stacked = stacked + 1 if category.startswith("M") else 0
        if stacked > MAX_STACKED_MARKS:
            return True
    return False


def plain_text(form, field) -> None:
    """Refuse line breaks, tabs and invisible characters in one-line fields such as names."""
    from flask_babel import lazy_gettext as _l
    from wtforms.validators import ValidationError

    if isinstance(field.data, str) and hidden_characters(field.data):
        raise ValidationError(
            _l("Gebruik geen regeleinden, tabs of onzichtbare tekens in dit veld.")
        )


# In text over several lines (remarks, reasons, notes) line breaks and tabs are writing;
# zero-width joiners build emoji and some scripts' letters. Every other control, format or
# separator character (C1 controls, U+202E that shows the text backwards) is refused.
FREE_TEXT_ALLOWED = frozenset("\n\r\t\u200c\u200d")


def free_text(form, field) -> None:
    """Refuse control, bidirectional and other invisible characters in a remarks field."""
    from flask_babel import lazy_gettext as _l
    from wtforms.validators import ValidationError

    if not isinstance(field.data, str):
        return
    if any(
        unicodedata.category(ch) in HIDDEN_CATEGORIES and ch not in FREE_TEXT_ALLOWED
        for ch in field.data
    ):
        raise ValidationError(
            _l(
                "Deze tekst bevat onzichtbare tekens of stuurtekens (bijvoorbeeld uit een "
                "kopie van een andere toepassing). Typ de tekst opnieuw of plak hem als "
                "platte tekst."
            )
        )


# Flask-WTF's marker for "read the data from the request" (FlaskForm's default formdata).
_FROM_REQUEST = inspect.signature(FlaskForm.__init__).parameters["formdata"].default


def _posted_formdata(meta, form, formdata):
    """The posted data a form reads: the text parts, and uploads for its file fields only.

    Flask-WTF merges every uploaded part into the form data, so a text field posted as a
    file (multipart, with a filename) reached its validators as a FileStorage and failed
    with a TypeError; it also read a JSON body, where a list or a number fails the same way.
    No page of the app sends JSON, and a file belongs to a file field: anything else is
    simply missing, and the field says so like any missing value.
    """
    if formdata is not _FROM_REQUEST:
        return formdata
    if not form.is_submitted():
        return None
    file_fields = {field.name for field in form if isinstance(field, FileField)}
    uploads = [
        (name, upload)
        for name, upload in request.files.items(multi=True)
        if name in file_fields
    ]
    if uploads:
        return CombinedMultiDict((MultiDict(uploads), request.form))
    return request.form or None


def refuse_nul_characters() -> None:
    """A request hook: 400 for a NUL character in the query or the posted fields. Nobody
    types one, and PostgreSQL refuses it in a text column (a search or a save failed with a
    500)."""
    for values in (request.args, request.form):
        if any("\x00" in key + value for key, value in values.items(multi=True)):
            log.warning("NUL character refused on %s", request.path)
            abort(400)


def read_uploads_only_into_file_fields() -> None:
    """Make every form read posted data with `_posted_formdata` (once, for all forms)."""
    FlaskForm.Meta.wrap_formdata = _posted_formdata
