"""The small export screen: which format and, per role, which students (a GET form)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectField

from app.extensions import db
from app.formtools import choice_list
from app.models import School
from app.models.reference import PROVINCES
from app.schedule.timetable import all_terms

FORMATS = [
    ("csv_excel", _l("CSV voor Excel (puntkomma, opent met een dubbelklik in Excel)")),
    ("xlsx", _l("Excel (.xlsx) met echte datums en getallen")),
    ("csv", _l("CSV (komma, datums als jjjj-mm-dd) voor andere programma's")),
]
STATUS_CHOICES = [
    ("", _l("Alle")),
    ("open", _l("open")),
    ("aanvaard", _l("aanvaard")),
    ("gestopt", _l("gestopt")),
]


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a download link changes nothing

    format = RadioField(
        _l("Formaat"), choices=choice_list(FORMATS), default="csv_excel"
    )
    term = SelectField(_l("Stageperiode"), coerce=int, default=0)
    province = SelectField(
        _l("Provincie"),
        default="",
        choices=choice_list([("", _l("Alle")), *PROVINCES.items()]),
    )
    school = SelectField(_l("School"), coerce=int, default=0)
    status = SelectField(_l("Status"), default="", choices=choice_list(STATUS_CHOICES))

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.term.choices = choice_list(
            [(0, _l("Alle stageperiodes")), *((t.id, t.name) for t in all_terms())]
        )
        if role == "admin":
            schools = db.session.execute(
                select(School.id, School.name).order_by(School.name)
            ).all()
            self.school.choices = choice_list([(0, _l("Alle scholen")), *schools])
        else:
            for name in ("province", "school", "status"):
                delattr(self, name)
