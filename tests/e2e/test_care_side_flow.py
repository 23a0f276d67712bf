"""A care service in the browser: mentors edited in their row, "Mijn stagiairs" that
filters itself when another term is chosen, a clash shown before accepting."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    make_mentor,
    make_placement,
    make_service,
    make_student,
    make_term,
    make_user,
)

LINDE = "onthaal@delinde.example"


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Paswoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def open_menu(page: Page, item: str) -> None:
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name=item).click()
    expect(menu.get_by_role("link", name=item)).to_have_attribute(
        "aria-current", "page"
    )


def _linde_with_trainees():
    from app.models import utcnow

    linde = make_service(province="ANT", name="WZC De Linde")
    make_user("service", organisation=linde, email=LINDE)
    nina = make_mentor(linde, name="Nina Mentor")
    recent = make_term(name="Voorjaar")
    older = make_term(name="Najaar", now=utcnow() - timedelta(days=300))
    make_placement(
        make_student(term=recent, first_name="Sara"), service=linde, mentor=nina
    )
    make_placement(
        make_student(term=older, first_name="Tom"), service=linde, mentor=nina
    )


def test_a_service_edits_a_mentor_in_its_row(page: Page, seed):
    seed(_linde_with_trainees)
    log_in(page, LINDE)
    open_menu(page, "Stagementoren")
    row = page.get_by_role("row", name=re.compile("Nina Mentor"))
    row.get_by_role("button", name="Bewerken Nina Mentor").click()
    table = page.get_by_role("table", name="Stagementoren")
    table.get_by_label("Naam").fill("Nina Maes")
    table.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("row", name=re.compile("Nina Maes"))).to_be_visible()
    expect(page.get_by_text("Stagementor Nina Maes bijgewerkt.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/dienst/mentoren$"))  # no page change


def test_my_trainees_follow_the_chosen_term_without_a_click(page: Page, seed):
    seed(_linde_with_trainees)
    log_in(page, LINDE)
    open_menu(page, "Mijn stagiairs")
    expect(page.get_by_text("1 aanvaarde periode", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Sara"))).to_be_visible()
    page.get_by_label("Stageperiode").select_option(label="Alle stageperiodes")
    expect(page.get_by_text("2 aanvaarde periodes", exact=True)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Stageperiode")).to_be_visible()
    expect(page).to_have_url(re.compile(r"term=alle"))
