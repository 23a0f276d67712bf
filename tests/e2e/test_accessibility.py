"""WCAG 2.1 AA on every page of every role (NF-2), checked by axe-core in the browser.

The live app holds the demo data (`flask demo-data`). Each role logs in and opens every GET
page of the app's URL map that it may reach (tests/test_access.py's EXPECTED), with real ids
of its own objects; then the states htmx and a refused POST bring: a form with errors, an
inline edit row, a filtered list, a confirmation page. Every axe rule that is on by default
must find nothing, of any impact; a failure lists the violations by page, rule and element.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import check, report
from tests.e2e.demo_site import LOGINS, demo_fixture, log_in, role_pages  # noqa: F401


def walk(page: Page, paths: list[str], found: dict) -> None:
    for path in paths:
        response = page.goto(path)
        assert response.ok, (path, response.status)
        check(page, path, found)


@pytest.mark.parametrize("width", [1366, 390], ids=["laptop", "phone"])
@pytest.mark.parametrize("role", ["school", "service", "admin"])
def test_every_page_of_a_role_has_no_axe_violations(
    page, live_server, demo, role, width
):
    """At a laptop's width and a phone's: on a phone wide tables scroll in their box,
    which must then be reachable with the keyboard (scrollable-region-focusable)."""
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, role)
    paths = role_pages(live_server.app, role, demo)
    assert len(paths) >= 5
    found: dict[str, list[dict]] = {}
    walk(page, paths, found)
    assert not found, "axe violations:\n" + report(found)


def test_the_anonymous_pages_have_no_axe_violations(page, live_server, demo, mailbox):
    found: dict[str, list[dict]] = {}
    walk(page, ["/login", "/paswoord-vergeten", "/hulp"], found)
    # A refused login and the set-password page of a real reset link.
    page.goto("/login")
    page.get_by_role("button", name="Inloggen").click()
    check(page, "/login (refused)", found)
    page.goto("/paswoord-vergeten")
    page.get_by_label("E-mailadres").fill(LOGINS["school"])
    page.get_by_role("button", name=re.compile("verstuur|stuur", re.I)).click()
    check(page, "/paswoord-vergeten (sent)", found)
    page.goto(mailbox.link_for(LOGINS["school"]))
    check(page, "/paswoord-herstellen/<token>", found)
    page.get_by_role("button").last.click()
    check(page, "/paswoord-herstellen/<token> (refused)", found)
    assert not found, "axe violations:\n" + report(found)


# --- the states htmx and a refused POST bring ---------------------------------------------


def problem(page: Page):
    """The error summary of a refused form."""
    return page.get_by_role("alert").filter(has_text="Er is een probleem")


def refuse(
    page: Page, path: str, button: str, found: dict, clear: str = "", show: str = ""
) -> None:
    """Open `path` (and the folded form behind the button `show`), send the form empty (or
    with the field labelled `clear` emptied), and check the refused form."""
    page.goto(path)
    if show:
        page.get_by_role("button", name=show).click()
    if clear:
        page.get_by_label(clear).fill("")
    page.get_by_role("button", name=button, exact=True).first.click()
    expect(problem(page)).to_be_visible()
    check(page, f"{path} (refused)", found)


def test_the_school_states_have_no_axe_violations(page, demo):
    log_in(page, "school")
    found: dict[str, list[dict]] = {}
    refuse(page, "/studenten/nieuw", "Opslaan en volgende", found)
    edit = f"/studenten/{demo['student']}/bewerken"
    refuse(page, edit, "Opslaan en sluiten", found, clear="Voornaam")
    refuse(
        page, "/begeleiders", "Stage-/werkplekbegeleider toevoegen", found
    )  # swapped by htmx

    # The inline edit row of a supervisor, then the row refused.
    page.goto("/begeleiders")
    page.get_by_role("button", name=re.compile("^Bewerken")).first.click()
    row = page.get_by_role("row").filter(has=page.get_by_role("button", name="Opslaan"))
    expect(row).to_be_visible()
    check(page, "/begeleiders (edit row)", found)
    row.get_by_label("Naam").fill("")
    row.get_by_role("button", name="Opslaan").click()
    expect(problem(page)).to_be_visible()
    check(page, "/begeleiders (edit row refused)", found)

    # The overview searched through htmx.
    page.goto("/studenten")
    page.get_by_label("Zoek op naam").fill("a")
    page.wait_for_url(re.compile(r"q=a"))
    check(page, "/studenten?q=a (htmx)", found)
    assert not found, "axe violations:\n" + report(found)


def test_the_service_states_have_no_axe_violations(page, demo):
    log_in(page, "service")
    found: dict[str, list[dict]] = {}
    request = f"/dienst/aanvragen/{demo['open_request']}"
    refuse(page, request, "Aanvaarden", found)
    refuse(page, request, "Weigeren", found)
    refuse(page, "/dienst/mentoren", "Stagementor toevoegen", found)

    # The request list filtered through htmx.
    page.goto("/dienst/aanvragen")
    page.get_by_label("Stagevorm").select_option(index=1)
    page.wait_for_url(re.compile(r"vorm="))
    check(page, "/dienst/aanvragen?vorm= (htmx)", found)

    # The confirmation page of a withdrawal.
    page.goto("/dienst/stagiairs")
    page.get_by_role("button", name=re.compile("intrekken", re.I)).first.click()
    expect(page.get_by_role("button", name=re.compile("^Ja", re.I))).to_be_visible()
    check(page, "withdraw (confirmation)", found)
    assert not found, "axe violations:\n" + report(found)


def test_the_admin_states_have_no_axe_violations(page, demo):
    log_in(page, "admin")
    found: dict[str, list[dict]] = {}
    refuse(page, "/admin/logins", "Uitnodigen", found, show="Nieuwe login uitnodigen")
    refuse(page, "/admin/scholen/nieuw", "Bewaren", found)
    refuse(page, "/stageperiodes/nieuw", "Opslaan", found)
    refuse(page, "/late-ingave", "Toekennen", found, show="Late ingave toekennen")
    refuse(
        page,
        f"/stageperiodes/plaatsingen/{demo['any_placement']}/intrekken",
        "Ja, trek de aanvaarding in",
        found,
    )

    # Lists filtered through htmx.
    page.goto("/admin/scholen")
    page.get_by_label("Zoek").fill("cvo")
    page.wait_for_url(re.compile(r"q=cvo"))
    check(page, "/admin/scholen?q=cvo (htmx)", found)
    assert not found, "axe violations:\n" + report(found)
