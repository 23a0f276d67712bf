"""Forms of a care service's own lists: its mentors and the places it offers (SVC-6)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from app.contacts import ContactForm


class MentorForm(ContactForm):
    """A stagementor of the service: name, phone and e-mail."""


class CapacityForm(FlaskForm):
    term_id = SelectField(_l("Stageperiode"), coerce=int, validate_choice=False)
    places = IntegerField(
        _l("Aantal stageplaatsen"),
        validators=[
            InputRequired(_l("Dit veld is verplicht.")),
            NumberRange(min=0, max=500, message=_l("Geef een aantal van 0 tot 500.")),
        ],
    )
