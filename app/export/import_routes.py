"""A school imports its requests from a file (EXP-5): the template, the preview, the save."""

import hmac
from io import BytesIO

from flask import Blueprint, abort, flash, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.exc import IntegrityError

from app.export import import_files, importer
from app.export.import_files import ImportProblem
from app.extensions import db
from app.htmx import hx_redirect, is_htmx, render_page_or_fragment
from app.models import Term, utcnow
from app.schedule.timetable import chosen_term, intake_window
from app.security import roles_required
from app.supervisors.queries import school_supervisors

bp = Blueprint("imports", __name__)
KEPT = "import"  # the session key of the checked file waiting for "Importeer"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    file = FileField(
        _l("Bestand (CSV of Excel)"),
        description=_l(
            "In de kolommen van het sjabloon of van een export; een rij per student."
        ),
        validators=[FileRequired(_l("Kies een bestand."))],
    )


def _term() -> Term:
    _terms, term = chosen_term(
        request.args.get("term", type=int), current_user.school_id
    )
    if term is None:
        abort(404)
    return term


@bp.route("", methods=["GET", "POST"])
@roles_required("school")
def upload():
    """Upload a file of requests and see every row checked; nothing is saved yet (EXP-5)."""
    term = _term()
    window = intake_window(term, current_user.school_id, utcnow())
    form = ImportForm()
    check, problem = None, None
    if request.method == "POST" and not window.open:
        problem = window.message
    elif form.validate_on_submit():
        check, problem = _check_upload(form.file.data, term)
    elif form.file.errors:
        problem = " ".join(str(error) for error in form.file.errors)
    return _render(term, window, form, check, problem)


@bp.post("/opslaan")
@roles_required("school")
def save():
    """Save every row of the checked file in one transaction, or show why not (EXP-5)."""
    term = _term()
    window = intake_window(term, current_user.school_id, utcnow())
    upload, check, problem = _kept(term), None, None
    if not window.open:
        problem = window.message
    elif upload is None:
        problem = _("Deze voorvertoning is verlopen. Laad het bestand opnieuw op.")
    else:
        check = importer.check_file(*upload, term, current_user.school_id)
        if check.all_valid and _save(check, term):
            return hx_redirect(url_for("students.overview", term=term.id))
    return _render(term, window, ImportForm(formdata=None), check, problem)


@bp.get("/sjabloon.csv", defaults={"kind": "csv"})
@bp.get("/sjabloon.xlsx", defaults={"kind": "xlsx"})
@roles_required("school")
def template(kind: str):
    """The empty template: the request columns and one example row (EXP-5)."""
    supervisors = school_supervisors(current_user.school_id)
    values = import_files.template_values(
        _term(), supervisors[0] if supervisors else None
    )
    if kind == "xlsx":
        body, mimetype = import_files.template_xlsx(values), XLSX_MIMETYPE
    else:
        body, mimetype = import_files.template_csv(values), "text/csv; charset=utf-8"
    return send_file(
        BytesIO(body),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"stagematching-sjabloon.{kind}",
    )


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """A refused form (a new session since the page was opened): the import page again with a
    fresh form and a message, instead of a silent reload that loses the chosen file."""
    from app.errors import _csrf_error

    if not current_user.is_authenticated or current_user.role != "school":
        return _csrf_error(error)
    term = _term()
    window = intake_window(term, current_user.school_id, utcnow())
    problem = _(
        "De pagina was verlopen; er werd niets gecontroleerd of opgeslagen. Kies het bestand opnieuw als dat nodig is en klik nog eens op ‘Controleer het bestand’."
    )
    body = _render(term, window, ImportForm(formdata=None), None, problem)
    if (
        is_htmx()
    ):  # htmx swaps only a 2xx answer; the new token replaces the form's old one
        token = ImportForm(formdata=None).csrf_token
        return body + str(token(**{"hx-swap-oob": "true"})), 200
    return body, 400


def _check_upload(storage, term: Term):
    """(check, None) for a readable file, (None, message) for one that cannot be used."""
    max_bytes, _rows = import_files.limits()
    raw = storage.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        megabytes = "%g" % (max_bytes / 1024 / 1024)
        return None, _(
            "Het bestand is groter dan %(mb)s MB. Verdeel de studenten over meer bestanden.",
            mb=megabytes,
        )
    try:
        kind = import_files.file_kind(storage.filename or "", raw)
        check = importer.check_file(kind, raw, term, current_user.school_id)
    except ImportProblem as problem:
        return None, str(problem)
    importer.drop_upload(session.pop(KEPT, {}).get("token"))
    if check.all_valid:
        session[KEPT] = {"token": importer.keep_upload(kind, raw), "term": term.id}
    return check, None


def _kept(term: Term) -> tuple[str, bytes] | None:
    """The checked file the preview showed, if the posted token is this session's."""
    kept = session.get(KEPT) or {}
    token = request.form.get("token", "")
    if kept.get("term") != term.id or not hmac.compare_digest(
        str(kept.get("token", "")), token
    ):
        return None
    return importer.kept_upload(token)


def _save(check: importer.Check, term: Term) -> bool:
    """Commit all rows; False (nothing saved) when a colleague entered one of them meanwhile."""
    students = importer.import_students(check, term, current_user.school_id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        importer.check_rows(check.rows, term, current_user.school_id)  # now shows who
        return False
    importer.drop_upload(session.pop(KEPT, {}).get("token"))
    flash(
        ngettext(
            "%(num)d stageaanvraag geïmporteerd.",
            "%(num)d stageaanvragen geïmporteerd.",
            len(students),
        ),
        "success",
    )
    return True


def _render(term, window, form, check, problem):
    return render_page_or_fragment(
        "imports/upload.html",
        "imports/_preview.html",
        term=term,
        window=window,
        form=form,
        check=check,
        problem=problem,
        token=(session.get(KEPT) or {}).get("token"),
        limits=import_files.limits(),
    )
