"""SECURITY 28 in the browser: the database goes away while a coordinator works in the overview.

htmx swaps no error answer, so a 503 alone would leave the page as it was and the search
silently dead. The app answers an htmx request during an outage with `HX-Refresh`: the browser
reloads and the page itself says "probeer zo meteen opnieuw"; once the database is back, the
same page works again without a restart.
"""

import sqlite3

from playwright.sync_api import Page, expect
from sqlalchemy import event

from tests.factories import (
    PASSWORD,
    make_school,
    make_student,
    make_supervisor,
    make_term,
    make_user,
)

COORDINATOR = "coordinator@cvo.example"
DOWN = "Stagematching is even niet bereikbaar."


class Outage:
    """Every statement of the live app fails as when the database file cannot be read."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.failed = 0

    def _fail(self, cursor, statement, parameters, context):
        self.failed += 1
        raise sqlite3.OperationalError("disk I/O error")

    def __enter__(self):
        event.listen(self.engine, "do_execute", self._fail)
        event.listen(self.engine, "do_execute_no_params", self._fail)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "do_execute", self._fail)
        event.remove(self.engine, "do_execute_no_params", self._fail)


def test_sec_28_an_htmx_search_during_an_outage_shows_the_503_page_and_works_after(
    page: Page, seed, live_server
):
    from app.extensions import db

    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        term = make_term(name="Voorjaar")
        supervisor = make_supervisor(school, name="An Begeleider")
        for last_name in ("Janssens", "Peeters"):
            make_student(
                school, term, supervisor, first_name="Sara", last_name=last_name
            )

    seed(build)
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(COORDINATOR)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Overzicht stageaanvragen"
    ).click()
    search = page.get_by_label("Zoek op naam")
    expect(page.get_by_role("link", name="Peeters, Sara")).to_be_visible()

    with live_server.app.app_context():
        engine = db.engine
    with Outage(engine) as outage:
        search.fill("Janssens")  # an htmx request, answered 503 with HX-Refresh
        expect(page.get_by_role("heading", name=DOWN)).to_be_visible()
        expect(page.get_by_text("Probeer zo meteen opnieuw.")).to_be_visible()
        assert outage.failed >= 2  # the search and the reload both met the outage
    assert page.get_by_role("link", name="Peeters, Sara").count() == 0

    page.reload()
    expect(page.get_by_role("heading", name=DOWN)).to_have_count(0)
    expect(page.get_by_role("link", name="Peeters, Sara")).to_be_visible()
    search = page.get_by_label("Zoek op naam")
    search.fill("Janssens")
    expect(page.get_by_role("link", name="Peeters, Sara")).to_have_count(0)
    expect(page.get_by_role("link", name="Janssens, Sara")).to_be_visible()

    # The outage was logged as such, and nothing else went wrong.
    messages = {record.getMessage().split(" on ")[0] for record in live_server.errors}
    assert messages == {"database unreachable"}
    live_server.errors.clear()
