"""Small helpers shared by the forms."""

from collections.abc import Iterable

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
