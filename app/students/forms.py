"""The internship request form of manual section 4 (STU-1..16)."""

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.extensions import db
from app.formtools import (
    NationalNumberField,
    PhoneField,
    choice_list,
    cleaned_by,
    free_text,
    plain_text,
)
from app.models import CareService, Term
from app.models.reference import (
    INTERNSHIP_FORM_LABELS,
    PROVINCES,
    TRANSPORT_LABELS,
)
from app.supervisors.queries import school_supervisors
from app.tenancy import valid_id
from app.validation import (
    clean_email,
    clean_national_number,
    clean_phone,
    clean_postcode,
)

REQUIRED = _l("Dit veld is verplicht.")
CHOOSE_SUPERVISOR = _l("Kies een stage-/werkplekbegeleider.")
PERIOD_NUMBERS = (1, 2, 3, 4)
FORMS_WITH_HOURS = ("blok", "blok_alternerend")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StudentForm(FlaskForm):
    first_name = StringField(
        _l("Voornaam"),
        validators=[InputRequired(REQUIRED), Length(max=100), plain_text],
    )
    last_name = StringField(
        _l("Achternaam"),
        validators=[InputRequired(REQUIRED), Length(max=100), plain_text],
    )
    national_number = NationalNumberField(
        _l("Rijksregisternummer"),
        description=_l(
            "Enkel zichtbaar voor een dienst die de student aanvaardde (voor het contract)."
        ),
        validators=[Length(max=20), cleaned_by(clean_national_number)],
    )
    street = StringField(
        _l("Straat"), validators=[InputRequired(REQUIRED), Length(max=200), plain_text]
    )
    postcode = StringField(
        _l("Postcode"), validators=[InputRequired(REQUIRED), cleaned_by(clean_postcode)]
    )
    city = StringField(
        _l("Plaats"), validators=[InputRequired(REQUIRED), Length(max=100), plain_text]
    )
    province = SelectField(
        _l("Provincie"),
        description=_l(
            "De provincie waar de student stage wil lopen, niet noodzakelijk waar hij of zij woont. Enkel de diensten van die provincie zien de aanvraag."
        ),
        choices=choice_list([("", "—"), *PROVINCES.items()]),
        validators=[
            InputRequired(_l("Kies de provincie waar de student stage wil lopen."))
        ],
    )
    phone = PhoneField(
        _l("Telefoon"),
        validators=[InputRequired(REQUIRED), Length(max=32), cleaned_by(clean_phone)],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[InputRequired(REQUIRED), Length(max=254), cleaned_by(clean_email)],
    )
    transport = CheckboxesField(
        _l("Vervoersmiddel"),
        description=_l(
            "Duid alle vervoersmiddelen aan waarmee de student zich verplaatst."
        ),
        choices=choice_list(TRANSPORT_LABELS.items()),
        validators=[InputRequired(_l("Duid minstens één vervoersmiddel aan."))],
    )
    remarks = TextAreaField(
        _l("Opmerkingen over de student"),
        description=_l(
            "Bijvoorbeeld: de student is kleurenblind of heeft gehoorproblemen."
        ),
        validators=[Length(max=2000), free_text],
    )
    supervisor_id = SelectField(
        _l("Stage-/werkplekbegeleider"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(CHOOSE_SUPERVISOR)],
    )
    internship_form = SelectField(
        _l("Stagevorm"),
        choices=choice_list([("", "—"), *INTERNSHIP_FORM_LABELS.items()]),
        validators=[InputRequired(_l("Kies de stagevorm."))],
    )
    period_count = SelectField(
        _l("Aantal periodes"),
        coerce=int,
        default=1,
        choices=choice_list(
            [
                (1, _l("1 periode")),
                (2, _l("2 periodes")),
                (3, _l("3 periodes")),
                (4, _l("4 periodes")),
            ]
        ),
    )
    hours_per_week = IntegerField(
        _l("Aantal uren/week"),
        description=_l("Verplicht bij de stagevorm blok en bij blok en alternerend."),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=60, message=_l("Geef een aantal uren tussen 1 en 60.")
            ),
        ],
    )
    total_hours = IntegerField(
        _l("Totaal aantal uren te realiseren"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(
                min=1,
                max=5000,
                message=_l("Geef een positief aantal uren (hoogstens 5000)."),
            ),
        ],
    )
    internship_remarks = TextAreaField(
        _l("Opmerkingen over de stage"),
        description=_l("Bijvoorbeeld om blok en alternerend te verduidelijken."),
        validators=[Length(max=2000), free_text],
    )
    preferred_service_id = SelectField(
        _l("Voorkeursdienst"),
        description=_l(
            "Bij welke dienst wil de student graag werken? Enkel diensten van de gekozen provincie."
        ),
        coerce=int,
        validate_choice=False,
    )

    def __init__(self, *args, term: Term, school_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.term = term
        self.load_supervisors(school_id)
        self.load_services()
        mode = current_app.config["NATIONAL_NUMBER_MODE"]
        if mode == "absent":
            del self.national_number
        elif mode == "required":
            self.national_number.flags.required = True

    def load_services(self) -> None:
        """Offer the active services of the chosen province as preference (STU-15)."""
        offer_services(self)

    def load_supervisors(self, school_id: int) -> None:
        """Offer the school's supervisors (again, after one was added inline)."""
        supervisors = school_supervisors(school_id)
        self.supervisor_id.choices = choice_list(
            [(0, "—")] + [(s.id, s.name) for s in supervisors]
        )
        self.supervisor_ids = {s.id for s in supervisors}

    def period_fields(self, number: int):
        """The start and end field of period `number`."""
        return self[f"period_{number}_start"], self[f"period_{number}_end"]

    def validate_national_number(self, field) -> None:
        if not field.data and current_app.config["NATIONAL_NUMBER_MODE"] == "required":
            raise ValidationError(REQUIRED)

    def validate_supervisor_id(self, field) -> None:
        if field.data not in self.supervisor_ids:
            raise ValidationError(CHOOSE_SUPERVISOR)

    def validate_preferred_service_id(self, field) -> None:
        if not field.data:
            field.data = None
            return
        service = (
            db.session.get(CareService, field.data) if valid_id(field.data) else None
        )
        if service is None or not service.active:
            raise ValidationError(_l("Kies een dienst uit de lijst."))
        if self.province.data and service.province != self.province.data:
            raise ValidationError(
                _l(
                    "Deze dienst ligt niet in de gekozen provincie en zou de aanvraag niet zien."
                )
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._validate_periods() & self._validate_hours() and valid

    def _validate_hours(self) -> bool:
        """Hours per week are required for blok and blok en alternerend (STU-11)."""
        field = self.hours_per_week
        if (
            self.internship_form.data in FORMS_WITH_HOURS
            and not field.data
            and not field.errors
        ):
            field.errors = [
                *field.errors,
                _l(
                    "Vul het aantal uren per week in: verplicht bij blok en bij blok en alternerend."
                ),
            ]
            return False
        return True

    def _validate_periods(self) -> bool:
        """Both dates per period, in order, without overlap, inside the term (STU-13)."""
        ok, previous_end = True, None
        span = (self.term.internship_start, self.term.internship_end)
        for number in PERIOD_NUMBERS[: self.period_count.data or 1]:
            start, end = self.period_fields(number)
            problem = _period_problem(start.data, end.data, span, previous_end, number)
            if problem:
                target = end if problem[0] == "end" else start
                target.errors = [*target.errors, problem[1]]
                ok = False
            previous_end = end.data or start.data or previous_end
        return ok


def _period_problem(start, end, span, previous_end, number):
    if start is None:
        return "start", _l("Vul de startdatum van periode %(n)d in.", n=number)
    if end is None:
        return "end", _l("Vul de einddatum van periode %(n)d in.", n=number)
    if end < start:
        return "end", _l("De einddatum ligt vóór de startdatum.")
    if start < span[0] or end > span[1]:
        return "start", _l(
            "De periode moet binnen de stageperiode vallen (%(a)s – %(b)s).",
            a=span[0].strftime("%d/%m/%Y"),
            b=span[1].strftime("%d/%m/%Y"),
        )
    if previous_end is not None and start <= previous_end:
        return "start", _l(
            "Periode %(n)d moet na de vorige periode beginnen (geen overlap).", n=number
        )
    return None


for _number in PERIOD_NUMBERS:
    setattr(
        StudentForm,
        f"period_{_number}_start",
        DateField(
            _l("Startdatum periode %(n)d", n=_number),
            validators=[Optional()],
            render_kw={"data-period": _number},
        ),
    )
    setattr(
        StudentForm,
        f"period_{_number}_end",
        DateField(
            _l("Einddatum periode %(n)d", n=_number),
            validators=[Optional()],
            render_kw={"data-period": _number},
        ),
    )


def service_choices(province: str | None = None) -> list[SelectChoice]:
    """Active care services for the preference list (STU-15): those of `province` when one
    is chosen (only they see the request), else all of them grouped by province."""
    query = select(
        CareService.id, CareService.name, CareService.city, CareService.province
    ).where(CareService.active)
    chosen = province in PROVINCES
    if chosen:
        query = query.where(CareService.province == province)
    rows = db.session.execute(
        query.order_by(CareService.province, CareService.name)
    ).all()
    choices = [SelectChoice(0, str(_l("— geen voorkeur —")))]
    for row in rows:
        label = f"{row.name} ({row.city})" if row.city else row.name
        group = None if chosen else PROVINCES.get(row.province)
        choices.append(SelectChoice(row.id, label, optgroup=group))
    return choices


def offer_services(form) -> None:
    """The preference list follows the form's province."""
    # Read only when the field is drawn, with the province known by then (filled in from
    # the request or the stored student): a form that is posted and saved never needs the
    # list (its validator checks the one chosen).
    field = form.preferred_service_id
    field.choices = lambda: service_choices(form.province.data)


class ProvinceForm(FlaskForm):
    """The province and the preference fields alone: the province re-rendered when the
    postcode suggests one, the preference list when the province changes."""

    province = StudentForm.province
    preferred_service_id = StudentForm.preferred_service_id

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_services(self)
        # A preference the new list does not hold is dropped visibly: "geen voorkeur" comes
        # selected (else the browser would keep the position and pick another service).
        field = self.preferred_service_id
        if field.data not in {choice.value for choice in field.choices}:
            field.data = 0


class StopForm(FlaskForm):
    stopped_on = DateField(_l("Gestopt op"), validators=[InputRequired(REQUIRED)])
    stopped_reason = TextAreaField(
        _l("Reden (optioneel)"), validators=[Length(max=1000), free_text]
    )

    def __init__(self, *args, span: tuple[date, date], **kwargs):
        super().__init__(*args, **kwargs)
        self.span = span
        first, last = span
        self.stopped_on.render_kw = {"min": first.isoformat(), "max": last.isoformat()}
        self.stopped_on.description = _l(
            "Een dag van %(a)s tot %(b)s.", a=_day(first), b=_day(last)
        )

    def validate_stopped_on(self, field) -> None:
        first, last = self.span
        if field.data is not None and not first <= field.data <= last:
            raise ValidationError(
                _l(
                    "Kies een dag van %(a)s tot %(b)s: niet vóór de ingave voor deze stageperiode opende, niet na het einde van de stage en niet in de toekomst.",
                    a=_day(first),
                    b=_day(last),
                )
            )


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")
