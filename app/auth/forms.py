"""Forms for login, activation and password reset."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.security import password_problem


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Paswoord"), validators=[DataRequired(), Length(max=256)]
    )


class EmailForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class NewPasswordForm(FlaskForm):
    """A new password, judged with `user_inputs`: the words an attacker of this login would
    try first (SECURITY.md 12)."""

    password = PasswordField(
        _l("Nieuw paswoord"),
        description=_l(
            "Minstens 12 tekens. Een zin van enkele woorden is sterk en makkelijk te onthouden."
        ),
        validators=[DataRequired()],
    )
    confirm = PasswordField(
        _l("Herhaal het paswoord"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("De paswoorden zijn niet gelijk.")),
        ],
    )

    def __init__(self, *args, user_inputs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user_inputs = list(user_inputs)

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", self.user_inputs)
        if problem:
            raise ValidationError(problem)


class ResendForm(FlaskForm):
    """Hidden e-mail carried from the failed login to "resend activation mail"."""

    email = StringField(validators=[DataRequired(), Length(max=254)])
