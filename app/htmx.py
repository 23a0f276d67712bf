"""Helpers for serving a whole page or, to a targeted htmx request, only its fragment."""

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """True for a targeted htmx request; false for boosted and history-restore requests."""
    return (
        is_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(
    page_template: str, fragment_template: str, /, **context
) -> str:
    """Render the fragment for htmx, the full page (which includes it) otherwise."""
    return render_template(
        fragment_template if wants_fragment() else page_template, **context
    )


def hx_redirect(url: str) -> Response:
    """Navigate the browser: HX-Redirect for htmx, a 303 for a plain form post."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    response = make_response("", 303)
    response.headers["Location"] = url
    return response


def fragment_with_flashes(template: str, **context) -> str:
    """A fragment plus the pending flash messages, swapped out-of-band into #flashes."""
    return render_template(template, **context) + render_template("_oob_flashes.html")
