"""The school side's rough edges of issue 12 ("the coordinator's day")."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import IntakeOverride, School, Term, User, utcnow
from tests.factories import (
    PASSWORD,
    login,
    make_placement,
    make_service,
    make_student,
    make_term,
    make_user,
)


def a_coordinator(app, client, **term) -> dict:
    """A logged-in coordinator of a school with a term (open unless told otherwise)."""
    with app.app_context():
        user = make_user("school")
        made = make_term(**term)
        db.session.commit()
        world = {"school_id": user.school_id, "term_id": made.id, "email": user.email}
    login(client, user.email)
    return world


# --- 2. the service's note once in the overview -------------------------------------------


def test_a_note_of_a_service_that_accepted_two_periods_shows_once(app, client):
    world = a_coordinator(app, client)
    with app.app_context():
        student = make_student(
            db.session.get(School, world["school_id"]),
            db.session.get(Term, world["term_id"]),
            periods=2,
        )
        service = make_service(name="WZC De Linde")
        make_placement(student, service, 1, notes="Bel eerst naar Els.")
        make_placement(student, service, 2, notes="Bel eerst naar Els.")
        db.session.commit()
    page = client.get(f"/studenten?term={world['term_id']}")
    assert page.text.count("Bel eerst naar Els.") == 1
    assert "periode 2" in page.text  # both accepted periods still show


# --- 3. a language chosen on the login page survives the login ----------------------------


def stored_language(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.language).where(User.email == email))


def test_english_chosen_on_the_login_page_stays_after_login(app, client):
    with app.app_context():
        email = make_user("school").email
        db.session.commit()
    client.post("/taal", data={"lang": "en", "next": "/login"})
    assert "Log in" in client.get("/login").text

    client.post("/login", data={"email": email, "password": PASSWORD})

    start = client.get("/start")
    assert "Welcome" in start.text
    assert "Welkom" not in start.text
    assert stored_language(app, email) == "en"  # mails follow the choice too


def test_a_login_without_a_choice_gets_the_language_chosen_before(app, client):
    with app.app_context():
        user = make_user("school")
        user.language = "en"
        db.session.commit()
        email = user.email
    client.post("/login", data={"email": email, "password": PASSWORD})
    assert "Welcome" in client.get("/start").text


def test_the_language_stays_after_logout(app, client):
    world = a_coordinator(app, client)
    client.post("/taal", data={"lang": "en", "next": "/start"})
    page = client.post("/logout", follow_redirects=True)
    assert "You have logged out." in page.text
    assert stored_language(app, world["email"]) == "en"


# --- 6. "Stageaanvraag ingeven" only while the intake is open for this school -------------


def entry_links(page) -> int:
    """Links to the request form on a page (menu, start page, overview button)."""
    return page.text.count('href="/studenten/nieuw')


def test_a_closed_term_offers_no_way_to_enter_a_request(app, client):
    world = a_coordinator(app, client, intake_open=False)
    overview = client.get(f"/studenten?term={world['term_id']}")
    assert entry_links(overview) == 0
    assert "Stageaanvraag ingeven" not in overview.text
    assert "is afgesloten sinds" in overview.text
    assert entry_links(client.get("/start")) == 0


def test_a_term_not_open_yet_says_when_the_intake_opens(app, client):
    now = utcnow()
    world = a_coordinator(
        app,
        client,
        intake_opens_at=now + timedelta(days=3),
        intake_closes_at=now + timedelta(days=20),
        results_at=now + timedelta(days=30),
    )
    overview = client.get(f"/studenten?term={world['term_id']}")
    assert entry_links(overview) == 0
    assert "ingeven kan vanaf" in overview.text


def test_an_open_term_offers_the_button_and_the_menu_item(app, client):
    world = a_coordinator(app, client)
    overview = client.get(f"/studenten?term={world['term_id']}")
    assert f'href="/studenten/nieuw?term={world["term_id"]}"' in overview.text
    assert entry_links(client.get("/start")) > 0


def test_a_late_entry_for_this_school_offers_them_again(app, client):
    world = a_coordinator(app, client, intake_open=False)
    with app.app_context():
        db.session.add(
            IntakeOverride(
                term_id=world["term_id"],
                school_id=world["school_id"],
                until=utcnow() + timedelta(days=2),
                reason="ziekte coördinator",
            )
        )
        db.session.commit()
    overview = client.get(f"/studenten?term={world['term_id']}")
    assert f'href="/studenten/nieuw?term={world["term_id"]}"' in overview.text
    assert entry_links(client.get("/start")) > 0


# --- 10. the manual's lists speak the user's language (review of issue 12) ----------------


def test_internship_forms_and_transport_modes_are_shown_in_english(app, client):
    """The option labels of the request form and a request's page follow the language;
    before, "blok" and "Openbaar vervoer" stayed Dutch beside English hints."""
    import re

    world = a_coordinator(app, client)
    with app.app_context():
        school = db.session.get(School, world["school_id"])
        term = db.session.get(Term, world["term_id"])
        student = make_student(school, term, transport="fiets,ov")
        db.session.commit()
        student_id = student.id
    client.post("/taal", data={"lang": "en", "next": "/start"})
    form = client.get(f"/studenten/nieuw?term={world['term_id']}").text
    options = re.findall(
        r'<option value="(?:blok|alternerend|blok_alternerend)"[^>]*>([^<]*)<', form
    )
    assert options == ["block", "alternating", "block and alternating"]
    for label in ("Car", "E-bike/moped", "Bicycle", "Public transport"):
        assert f"> {label}</label>" in form
    page = client.get(f"/studenten/{student_id}").text
    assert "Bicycle, Public transport" in page
    assert "Openbaar vervoer" not in form + page and "Fiets<" not in form + page
