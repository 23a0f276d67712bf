"""Forms of the VIVO administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.auth.logic import find_user
from app.extensions import db
from app.formtools import choice_list
from app.models import CareService, School
from app.tenancy import valid_id

ROLE_CHOICES = choice_list(
    [("school", _l("School (CVO)")), ("service", _l("Dienst")), ("admin", _l("VIVO-beheerder"))]
)


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES, validators=[DataRequired()])
    school_id = SelectField(_l("School"), coerce=int, validate_choice=False)
    care_service_id = SelectField(_l("Dienst"), coerce=int, validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schools = db.session.execute(
            select(School.id, School.name).where(School.active).order_by(School.name)
        ).all()
        services = db.session.execute(
            select(CareService.id, CareService.name).where(CareService.active).order_by(CareService.name)
        ).all()
        self.school_id.choices = choice_list([(0, "—"), *schools])
        self.care_service_id.choices = choice_list([(0, "—"), *services])

    def validate_email(self, field) -> None:
        if find_user(field.data) is not None:
            raise ValidationError(_l("Er bestaat al een login met dit e-mailadres."))

    def validate_school_id(self, field) -> None:
        if self.role.data == "school" and not (valid_id(field.data) and db.session.get(School, field.data)):
            raise ValidationError(_l("Kies de school van deze login."))

    def validate_care_service_id(self, field) -> None:
        if self.role.data == "service" and not (
            valid_id(field.data) and db.session.get(CareService, field.data)
        ):
            raise ValidationError(_l("Kies de dienst van deze login."))
