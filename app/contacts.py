"""The contact person both sides keep a list of: the school's stage-/werkplekbegeleider and
the care service's stagementor. Name, phone and e-mail, checked the same way, and added
inline from another form (the request form, the accept form) without losing what was typed.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, StringField
from wtforms.validators import InputRequired, Length

from app.extensions import db
from app.formtools import PhoneField, cleaned_by, plain_text
from app.validation import clean_email, clean_phone

REQUIRED = _l("Dit veld is verplicht.")


class ContactForm(FlaskForm):
    """Name, phone and e-mail of a contact person (SUP-1, SVC-6)."""

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


def add_missing_contact(person, prefix: str) -> tuple[ContactForm, object | None]:
    """Save `person` (a new Supervisor or Mentor, its owner set) from the posted inline
    form with `prefix`: (an empty form, the person) once saved, or (the form with its
    errors, None). The caller then picks the person in its own form."""
    form = ContactForm(prefix=prefix)
    if not form.validate():
        return form, None
    form.populate_obj(person)
    same = _same_person(person)
    if same is not None:  # typed again, or the form sent twice: no second row
        return ContactForm(prefix=prefix, formdata=None), same
    db.session.add(person)
    db.session.commit()
    return ContactForm(prefix=prefix, formdata=None), person


def _same_person(person):
    """The owner's existing supervisor or mentor with this name and e-mail address, if any."""
    model = type(person)
    owner = [
        getattr(model, column) == getattr(person, column)
        for column in ("school_id", "care_service_id")
        if getattr(person, column, None) is not None
    ]
    return db.session.scalar(
        select(model)
        .where(
            *owner,
            func.lower(model.name) == person.name.strip().lower(),
            func.lower(model.email) == person.email.strip().lower(),
        )
        .limit(1)
    )


def choose_added(field, person) -> None:
    """Pick the person just added in the form's list and put the keyboard there: the page
    comes back whole, and without this the focus would start again at its top."""
    field.data = person.id
    field.render_kw = {**(field.render_kw or {}), "autofocus": True}
