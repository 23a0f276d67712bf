"""Error pages without stack traces; htmx-aware answers for login and CSRF failures."""

import logging

from flask import Flask, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import login_manager
from app.htmx import is_htmx
from app.security import log_context

log = logging.getLogger("stagematching.access")

MESSAGES = {
    400: "De aanvraag kon niet verwerkt worden.",
    403: "Je hebt geen toegang tot deze pagina.",
    404: "Deze pagina bestaat niet (meer).",
    405: "Deze actie is hier niet mogelijk.",
    413: "Het bestand is te groot.",
    429: "Te veel pogingen. Wacht even en probeer het daarna opnieuw.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw of contacteer de helpdesk.",
}


def init_app(app: Flask) -> None:
    """Register the handlers."""
    from app.formtools import read_uploads_only_into_file_fields, refuse_nul_characters

    # Bad input never answers 500: a text field posted as a file is a missing value, and a
    # NUL character (which PostgreSQL cannot store) a 400.
    read_uploads_only_into_file_fields()
    app.before_request(refuse_nul_characters)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    login_manager.unauthorized_handler(_unauthorized)


def _page(code: int):
    message = _(MESSAGES.get(code, MESSAGES[400]))
    return make_response(
        render_template("errors/page.html", code=code, message=message), code
    )


def _http_error(error: HTTPException):
    if error.code in (401, 403):
        log.warning("access refused: %s %s", error.code, log_context())
    return _page(error.code or 500)


def _csrf_error(error: CSRFError):
    log.warning("csrf failure: %s %s", error.description, log_context())
    response = _page(400)
    if is_htmx():
        response.headers["HX-Refresh"] = "true"
    return response


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error on %s", request.endpoint)
    from app.extensions import db

    db.session.rollback()
    return _page(500)


def _unauthorized():
    """Anonymous user on a protected page: to login (HX-Redirect for htmx)."""
    target = url_for(
        "auth.login",
        next=request.full_path.rstrip("?") if request.method == "GET" else None,
    )
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
