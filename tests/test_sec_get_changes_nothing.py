"""SECURITY 7 (second half): no state changes on GET.

Every GET rule of `app.url_map`, requested by every role allowed to use it with REAL ids of its
own tenant (and real activation and reset tokens), as a page and as an htmx request, and the
lists also with each term of the world chosen, changes no row of any table. The one exception
is the audit log: a view of personal data or an export is an audit event (SECURITY 23), so
audit_event may grow, but no row already in it changes or goes.

Today's walk in tests/test_access.py uses id 999999, which reaches no page with data: this one
reaches the pages themselves (each id rule answers 200 at least once).
"""

import pytest

from tests.test_access import EXPECTED
from tests.test_sec_01_cross_tenant import (
    allowed,
    build_world,
    changes,
    id_arguments,
    log_in,
    other_arguments,
    snapshot,
    urls,
    visit,
)


def get_requests(app, world, role: str):
    """(endpoint, url, headers) of every GET the role may make, with its own real ids."""
    own = world.own.get(role, {})
    candidates = {**other_arguments(world), **own}
    lists = [""] + [f"?term={term_id}" for term_id in world.every["term_id"]]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if not allowed(rule.endpoint, role):
            continue
        names = id_arguments(rule)
        missing = [name for name in names if name not in own]
        assert not missing, f"{rule.endpoint}: which {missing} may a {role} use?"
        queries = [""] if names else lists
        if rule.endpoint == "export.download":
            queries = [f"?format={f}" for f in ("csv_excel", "xlsx", "csv")]
        for url in urls(rule, candidates):
            for query in queries:
                yield rule.endpoint, url + query, {}
            yield rule.endpoint, url, {"HX-Request": "true"}


@pytest.mark.parametrize("role", ["anonymous", "admin", "school", "service"])
def test_sec_07_no_get_route_changes_a_row(app, role):
    world = build_world(app)
    client = log_in(app, world, role)
    before = snapshot(app)
    reached, errors = set(), []
    for endpoint, url, headers in get_requests(app, world, role):
        response = visit(client, url, headers=headers)
        if response.status_code >= 500:
            errors.append((url, headers, response.status_code))
        if response.status_code == 200:
            reached.add(endpoint)
    after = snapshot(app)
    assert errors == []
    # Nothing changed but the audit log, and in it nothing already written.
    assert changes(before, after, ignore=("audit_event",)) == {}
    assert after["audit_event"][: len(before["audit_event"])] == before["audit_event"]
    # The walk reached every id rule of the role with a real id (not only its 404 page).
    id_rules = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if id_arguments(rule)
        and "GET" in rule.methods
        and allowed(rule.endpoint, role)
        and rule.endpoint != "static"
    }
    assert id_rules - reached == set()
    # The tokens were shown, not used: activation and reset links still work afterwards.
    for token_url in ("/activeer/", "/paswoord-herstellen/"):
        token = world.tokens["activate" if "activeer" in token_url else "reset"]
        assert visit(app.test_client(), token_url + token).status_code == 200


def test_sec_07_the_walk_covers_the_data_pages(app):
    """Guard against a walk that silently shrinks: the pages with personal data are in it."""
    world = build_world(app)
    walked = {
        role: {endpoint for endpoint, _, _ in get_requests(app, world, role)}
        for role in ("anonymous", "admin", "school", "service")
    }
    assert {"auth.activate", "auth.reset_password", "main.help_page"} <= walked[
        "anonymous"
    ]
    assert {
        "admin.helpdesk_student",
        "admin.helpdesk_service_request",
        "schedule.withdraw_placement",
        "admin.audit_log_export",
        "export.download",
    } <= walked["admin"]
    assert {"students.show", "students.edit", "export.download"} <= walked["school"]
    assert {"placements.show", "placements.trainees", "export.download"} <= walked[
        "service"
    ]
    # every endpoint with a GET is walked by at least one role
    gets = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    }
    assert gets - set().union(*walked.values()) == set()
    assert set(EXPECTED) >= gets
