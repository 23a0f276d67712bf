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
        make_user(
            "school", leerpunt, email="bert@leerpunt.example"
        )  # several per organisation
        make_user("service", linde, email="an@delinde.example")
        db.session.commit()
    by_email = admin.get("/admin/logins?q=an@").text
    assert "an@leerpunt.example" in by_email and "an@delinde.example" in by_email
    assert "bert@leerpunt.example" not in by_email
    by_role = admin.get("/admin/logins?role=service").text
    assert "an@delinde.example" in by_role and "an@leerpunt.example" not in by_role
    by_organisation = admin.get("/admin/logins?organisation=leerpunt").text
    assert (
        "bert@leerpunt.example" in by_organisation
        and "an@delinde.example" not in by_organisation
    )
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
    fragment = admin.get(
        "/admin/logins?role=school", headers={"HX-Request": "true"}
    ).text
    assert fragment.startswith('<div id="users-table">')
    assert fragment.count("—") < 30  # user00 has a last login shown instead of a dash


def test_invite_picks_the_organisation_by_its_name(app, admin, outbox):
    with app.app_context():
        make_school("CVO Leerpunt")
        make_service(name="WZC De Linde", city="Gent")
        db.session.commit()
    page = admin.get("/admin/logins").text
    assert (
        '<option value="CVO Leerpunt">' in page
        and '<option value="WZC De Linde (Gent)">' in page
    )
    admin.post(
        "/admin/logins",
        data={
            "email": "nieuw@leerpunt.example",
            "role": "school",
            "organisation": "CVO Leerpunt",
        },
    )
    admin.post(
        "/admin/logins",
        data={
            "email": "nieuw@delinde.example",
            "role": "service",
            "organisation": "WZC De Linde (Gent)",
        },
    )
    with app.app_context():
        school_user = db.session.scalar(
            select(User).where(User.email == "nieuw@leerpunt.example")
        )
        service_user = db.session.scalar(
            select(User).where(User.email == "nieuw@delinde.example")
        )
        assert school_user.school.name == "CVO Leerpunt"
        assert service_user.care_service.name == "WZC De Linde"
    assert [mail[0] for mail in outbox()] == [
        "nieuw@leerpunt.example",
        "nieuw@delinde.example",
    ]


def test_invite_refuses_an_unknown_or_inactive_organisation(app, admin, outbox):
    with app.app_context():
        make_school("CVO Gesloten", active=False)
        db.session.commit()
    for name in ("CVO Bestaat Niet", "CVO Gesloten", ""):
        page = admin.post(
            "/admin/logins",
            data={"email": "x@cvo.example", "role": "school", "organisation": name},
        ).text
        assert (
            'id="organisation-error"' in page
            and "Kies een actieve school uit de lijst." in page
        )
    assert outbox() == []


def test_invite_form_opened_from_an_organisation_is_prefilled(app, admin):
    page = admin.get("/admin/logins?rol=school&organisatie=CVO+Leerpunt").text
    assert 'value="CVO Leerpunt"' in page and '<option selected value="school">' in page


def test_invite_list_is_searched_as_the_user_types_among_any_number(app, admin, outbox):
    from app.models import CareService

    with app.app_context():
        for n in range(600):
            db.session.add(
                CareService(name=f"WZC Reeks {n:03d}", province="ANT", city="Gent")
            )
        db.session.commit()
    options = admin.get(
        "/admin/logins/organisaties?role=service&organisation=Reeks+599",
        headers={"HX-Request": "true"},
    ).text
    assert options.startswith('<datalist id="organisation-options">')
    assert (
        '<option value="WZC Reeks 599 (Gent)">' in options
        and "Reeks 598" not in options
    )
    assert (
        "WZC Reeks"
        not in admin.get(
            "/admin/logins/organisaties?role=school&organisation=Reeks"
        ).text
    )
    page = admin.get("/admin/logins").text
    assert (
        'hx-get="/admin/logins/organisaties"' in page
        and page.count("<option value=") <= 100
    )
    admin.post(
        "/admin/logins",
        data={
            "email": "laatste@reeks.example",
            "role": "service",
            "organisation": "WZC Reeks 599",
        },
    )
    with app.app_context():
        user = db.session.scalar(
            select(User).where(User.email == "laatste@reeks.example")
        )
        assert user.care_service.name == "WZC Reeks 599"


def test_two_services_of_the_same_name_and_city_can_each_be_invited(app, admin, outbox):
    with app.app_context():
        first = make_service(
            name="WZC Sint-Jozef", city="Gent", enterprise_number="0403170701"
        )
        second = make_service(
            name="WZC Sint-Jozef", city="Gent", enterprise_number="0202239951"
        )
        db.session.commit()
        ids = first.id, second.id
    options = admin.get(
        "/admin/logins/organisaties?role=service&organisation=Sint-Jozef"
    ).text
    assert '<option value="WZC Sint-Jozef (Gent) — BE 0403.170.701">' in options
    assert '<option value="WZC Sint-Jozef (Gent) — BE 0202.239.951">' in options
    for typed in ("WZC Sint-Jozef", "WZC Sint-Jozef (Gent)"):
        page = admin.post(
            "/admin/logins",
            data={"email": "x@jozef.example", "role": "service", "organisation": typed},
        ).text
        assert "Meerdere diensten heten zo; kies er een uit de lijst." in page
    for email, label in (
        ("een@jozef.example", "WZC Sint-Jozef (Gent) — BE 0403.170.701"),
        ("twee@jozef.example", "WZC Sint-Jozef (Gent) — BE 0202.239.951"),
    ):
        admin.post(
            "/admin/logins",
            data={"email": email, "role": "service", "organisation": label},
        )
    with app.app_context():
        found = [
            db.session.scalar(select(User.care_service_id).where(User.email == email))
            for email in ("een@jozef.example", "twee@jozef.example")
        ]
        assert tuple(found) == ids
    assert len(outbox()) == 2


def test_login_actions_answer_404_for_ids_no_integer_holds(admin):
    for action in ("deactiveren", "activeren", "uitnodiging"):
        assert (
            admin.post(f"/admin/logins/9223372036854775808/{action}").status_code == 404
        )
