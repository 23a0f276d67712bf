"""VIVO's forms for a proposal: the settings of a run, and the answer deadline when sending."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.allocation import DEFAULT_LIMITS_KM, Order, Settings
from app.formtools import choice_list
from app.schedule.forms import BoundedDateField

REQUIRED = _l("Dit veld is verplicht.")
KM_RANGE = NumberRange(1, 500, message=_l("Geef een aantal km tussen 1 en 500."))
SEED_RANGE = NumberRange(
    0, 2**31 - 1, message=_l("Geef een getal tussen 0 en 2147483647, of laat leeg.")
)
ORDERS = choice_list(
    [
        (Order.REQUEST_TIME.value, _l("Volgorde van ingave (wie eerst komt)")),
        (Order.LOTTERY.value, _l("Loting")),
    ]
)


def _km_field(label):
    return IntegerField(
        label,
        validators=[InputRequired(REQUIRED), KM_RANGE],
        render_kw={"inputmode": "numeric"},
    )


class ProposalSettingsForm(FlaskForm):
    """The settings of "Voorstel maken" (ALLOC-1)."""

    order = SelectField(_l("Volgorde van de studenten"), choices=ORDERS)
    seed = IntegerField(
        _l("Startgetal van de loting"),
        description=_l(
            "Optioneel. Leeg: een nieuw startgetal, dat bij het voorstel staat."
        ),
        validators=[Optional(), SEED_RANGE],
        render_kw={"inputmode": "numeric"},
    )
    widen_provinces = BooleanField(_l("Ook diensten in andere provincies voorstellen"))
    km_fiets = _km_field(_l("Maximum km met de fiets"))
    km_ebike = _km_field(_l("Maximum km met de elektrische fiets/bromfiets"))
    km_ov = _km_field(_l("Maximum km met het openbaar vervoer"))
    km_auto = _km_field(_l("Maximum km met de auto"))
    km_none = _km_field(_l("Maximum km zonder opgegeven vervoer"))
    include_second_round = BooleanField(
        _l("Ook maken terwijl de tweede ronde nog loopt")
    )

    @classmethod
    def prefilled(cls, settings: Settings | None, include_second_round: bool = False):
        """A GET form with these settings (a rerun) or the defaults."""
        settings = settings or Settings()
        limits = {**DEFAULT_LIMITS_KM, **settings.limits_km}
        return cls(
            formdata=None,
            data=dict(
                order=settings.order.value,
                seed=settings.seed if settings.order == Order.LOTTERY else None,
                widen_provinces=settings.widen_provinces,
                km_fiets=round(limits["fiets"]),
                km_ebike=round(limits["ebike"]),
                km_ov=round(limits["ov"]),
                km_auto=round(limits["auto"]),
                km_none=round(settings.no_transport_km),
                include_second_round=include_second_round,
            ),
        )

    def settings(self) -> Settings:
        """The Settings these valid fields mean."""
        return Settings(
            limits_km={
                "fiets": float(self.km_fiets.data),
                "ebike": float(self.km_ebike.data),
                "ov": float(self.km_ov.data),
                "auto": float(self.km_auto.data),
            },
            no_transport_km=float(self.km_none.data),
            widen_provinces=bool(self.widen_provinces.data),
            order=Order(self.order.data),
            seed=self.seed.data if self.order.data == Order.LOTTERY.value else None,
        )


class SendProposalForm(FlaskForm):
    """The day until which the services may answer."""

    answer_day = BoundedDateField(
        _l("Antwoorden tot en met"),
        description=_l(
            "Diensten antwoorden tot 23.59 uur die dag; daarna vervalt het voorstel."
        ),
        validators=[InputRequired(REQUIRED)],
    )
