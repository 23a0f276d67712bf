"""Exports for every role (R-EXP): the scope comes from the login, never from the request."""

import os
import re
import unicodedata

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_login import current_user

from app import audit
from app.export import queries, writers
from app.export.columns import HEADERS
from app.export.forms import ExportForm
from app.extensions import db
from app.models import School, Term, utcnow
from app.schedule.clock import local_date
from app.security import roles_required

bp = Blueprint("export", __name__)
ROLES = ("admin", "school", "service")


@bp.get("")
@roles_required(*ROLES)
def index():
    """Pick a format (and, for VIVO, the students) for the export (EXP-1..4)."""
    form = ExportForm(request.args, role=current_user.role)
    return render_template("export/index.html", form=form)


@bp.get("/bestand")
@roles_required(*ROLES)
def download():
    """The file, streamed while it is written; an audit event says who took what."""
    form = ExportForm(request.args, role=current_user.role)
    if not form.validate():
        return render_template("export/index.html", form=form)
    scope = _scope(form)
    rows = queries.count(scope)
    # Committed before a byte is sent (SECURITY.md 23); the file is then read in a read
    # transaction of its own, beside any writer.
    audit.commit_view(
        "export.downloaded",
        detail=f"{_describe(scope)} format={form.format.data} rows={rows}",
    )
    name = _file_name(scope, form.format.data)
    if form.format.data == "xlsx":
        return _xlsx_response(scope, name)
    flavour = (
        writers.EXCEL_CSV if form.format.data == "csv_excel" else writers.PLAIN_CSV
    )
    body = stream_with_context(
        writers.csv_chunks(HEADERS, queries.rows(scope), flavour)
    )
    response = Response(body, mimetype=flavour.mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


def _xlsx_response(scope: queries.Scope, name: str):
    path = writers.xlsx_file(queries.rows(scope))
    # Unlinked at once: the open file stays readable until the server closes it after sending.
    file = open(path, "rb")  # noqa: SIM115 - closed by the WSGI server
    os.remove(path)
    return send_file(
        file, mimetype=writers.XLSX_MIMETYPE, as_attachment=True, download_name=name
    )


def _scope(form: ExportForm) -> queries.Scope:
    """The students this login may take: its school's, its accepted ones, or VIVO's choice."""
    term_id = form.term.data or None
    if current_user.role == "school":
        return queries.Scope(school_id=current_user.school_id, term_id=term_id)
    if current_user.role == "service":
        return queries.Scope(
            care_service_id=current_user.care_service_id, term_id=term_id
        )
    return queries.Scope(
        school_id=form.school.data or None,
        term_id=term_id,
        province=form.province.data,
        status=form.status.data,
    )


def _describe(scope: queries.Scope) -> str:
    if scope.for_service:
        who = f"service={scope.care_service_id}"
    elif current_user.role == "school":
        who = f"school={scope.school_id}"
    else:
        who = f"admin school={scope.school_id or 'all'} province={scope.province or 'all'} status={scope.status or 'all'}"
    return f"{who} term={scope.term_id or 'all'}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "x"


def _file_name(scope: queries.Scope, file_format: str) -> str:
    """stagematching-<who>-<term>-<date>.<ext>: the name says what the file holds."""
    if scope.for_service:
        who = _slug(current_user.care_service.name) + "-stagiairs"
    elif scope.school_id:
        who = _slug(db.session.get(School, scope.school_id).name)
    else:
        who = "-".join(
            ["alle-scholen", *(_slug(v) for v in (scope.province, scope.status) if v)]
        )
    term = (
        _slug(db.session.get(Term, scope.term_id).name)
        if scope.term_id
        else "alle-stageperiodes"
    )
    extension = "xlsx" if file_format == "xlsx" else "csv"
    return f"stagematching-{who}-{term}-{local_date(utcnow()):%Y-%m-%d}.{extension}"
