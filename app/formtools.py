"""Small helpers shared by the forms."""

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def choice_list(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
