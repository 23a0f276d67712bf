"""Error pages without stack traces; htmx-aware answers for login and CSRF failures."""

import logging

from flask import (
    Flask,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import login_manager
from app.htmx import is_htmx
from app.security import log_context

log = logging.getLogger("stagematching.access")

# Literals inside _l(): a message handed to gettext as a variable is never extracted, and
# so never translated.
MESSAGES = {
    400: _l("De aanvraag kon niet verwerkt worden."),
    403: _l("Je hebt geen toegang tot deze pagina."),
    404: _l("Deze pagina bestaat niet (meer)."),
    405: _l("Deze actie is hier niet mogelijk."),
    413: _l("Het bestand is te groot."),
    429: _l("Te veel pogingen. Wacht even en probeer het daarna opnieuw."),
    500: _l(
        "Er ging iets mis aan onze kant. Probeer het later opnieuw of contacteer de helpdesk."
    ),
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
    message = str(MESSAGES.get(code, MESSAGES[400]))
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
    if _database_unreachable(error):
        return _database_down(error)
    log.exception("unhandled error on %s", request.endpoint)
    from app.extensions import db

    db.session.rollback()
    return _page(500)


OUTAGE_SIGNS = (
    "connection",  # refused, failed, closed, reset, timeout (PostgreSQL)
    "server closed",
    "could not connect",
    "terminating",
    "the database system is",  # starting up, shutting down, in recovery
    "database is locked",
    "unable to open database",
    "disk i/o error",
    "readonly database",
)


def _database_unreachable(error: Exception) -> bool:
    """The database went away (connection refused, dropped or timed out), as opposed to a
    bug: the pool throws such connections away and checks new ones before use."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, InterfaceError):
        return True
    # An OperationalError is also how SQLite reports some bugs ("LIKE or GLOB pattern too
    # complex"): only those about reaching the database count as an outage.
    text = str(getattr(error, "orig", error)).lower()
    return isinstance(error, OperationalError) and any(
        sign in text for sign in OUTAGE_SIGNS
    )


def _database_down(error: Exception):
    """503 and a page that reads nothing from the database; the transaction is given up."""
    from app.extensions import db

    # With the traceback in the log: an OperationalError can also be a bug (SQLite).
    log.error("database unreachable on %s", request.endpoint, exc_info=error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        db.session.remove()
    # Rendered without the context processors: they would load the user from the database.
    page = current_app.jinja_env.get_template("errors/unavailable.html").render()
    response = make_response(page, 503)
    response.headers["Retry-After"] = "10"
    if is_htmx():  # htmx swaps no error answer: reload, so the page itself says it
        response.headers["HX-Refresh"] = "true"
    return response


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
