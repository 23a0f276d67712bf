"""Forms of the care services' answer to a request: accept, decline."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.formtools import choice_list, free_text


# Made before the mentor's fields, so that the accept form lists (and its error summary
# names) the periods first, as the page shows them.
_PERIODS = SelectMultipleField(
    _l("Periodes die je aanvaardt"),
    coerce=int,
    widget=ListWidget(prefix_label=False),
    option_widget=CheckboxInput(),
)


class MentorAnswerForm(FlaskForm):
    """A yes to a trainee: the mentor, notes for the school, and the capacity confirmation
    (a request's accept form, and a proposal's)."""

    mentor_id = SelectField(_l("Stagementor"), coerce=int, validate_choice=False)
    notes = TextAreaField(
        _l("Notities voor de school"),
        description=_l("Bijvoorbeeld: eerste dag, uurrooster, contactpersoon."),
        validators=[Length(max=2000), free_text],
    )
    over_capacity = BooleanField(
        _l("Ik aanvaard toch, boven de aangeboden capaciteit.")
    )

    def __init__(self, *args, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.load_mentors(mentors)

    def load_mentors(self, mentors) -> None:
        """Offer the service's mentors (again, after one was added inline)."""
        self.mentor_id.choices = choice_list(
            [(0, "—")] + [(m.id, m.name) for m in mentors]
        )
        self.mentor_ids = {m.id for m in mentors}

    def validate_mentor_id(self, field) -> None:
        if field.data not in self.mentor_ids:
            raise ValidationError(_l("Kies de stagementor (of voeg er een toe)."))


class AcceptForm(MentorAnswerForm):
    periods = _PERIODS

    def __init__(self, *args, periods, mentors, **kwargs):
        super().__init__(*args, mentors=mentors, **kwargs)
        self.periods.choices = choice_list(
            (
                p.id,
                _l(
                    "Periode %(n)d: %(a)s – %(b)s",
                    n=p.number,
                    a=p.start_date.strftime("%d/%m/%Y"),
                    b=p.end_date.strftime("%d/%m/%Y"),
                ),
            )
            for p in periods
        )

    def validate_periods(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Kies minstens één periode."))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden"),
        description=_l("De school ziet deze reden."),
        validators=[
            InputRequired(_l("Geef een reden op.")),
            Length(max=1000),
            free_text,
        ],
    )
