"""VIVO's logins screen (ADM-2): search, filters, pages, invite for a chosen organisation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User, utcnow
from tests.factories import login, make_school, make_service, make_user

ADMIN = "beheer@vivo.example"


@pytest.fixture
def admin(app, client):
    with app.app_context():
        make_user("admin", email=ADMIN)
        db.session.commit()
    login(client, ADMIN)
    return client


def test_search_by_email_and_filter_by_role_and_organisation(app, admin):
    with app.app_context():
        leerpunt = make_school("CVO Leerpunt")
        linde = make_service(name="WZC De Linde")
        make_user("school", leerpunt, email="an@leerpunt.example")
        make_user("school", leerpunt, email="bert@leerpunt.example")  # several per organisation
        make_user("service", linde, email="an@delinde.example")
        db.session.commit()
    by_email = admin.get("/admin/logins?q=an@").text
    assert "an@leerpunt.example" in by_email and "an@delinde.example" in by_email
    assert "bert@leerpunt.example" not in by_email
    by_role = admin.get("/admin/logins?role=service").text
    assert "an@delinde.example" in by_role and "an@leerpunt.example" not in by_role
    by_organisation = admin.get("/admin/logins?organisation=leerpunt").text
    assert "bert@leerpunt.example" in by_organisation and "an@delinde.example" not in by_organisation
    assert "2 logins" in by_organisation


def test_logins_are_paged_and_show_the_last_login(app, admin):
    with app.app_context():
        school = make_school()
        for n in range(30):
            make_user("school", school, email=f"user{n:02d}@cvo.example")
        db.session.get(User, 2).last_login_at = utcnow() - timedelta(days=1)
        db.session.commit()
    first = admin.get("/admin/logins?role=school").text
    second = admin.get("/admin/logins?role=school&page=2").text
    assert "user00@cvo.example" in first and "user29@cvo.example" not in first
    assert "user29@cvo.example" in second and 'aria-current="page">2<' in second
    fragment = admin.get("/admin/logins?role=school", headers={"HX-Request": "true"}).text
    assert fragment.startswith('<div id="users-table">')
    assert fragment.count("—") < 30  # user00 has a last login shown instead of a dash


def test_invite_picks_the_organisation_by_its_name(app, admin, outbox):
    with app.app_context():
        make_school("CVO Leerpunt")
        make_service(name="WZC De Linde", city="Gent")
        db.session.commit()
    page = admin.get("/admin/logins").text
    assert '<option value="CVO Leerpunt">' in page and '<option value="WZC De Linde (Gent)">' in page
    admin.post("/admin/logins", data={"email": "nieuw@leerpunt.example", "role": "school",
                                      "organisation": "CVO Leerpunt"})
    admin.post("/admin/logins", data={"email": "nieuw@delinde.example", "role": "service",
                                      "organisation": "WZC De Linde (Gent)"})
    with app.app_context():
        school_user = db.session.scalar(select(User).where(User.email == "nieuw@leerpunt.example"))
        service_user = db.session.scalar(select(User).where(User.email == "nieuw@delinde.example"))
        assert school_user.school.name == "CVO Leerpunt"
        assert service_user.care_service.name == "WZC De Linde"
    assert [mail[0] for mail in outbox()] == ["nieuw@leerpunt.example", "nieuw@delinde.example"]


def test_invite_refuses_an_unknown_or_inactive_organisation(app, admin, outbox):
    with app.app_context():
        make_school("CVO Gesloten", active=False)
        db.session.commit()
    for name in ("CVO Bestaat Niet", "CVO Gesloten", ""):
        page = admin.post("/admin/logins", data={"email": "x@cvo.example", "role": "school",
                                                 "organisation": name}).text
        assert 'id="organisation-error"' in page and "Kies een actieve school uit de lijst." in page
    assert outbox() == []


def test_invite_form_opened_from_an_organisation_is_prefilled(app, admin):
    page = admin.get("/admin/logins?rol=school&organisatie=CVO+Leerpunt").text
    assert 'value="CVO Leerpunt"' in page and '<option selected value="school">' in page
