"""Forms of the VIVO administration: logins, schools, care services and their filters."""

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import EmailField, IntegerField, SearchField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from app.admin.queries import organisation_matches
from app.auth.logic import find_user
from app.extensions import db
from app.formtools import PhoneField, choice_list, cleaned_by, plain_text
from app.models import CareService, School
from app.models.reference import PROVINCES, SERVICE_KIND_LABELS
from app.validation import FieldProblem, clean_email, clean_phone, clean_postcode

ROLES = [
    ("school", _l("School (CVO)")),
    ("service", _l("Dienst")),
    ("admin", _l("VIVO-beheerder")),
]
ROLE_CHOICES = choice_list(ROLES)
STATUS_CHOICES = [
    ("", _l("Alle")),
    ("actief", _l("actief")),
    ("gedeactiveerd", _l("gedeactiveerd")),
]


def clean_enterprise_number(value: str) -> str:
    """The 10 digits of a valid Belgian enterprise number (ondernemingsnummer), else FieldProblem."""
    from stdnum import exceptions as stdnum_errors
    from stdnum.be import vat

    try:
        digits = vat.validate(str(value))
    except stdnum_errors.ValidationError:
        digits = None
    if digits is None or not digits[:8].strip("0"):  # 0000000097 passes the 97-check
        raise FieldProblem(
            _l("Dit ondernemingsnummer klopt niet: 10 cijfers, bv. BE 0403.170.701.")
        )
    return digits


def organisation_name(value):
    """A name as typed, without invisible characters (zero-width spaces, soft hyphens…) and
    with look-alike forms folded (NFKC), so that two names that look the same are the same."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFKC", value)
    return " ".join(
        "".join(ch for ch in value if unicodedata.category(ch) != "Cf").split()
    )


class WholeNumberField(IntegerField):
    """An integer input with one clear message for '2.5' or 'vier' (not also the range's)."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Geef een geheel getal, bv. 4.")) from None

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


def format_enterprise_number(digits: str | None) -> str:
    """BE 0403.170.701, as on the KBO."""
    if not digits or len(digits) != 10:
        return digits or ""
    return f"BE {digits[:4]}.{digits[4:7]}.{digits[7:]}"


class EnterpriseNumberField(StringField):
    """An enterprise-number input that shows the stored digits formatted."""

    def _value(self) -> str:
        if self.data and not self.errors:
            return format_enterprise_number(self.data)
        return super()._value()


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES, validators=[DataRequired()])
    organisation = StringField(
        _l("Organisatie"),
        validators=[Length(max=300), plain_text],
        description=_l(
            "Typ een deel van de naam en kies uit de lijst. Niet nodig voor VIVO."
        ),
    )

    def validate_email(self, field) -> None:
        if find_user(field.data) is not None:
            raise ValidationError(_l("Er bestaat al een login met dit e-mailadres."))

    def validate_organisation(self, field) -> None:
        self.school_id = self.care_service_id = None
        if self.role.data == "admin":
            return
        matches = organisation_matches(self.role.data, field.data or "")
        if len(matches) > 1:
            if self.role.data == "school":
                raise ValidationError(
                    _l("Meerdere scholen heten zo; kies er een uit de lijst.")
                )
            raise ValidationError(
                _l("Meerdere diensten heten zo; kies er een uit de lijst.")
            )
        found = matches[0] if matches else None
        if found is None:
            if self.role.data == "school":
                raise ValidationError(_l("Kies een actieve school uit de lijst."))
            raise ValidationError(_l("Kies een actieve dienst uit de lijst."))
        if self.role.data == "school":
            self.school_id = found.id
        else:
            self.care_service_id = found.id


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing

    q = SearchField(_l("E-mailadres bevat"), validators=[Optional(), Length(max=254)])
    role = SelectField(
        _l("Rol"), default="", choices=choice_list([("", _l("Alle")), *ROLES])
    )
    organisation = SearchField(
        _l("Organisatie bevat"), validators=[Optional(), Length(max=200)]
    )


class OrganisationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Zoeken"),
        validators=[Optional(), Length(max=200)],
        description=_l("Naam, gemeente of postcode."),
    )
    status = SelectField(_l("Status"), default="", choices=choice_list(STATUS_CHOICES))
    province = SelectField(
        _l("Provincie"),
        default="",
        choices=choice_list([("", _l("Alle")), *PROVINCES.items()]),
    )


class _OrganisationForm(FlaskForm):
    name = StringField(
        _l("Naam"),
        filters=[organisation_name],
        validators=[DataRequired(), Length(max=200), plain_text],
    )
    street = StringField(
        _l("Straat en nummer"), validators=[Length(max=200), plain_text]
    )
    postcode = StringField(_l("Postcode"), validators=[cleaned_by(clean_postcode)])
    city = StringField(_l("Gemeente"), validators=[Length(max=100), plain_text])
    email = EmailField(
        _l("E-mailadres"), validators=[Length(max=254), cleaned_by(clean_email)]
    )
    phone = PhoneField(_l("Telefoon"), validators=[cleaned_by(clean_phone)])


class SchoolForm(_OrganisationForm):
    def __init__(self, *args, school: School | None = None, **kwargs):
        super().__init__(*args, obj=school, **kwargs)
        self.school = school

    def validate_name(self, field) -> None:
        # Compared in Python: stored names may still hold invisible characters, and SQLite's
        # lower() folds ASCII only. Schools are few (the CVOs).
        wanted = organisation_name(field.data).casefold()
        taken = next(
            (
                school_id
                for school_id, name in db.session.execute(
                    select(School.id, School.name)
                )
                if organisation_name(name).casefold() == wanted
            ),
            None,
        )
        if taken is not None and (self.school is None or taken != self.school.id):
            raise ValidationError(_l("Er bestaat al een school met deze naam."))


class ServiceForm(_OrganisationForm):
    kind = SelectField(
        _l("Type"),
        choices=choice_list(SERVICE_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    province = SelectField(
        _l("Provincie"),
        choices=choice_list(PROVINCES.items()),
        validators=[DataRequired()],
    )
    enterprise_number = EnterpriseNumberField(
        _l("Ondernemingsnummer"),
        validators=[DataRequired(), cleaned_by(clean_enterprise_number)],
    )
    capacity_default = WholeNumberField(
        _l("Standaardcapaciteit"),
        validators=[Optional(), NumberRange(min=0, max=500)],
        description=_l(
            "Stageplaatsen per stageperiode als de dienst zelf niets invulde."
        ),
    )

    def __init__(self, *args, service: CareService | None = None, **kwargs):
        super().__init__(*args, obj=service, **kwargs)
        self.service = service

    def validate_enterprise_number(self, field) -> None:
        taken = db.session.scalar(
            select(CareService.id).where(CareService.enterprise_number == field.data)
        )
        if taken is not None and (self.service is None or taken != self.service.id):
            raise ValidationError(
                _l("Er bestaat al een dienst met dit ondernemingsnummer.")
            )


class ServiceImportForm(FlaskForm):
    file = FileField(
        _l("Bestand (CSV of Excel)"), validators=[FileRequired(_l("Kies een bestand."))]
    )
