"""The school side's rough edges of issue 12, in the browser: the preference list follows
the province, a language chosen on the login page survives the login, a stop is undone."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_school_flow import (
    COORDINATOR,
    a_coordinator,
    expect_message,
    log_in,
)
from tests.factories import (
    PASSWORD,
    make_placement,
    make_service,
    make_student,
    make_user,
)


def services_in_two_provinces(seed) -> None:
    def build():
        make_service(province="ANT", name="WZC Antwerpen Noord")
        make_service(province="LIM", name="WZC Hasselt Zuid")

    seed(build)


def offered(page: Page) -> list[str]:
    """The labels in the Voorkeursdienst list."""
    return page.get_by_label("Voorkeursdienst").locator("option").all_inner_texts()


def test_the_preference_list_follows_the_chosen_province(page, seed):
    a_coordinator(seed, "An Peeters")
    services_in_two_provinces(seed)
    log_in(page)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Stageaanvraag ingeven"
    ).click()
    preference = page.get_by_label("Voorkeursdienst")
    expect(preference.locator("option")).to_have_count(3)  # no province yet: all

    page.get_by_label("Provincie").select_option(label="Limburg")
    expect(preference.locator("option")).to_have_count(2)
    assert offered(page) == ["— geen voorkeur —", "WZC Hasselt Zuid"]
    preference.select_option(label="WZC Hasselt Zuid")

    page.get_by_label("Provincie").select_option(label="Antwerpen")
    expect(preference.locator("option", has_text="WZC Antwerpen Noord")).to_have_count(
        1
    )
    assert offered(page) == ["— geen voorkeur —", "WZC Antwerpen Noord"]
    expect(preference).to_have_value("0")  # the Limburg service is no longer chosen
    expect(preference).to_have_accessible_description(
        re.compile("Enkel diensten van de gekozen provincie")
    )


def test_a_postcode_that_suggests_a_province_filters_the_list_too(page, seed):
    a_coordinator(seed, "An Peeters")
    services_in_two_provinces(seed)
    log_in(page)
    page.goto("/studenten/nieuw")
    page.get_by_role("group", name="Verblijfadres").get_by_label("Postcode").fill(
        "3500"
    )
    expect(page.get_by_label("Provincie")).to_have_value("LIM")
    expect(page.get_by_label("Voorkeursdienst").locator("option")).to_have_count(2)
    assert offered(page) == ["— geen voorkeur —", "WZC Hasselt Zuid"]


def test_english_chosen_on_the_login_page_stays_after_logging_in(page, seed):
    a_coordinator(seed)
    page.goto("/login")
    page.get_by_role("button", name="EN (English)").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("E-mail address").fill(COORDINATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_stop_is_undone_from_the_student_page(page, seed, mailbox):
    term = a_coordinator(seed)

    def accepted_trainee():
        from app.extensions import db
        from app.models import School, Term

        school = db.session.scalar(
            db.select(School).where(School.name == "CVO Antwerpen")
        )
        service = make_service(province="ANT", name="WZC De Linde")
        make_user("service", organisation=service, email="linde@wzc.example")
        student = make_student(
            school, db.session.get(Term, term.id), first_name="Tom", last_name="Peeters"
        )
        make_placement(student, service)
        return student

    student = seed(accepted_trainee)
    log_in(page)
    page.goto(f"/studenten/{student.id}")
    page.get_by_role("button", name="Student is gestopt").click()
    expect(page).to_have_title(re.compile("^Student stopzetten\\?"))
    expect(page.get_by_role("heading", name="Tom Peeters stopzetten?")).to_be_visible()
    page.get_by_role("button", name="Markeer als gestopt").click()
    expect_message(page, "Tom Peeters is gemarkeerd als gestopt.")
    mailbox.wait_for("linde@wzc.example")

    page.goto(f"/studenten/{student.id}")
    page.get_by_role("button", name="Stopzetting ongedaan maken").click()
    expect_message(page, "De stopzetting van Tom Peeters is ongedaan gemaakt.")
    expect(page.get_by_role("button", name="Student is gestopt")).to_be_visible()
    expect(page.get_by_role("button", name="Stopzetting ongedaan maken")).to_have_count(
        0
    )
    mailbox.wait_for("linde@wzc.example", "een stagiair is toch niet gestopt")
