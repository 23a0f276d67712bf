"""Supervisor form (manual section 3)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import InputRequired, Length

from app.formtools import PhoneField, cleaned_by, plain_text
from app.validation import clean_email, clean_phone

REQUIRED = _l("Dit veld is verplicht.")


class SupervisorForm(FlaskForm):
    name = StringField(
        _l("Naam"), validators=[InputRequired(REQUIRED), Length(max=200), plain_text]
    )
    phone = PhoneField(
        _l("Telefoon"),
        validators=[InputRequired(REQUIRED), Length(max=32), cleaned_by(clean_phone)],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[InputRequired(REQUIRED), Length(max=254), cleaned_by(clean_email)],
    )
