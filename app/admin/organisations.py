"""VIVO's desk: schools and care services (ADM-1), and the care-services import.
Routes on the admin blueprint."""

import hmac

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from app.admin import organisation_logic as logic
from app.admin import queries, service_import
from app.admin.forms import (
    OrganisationFilterForm,
    SchoolForm,
    ServiceForm,
    ServiceImportForm,
)
from app.admin.routes import bp
from app.export import importer
from app.export.import_files import ImportProblem, file_kind
from app.extensions import db
from app.htmx import render_page_or_fragment, wants_fragment
from app.models import CareService, School
from app.schedule.timing import page_number
from app.security import roles_required

KEPT = "service_import"


def _list(model, page_template: str):
    filters = OrganisationFilterForm(request.args)
    filters.validate()
    args = {"search": filters.q.data or "", "status": filters.status.data or ""}
    if model is CareService:
        query = queries.services_query(province=filters.province.data or "", **args)
    else:
        query = queries.schools_query(**args)
    result = queries.paged(query, page_number(request.args.get("page")))
    logins = queries.logins_per_organisation(model, [o.id for o in result.items])
    return render_page_or_fragment(
        page_template,
        "admin/_organisation_table.html",
        filters=filters,
        result=result,
        logins=logins,
        model=model.__name__,
    )


@bp.get("/scholen")
@roles_required("admin")
def schools():
    """All schools: search, status filter, pages."""
    return _list(School, "admin/schools.html")


@bp.get("/diensten")
@roles_required("admin")
def services():
    """All care services: search, status and province filter, pages."""
    return _list(CareService, "admin/services.html")


def _form_page(form, organisation, kind: str):
    return render_template(
        "admin/organisation_form.html", form=form, organisation=organisation, kind=kind
    )


@bp.route("/scholen/nieuw", methods=["GET", "POST"])
@roles_required("admin")
def new_school():
    """Create a school (CVO)."""
    return _edit_school(None)


@bp.route("/scholen/<int:school_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_school(school_id: int):
    """Edit a school's name, address and contact details."""
    return _edit_school(queries.school_or_404(school_id))


def _edit_school(school: School | None):
    form = SchoolForm(school=school)
    if form.validate_on_submit():
        school = logic.save_school(school, form.data)
        db.session.commit()
        flash(_("School %(name)s is bewaard.", name=school.name), "success")
        return redirect(url_for("admin.schools", q=school.name))
    return _form_page(form, school, "school")


@bp.route("/diensten/nieuw", methods=["GET", "POST"])
@roles_required("admin")
def new_service():
    """Create a care service."""
    return _edit_service(None)


@bp.route("/diensten/<int:service_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_service(service_id: int):
    """Edit a care service: province, type, address, capacity, enterprise number."""
    return _edit_service(queries.service_or_404(service_id))


def _edit_service(service: CareService | None):
    form = ServiceForm(service=service)
    if form.validate_on_submit():
        service = logic.save_service(service, form.data)
        db.session.commit()
        flash(_("Dienst %(name)s is bewaard.", name=service.name), "success")
        return redirect(url_for("admin.services", q=service.name))
    return _form_page(form, service, "service")


def _set_active(organisation, active: bool, list_endpoint: str):
    logic.set_active(organisation, active)
    db.session.commit()
    if active:
        flash(_("%(name)s is opnieuw actief.", name=organisation.name), "success")
    else:
        flash(
            _(
                "%(name)s is gedeactiveerd; de logins ervan kunnen niet meer aanmelden.",
                name=organisation.name,
            ),
            "success",
        )
    if wants_fragment():
        logins = queries.logins_per_organisation(type(organisation), [organisation.id])
        return render_template(
            "admin/_organisation_row.html",
            organisation=organisation,
            logins=logins,
            model=type(organisation).__name__,
            oob_flashes=True,
        )
    return redirect(url_for(list_endpoint))


@bp.post("/scholen/<int:school_id>/deactiveren")
@roles_required("admin")
def deactivate_school(school_id: int):
    """Deactivate a school: its logins can no longer log in; its data stays."""
    return _set_active(
        queries.school_or_404(school_id, lock=True), False, "admin.schools"
    )


@bp.post("/scholen/<int:school_id>/activeren")
@roles_required("admin")
def reactivate_school(school_id: int):
    """Reactivate a school."""
    return _set_active(
        queries.school_or_404(school_id, lock=True), True, "admin.schools"
    )


@bp.post("/diensten/<int:service_id>/deactiveren")
@roles_required("admin")
def deactivate_service(service_id: int):
    """Deactivate a service: no more logins, no longer a preference; placements stay."""
    return _set_active(
        queries.service_or_404(service_id, lock=True), False, "admin.services"
    )


@bp.post("/diensten/<int:service_id>/activeren")
@roles_required("admin")
def reactivate_service(service_id: int):
    """Reactivate a service."""
    return _set_active(
        queries.service_or_404(service_id, lock=True), True, "admin.services"
    )


# --- import ------------------------------------------------------------------------------


@bp.route("/diensten/import", methods=["GET", "POST"])
@roles_required("admin")
def import_services():
    """Upload a services file and see every line checked; nothing is saved yet."""
    form = ServiceImportForm()
    lines, problem, valid = None, None, False
    if form.validate_on_submit():
        raw = form.file.data.read(service_import.max_bytes() + 1)
        try:
            lines = service_import.read_lines(form.file.data.filename or "", raw)
            valid = service_import.check(lines)
        except ImportProblem as exc:
            problem = str(exc)
        importer.drop_upload(session.pop(KEPT, None))
        if valid:
            session[KEPT] = importer.keep_upload(
                file_kind(form.file.data.filename or "", raw), raw
            )
    return render_template(
        "admin/services_import.html",
        form=form,
        lines=lines,
        valid=valid,
        problem=problem,
        token=session.get(KEPT) if valid else None,
        change_list=service_import.change_list,
    )


@bp.post("/diensten/import/opslaan")
@roles_required("admin")
def save_service_import():
    """Save the previewed file, checked again: all lines or none."""
    token = request.form.get("token", "")
    kept = session.get(KEPT)
    upload = (
        importer.kept_upload(token)
        if kept and hmac.compare_digest(str(kept), token)
        else None
    )
    if upload is None:
        flash(_("De voorvertoning is verlopen. Kies het bestand opnieuw."), "error")
        return redirect(url_for("admin.import_services"))
    kind, raw = upload
    try:
        lines = service_import.read_lines(f"diensten.{kind}", raw)
        valid = service_import.check(lines)
    except ImportProblem:
        valid = False
    if not valid:
        flash(
            _(
                "Het bestand is niet meer geldig (gewijzigde gegevens?). Er werd niets bewaard."
            ),
            "error",
        )
        return redirect(url_for("admin.import_services"))
    created, updated, unchanged = service_import.save(lines)
    db.session.commit()
    importer.drop_upload(session.pop(KEPT, None))
    if unchanged:
        flash(
            _(
                "%(created)d diensten toegevoegd, %(updated)d bijgewerkt, %(unchanged)d ongewijzigd.",
                created=created,
                updated=updated,
                unchanged=unchanged,
            ),
            "success",
        )
    else:
        flash(
            _(
                "%(created)d diensten toegevoegd, %(updated)d bijgewerkt.",
                created=created,
                updated=updated,
            ),
            "success",
        )
    return redirect(url_for("admin.services"))


@bp.get("/diensten/sjabloon.<kind>")
@roles_required("admin")
def services_template(kind: str):
    """The empty import file, as CSV or XLSX."""
    if kind == "csv":
        body, mimetype = service_import.template_csv(), "text/csv; charset=utf-8"
    elif kind == "xlsx":
        body = service_import.template_xlsx()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f"attachment; filename=diensten-sjabloon.{kind}"
        },
    )


@bp.context_processor
def _organisation_names() -> dict:
    from app.models.reference import PROVINCES, SERVICE_KIND_LABELS

    return {
        "provinces": PROVINCES,
        "service_kinds": SERVICE_KIND_LABELS,
        "organisation_label": queries.organisation_label,
    }


@bp.app_template_filter("enterprise_number")
def _enterprise_number(digits: str | None) -> str:
    from app.admin.forms import format_enterprise_number

    return format_enterprise_number(digits)
