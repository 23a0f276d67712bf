"""SECURITY 6-7: with CSRF protection on, every POST rule of `app.url_map`, posted by a role
allowed to use it (with real ids of its own tenant and a form that would otherwise succeed):

- without a token answers 400, as a plain form post and as an htmx request, and changes
  nothing stored;
- with only the `X-CSRFToken` header that htmx sends (the token of `<body hx-headers>`) it is
  accepted: the answer is neither 400 nor a lost session (401, 403).

tests/test_csrf.py proves this for the login form and one admin form; this walk proves it for
every POST rule, so that a new route or a `csrf.exempt` cannot slip through.
"""

import pytest

from tests.test_access import EXPECTED, PUBLIC
from tests.test_csrf import form_token, header_token
from tests.test_sec_01_cross_tenant import (
    ID_ARGUMENT,
    allowed,
    bindings,
    build_world,
    changes,
    fill,
    other_arguments,
    payload,
    snapshot,
    visit,
    walker_email,
)
from tests.factories import PASSWORD

ROLES = ("anonymous", "admin", "school", "service")
HTMX = {"HX-Request": "true"}

# The import screen's own CSRF handler (app/export/import_routes.py) answers an htmx post
# without a valid token with 200 and the import page again, saying nothing was checked or
# saved (htmx swaps only a 2xx answer, and the chosen file would be lost on a reload).
# A plain post there answers 400 as everywhere.
HTMX_REFUSED_WITH_200 = {"imports.upload", "imports.save"}
IMPORT_REFUSAL = "er werd niets gecontroleerd of opgeslagen"


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


def log_in_with_token(app, world, role: str):
    """A client of the role's walker, logged in through the form with its CSRF token."""
    client = app.test_client()
    if role != "anonymous":
        token = form_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={
                "email": walker_email(world, role),
                "password": PASSWORD,
                "csrf_token": token,
            },
        )
        assert response.status_code == 302, response.text
    return client


def post_requests(app, world, role: str):
    """(endpoint, url, form) of every POST the role may make, with its own real ids; logout
    last, since it ends the session of the walk."""
    own = world.own.get(role, {})
    candidates = {**other_arguments(world), **own}
    rules = sorted(
        app.url_map.iter_rules(),
        key=lambda r: (r.endpoint == "auth.logout", r.rule),
    )
    for rule in rules:
        if "POST" not in rule.methods or not allowed(rule.endpoint, role):
            continue
        if role == "anonymous" and EXPECTED[rule.endpoint] != PUBLIC:
            continue
        names = ID_ARGUMENT.findall(rule.rule)
        missing = [name for name in names if name not in candidates]
        assert not missing, f"{rule.endpoint}: which {missing} may a {role} use?"
        for values in bindings(rule, candidates):
            yield (
                rule.endpoint,
                fill(rule, values),
                payload(rule.endpoint, values, world),
            )


@pytest.mark.parametrize("role", ROLES)
def test_sec_06_every_post_without_a_token_answers_400(app, role):
    world = build_world(app)
    client = log_in_with_token(app, world, role)
    before = snapshot(app)
    wrong, posted = [], set()
    for endpoint, url, form in post_requests(app, world, role):
        posted.add(endpoint)
        for headers in ({}, HTMX):
            response = visit(client, url, "POST", data=form, headers=headers)
            if headers and endpoint in HTMX_REFUSED_WITH_200:
                refused = (
                    response.status_code == 200 and IMPORT_REFUSAL in response.text
                )
            else:
                refused = response.status_code == 400
                if headers and refused:
                    # htmx is told to reload the page for a fresh token
                    refused = response.headers.get("HX-Refresh") == "true"
            if not refused:
                wrong.append((url, headers, response.status_code))
    assert not wrong, "(url, headers, status) not refused:\n" + "\n".join(
        map(str, wrong)
    )
    assert changes(before, snapshot(app)) == {}
    # still logged in: a refused post does not end the session
    if role != "anonymous":
        assert visit(client, "/start").status_code == 200
    assert posted, "no POST rule walked"
    assert posted >= {"auth.login", "auth.logout", "main.set_language"}


@pytest.mark.parametrize("role", ROLES)
def test_sec_07_every_post_with_only_the_htmx_header_token_is_accepted(app, role):
    world = build_world(app)
    client = log_in_with_token(app, world, role)
    token = header_token(
        visit(client, "/login" if role == "anonymous" else "/start").text
    )
    wrong, posted = [], set()
    for endpoint, url, form in post_requests(app, world, role):
        posted.add(endpoint)
        headers = {**HTMX, "X-CSRFToken": token}
        response = visit(client, url, "POST", data=form, headers=headers)
        # accepted: neither the CSRF refusal nor a lost session (401 or 403)
        if response.status_code in (400, 401, 403) or IMPORT_REFUSAL in response.text:
            wrong.append((url, response.status_code))
    assert not wrong, "(url, status) refused with the header token:\n" + "\n".join(
        map(str, wrong)
    )
    assert "auth.logout" in posted


def test_sec_06_the_walk_covers_every_post_rule(app):
    """Every POST rule is posted by at least one role (a new route cannot be left out)."""
    world = build_world(app)
    posted = {
        endpoint for role in ROLES for endpoint, _, _ in post_requests(app, world, role)
    }
    every = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert every - posted == set()
