"""Forms of VIVO's timetable screens: terms, a new school year, late entries, second rounds."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from app.extensions import db
from app.formtools import choice_list, free_text, plain_text
from app.models import School, Term, utcnow
from app.schedule.clock import from_local, school_year_label, school_year_of, to_local
from app.schedule.operations import (
    MAX_YEAR,
    MIN_YEAR,
    override_problems,
    timetable_problems,
)
from app.tenancy import valid_id

REQUIRED = _l("Dit veld is verplicht.")
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


def strip(value):
    """Leading and trailing spaces go, so that only spaces count as empty (DataRequired)."""
    return value.strip() if isinstance(value, str) else value


def _out_of_range() -> ValueError:
    return ValueError(
        _l(
            "Kies een datum tussen %(first)d en %(last)d.",
            first=MIN_YEAR,
            last=MAX_YEAR,
        )
    )


class BoundedDateField(DateField):
    """A calendar day between MIN_YEAR and MAX_YEAR; anything else is said next to the field."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not MIN_YEAR <= self.data.year <= MAX_YEAR:
            self.data = None
            raise _out_of_range()


class MomentField(DateTimeLocalField):
    """A moment typed as Brussels wall-clock time; `data` is the UTC moment it means."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "format", [MOMENT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        )
        kwargs.setdefault("invalid_value_message", _l("Geef een datum en een uur in."))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None  # empty: InputRequired or Optional decides
            return
        super().process_formdata(valuelist)
        if self.data is not None and not MIN_YEAR <= self.data.year <= MAX_YEAR:
            self.data = None  # year 1 or 9999 would overflow in Brussels time
            raise _out_of_range()
        self.data = from_local(self.data)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return to_local(self.data).strftime(MOMENT_FORMAT) if self.data else ""


def _school_year_choices():
    """Five school years back to five ahead of this one, and any year that already has terms;
    never a year the form posted, and only years in the range."""
    current = school_year_of(utcnow())
    years = set(range(current - 5, current + 6)) | set(
        db.session.scalars(select(Term.school_year).distinct())
    )
    return choice_list(
        (year, school_year_label(year))
        for year in sorted(years, reverse=True)
        if MIN_YEAR <= year < MAX_YEAR
    )


def _year(value) -> int | None:
    """A posted school year as a number, None when it is none (said by the field's check)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class TermForm(FlaskForm):
    """A term and its timetable (TERM-1, TERM-6, TERM-7); moments in Brussels time."""

    name = StringField(
        _l("Naam"),
        description=_l("Zoals scholen en diensten ze zien, bv. 1 okt – 31 dec 2025."),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=100), plain_text],
    )
    school_year = SelectField(
        _l("Schooljaar"),
        coerce=_year,
        validate_choice=False,
        validators=[InputRequired(REQUIRED)],
    )
    internship_start = BoundedDateField(
        _l("Stage van"), validators=[InputRequired(REQUIRED)]
    )
    internship_end = BoundedDateField(
        _l("Stage tot en met"), validators=[InputRequired(REQUIRED)]
    )
    intake_opens_at = MomentField(
        _l("Ingave opent"), validators=[InputRequired(REQUIRED)]
    )
    intake_closes_at = MomentField(
        _l("Ingave sluit"),
        description=_l(
            "Vaak om 12:00. Tot dan kunnen scholen aanvragen ingeven en wijzigen."
        ),
        validators=[InputRequired(REQUIRED)],
    )
    requests_visible_at = MomentField(
        _l("Aanvragen zichtbaar voor diensten"),
        description=_l(
            "Leeg: wanneer de ingave opent. Alle diensten zien de aanvragen op hetzelfde moment."
        ),
        validators=[Optional()],
    )
    results_at = MomentField(
        _l("Resultaten definitief"),
        description=_l(
            "Tot dan kunnen diensten aanvaarden; daarna raadplegen de scholen het resultaat definitief."
        ),
        validators=[InputRequired(REQUIRED)],
    )
    second_round_until = MomentField(
        _l("Tweede ronde tot"),
        description=_l(
            "Optioneel. Na de resultaten zien diensten van alle provincies de nog niet geplaatste cursisten tot dit moment."
        ),
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_year.choices = _school_year_choices()

    def validate_school_year(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Kies een schooljaar uit de lijst."))

    def timetable(self) -> dict:
        """The submitted values by column name (moments as UTC)."""
        return {name: getattr(self, name).data for name in TERM_COLUMNS}

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the order of the moments, each message beside its field."""
        valid = super().validate(extra_validators)
        for name, message in timetable_problems(self.timetable()).items():
            getattr(self, name).errors.append(message)
            valid = False
        return valid


TERM_COLUMNS = (
    "name",
    "school_year",
    "internship_start",
    "internship_end",
    "intake_opens_at",
    "intake_closes_at",
    "requests_visible_at",
    "results_at",
    "second_round_until",
)


class CopySchoolYearForm(FlaskForm):
    """TERM-8: the school year whose terms are copied to the next one."""

    school_year = SelectField(
        _l("Schooljaar om te kopiëren"), coerce=int, validate_choice=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = db.session.scalars(
            select(Term.school_year).distinct().order_by(Term.school_year.desc())
        )
        self.school_year.choices = choice_list(
            (year, school_year_label(year)) for year in years
        )

    def validate_school_year(self, field) -> None:
        if field.data not in {choice.value for choice in self.school_year.choices}:
            raise ValidationError(_l("Kies een schooljaar met stageperiodes."))


class OverrideForm(FlaskForm):
    """TERM-3: open the intake for one school and one term until a moment, with a reason."""

    school_id = SelectField(
        _l("School"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Kies de school."))],
    )
    term_id = SelectField(
        _l("Stageperiode"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Kies de stageperiode."))],
    )
    until = MomentField(_l("Ingave open tot"), validators=[InputRequired(REQUIRED)])
    reason = TextAreaField(
        _l("Reden"),
        description=_l("Wordt bewaard in het logboek."),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=1000), free_text],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schools = db.session.execute(
            select(School.id, School.name).where(School.active).order_by(School.name)
        ).all()
        terms = db.session.execute(
            select(Term.id, Term.name, Term.school_year).order_by(
                Term.internship_start.desc()
            )
        ).all()
        self.school_id.choices = choice_list([(0, "—"), *schools])
        self.term_id.choices = choice_list(
            [
                (0, "—"),
                *(
                    (t.id, f"{t.name} ({school_year_label(t.school_year)})")
                    for t in terms
                ),
            ]
        )

    def validate_school_id(self, field) -> None:
        school = db.session.get(School, field.data) if valid_id(field.data) else None
        if school is None or not school.active:
            raise ValidationError(_l("Kies de school."))

    def validate_term_id(self, field) -> None:
        if not (valid_id(field.data) and db.session.get(Term, field.data)):
            raise ValidationError(_l("Kies de stageperiode."))

    def validate_until(self, field) -> None:
        if field.data and field.data <= utcnow():
            raise ValidationError(_l("Kies een moment in de toekomst."))

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then what the term and the school's other late entries allow."""
        if not super().validate(extra_validators):
            return False
        term = db.session.get(Term, self.term_id.data)
        problems = override_problems(
            term, self.school_id.data, self.until.data, utcnow()
        )
        for name, message in problems.items():
            getattr(self, name).errors.append(message)
        return not problems


class SecondRoundForm(FlaskForm):
    """TERM-7: the deadline of a term's second round."""

    until = MomentField(_l("Tweede ronde tot"), validators=[InputRequired(REQUIRED)])


class WithdrawForm(FlaskForm):
    """SVC-4: VIVO withdraws an acceptance, with the reason school and service read."""

    reason = TextAreaField(
        _l("Reden"),
        description=_l("De school en de dienst krijgen deze reden per mail."),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=1000), free_text],
    )


class PlacementSearchForm(FlaskForm):
    """GET filter of a term's placements."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Zoek op student, school of dienst"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )
