"""The helpdesk view (ADM-6): an admin sees a school's and a service's screens, read-only and
audited per view; no impersonation, and every POST of those screens still answers 403."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, CareService, School, User
from app.validation import format_national_number
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
    valid_national_number,
)

BANNER = "Je bekijkt dit als ondersteuning (alleen lezen)"
NN = valid_national_number(date(1991, 4, 5), 77)


@pytest.fixture
def desk(app):
    """Two schools, an Antwerp and a Limburg service; one student placed with the first."""
    with app.app_context():
        school = make_school(name="CVO Helpdesk")
        other_school = make_school(name="CVO Ander")
        service = make_service(province="ANT", name="WZC Hulp")
        far_service = make_service(province="LIM", name="WZC Ver")
        term = make_term()
        open_student = make_student(
            school=school,
            term=term,
            first_name="Open",
            last_name="Vraag",
            province="ANT",
        )
        placed = make_student(
            school=school,
            term=term,
            periods=2,
            first_name="Geplaatst",
            last_name="Student",
            province="ANT",
            national_number=NN,
            email="geplaatst@mail.example",
        )
        make_placement(placed, service=service, period_number=1)
        foreign = make_student(
            school=other_school,
            term=term,
            first_name="Vreemde",
            last_name="Student",
            province="LIM",
        )
        admin = make_user("admin", email="hulp@vivo.example")
        db.session.commit()
        return dict(
            school=school.id,
            other_school=other_school.id,
            service=service.id,
            far_service=far_service.id,
            term=term.id,
            open=open_student.id,
            placed=placed.id,
            foreign=foreign.id,
            admin=admin.email,
            admin_id=admin.id,
        )


@pytest.fixture
def admin_client(client, desk):
    login(client, desk["admin"])
    return client


def events(app) -> list[tuple]:
    with app.app_context():
        return [
            (e.user_id, e.action, e.object_type, e.object_id, e.detail)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def content(page: str) -> str:
    return (
        page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
        if "<main" in page
        else page
    )


def assert_read_only(page: str) -> None:
    """In the page's content (the menu keeps its language and logout forms), no form posts;
    every form is a GET filter of the helpdesk view itself; no link leads to a school's or a
    service's own (state-changing or 403) screens."""
    html = content(page)
    assert BANNER in html
    for form in re.findall(r"<form\b[^>]*>", html):
        assert 'method="get"' in form, form
        assert 'action="/admin/hulp/' in form, form
    assert "csrf_token" not in html
    assert 'method="post"' not in html.lower() and "hx-post" not in html
    for href in re.findall(r'href="([^"]+)"', html):
        assert not href.startswith(
            ("/studenten", "/dienst", "/import", "/begeleiders", "/export")
        ), href
    for word in (
        "Bewerken",
        "Student is gestopt",
        "Stageaanvraag ingeven",
        "Importeer",
        "Aanvaarden",
        "Weigeren",
        "Aanvaarding intrekken",
    ):
        assert f">{word}<" not in html, word


def test_index_lists_schools_and_services_and_searches(app, admin_client, desk):
    text = admin_client.get("/admin/hulp").text
    assert f'href="/admin/hulp/scholen/{desk["school"]}"' in text
    assert f'href="/admin/hulp/diensten/{desk["service"]}"' in text
    narrowed = admin_client.get("/admin/hulp?q=ander").text
    assert (
        "CVO Ander" in narrowed
        and "CVO Helpdesk" not in narrowed
        and "WZC Hulp" not in narrowed
    )
    assert events(app) == []  # choosing shows nobody's data


def test_school_overview_is_read_only_and_audited_once(app, admin_client, desk):
    response = admin_client.get(
        f"/admin/hulp/scholen/{desk['school']}?term={desk['term']}"
    )
    assert response.status_code == 200
    html = response.text
    assert_read_only(html)
    assert "Vraag, Open" in html and "Student, Geplaatst" in html
    assert "Vreemde" not in html  # another school's student
    assert (
        f'href="/admin/hulp/scholen/{desk["school"]}/studenten/{desk["open"]}"' in html
    )
    assert events(app) == [
        (
            desk["admin_id"],
            "helpdesk.viewed",
            "School",
            desk["school"],
            f"school={desk['school']} term={desk['term']}",
        )
    ]


def test_school_overview_fragment_for_htmx(app, admin_client, desk):
    response = admin_client.get(
        f"/admin/hulp/scholen/{desk['school']}?q=open", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="student-table">')
    assert "Vraag, Open" in response.text and "Geplaatst" not in response.text
    assert "/studenten/" in response.text and 'href="/studenten' not in response.text
    assert len(events(app)) == 1


def test_school_request_shows_personal_data_read_only_and_is_audited(
    app, admin_client, desk
):
    response = admin_client.get(
        f"/admin/hulp/scholen/{desk['school']}/studenten/{desk['placed']}"
    )
    assert response.status_code == 200
    assert_read_only(response.text)
    assert format_national_number(NN) in response.text
    assert "geplaatst@mail.example" in response.text
    assert events(app) == [
        (
            desk["admin_id"],
            "helpdesk.viewed",
            "Student",
            desk["placed"],
            f"school={desk['school']}",
        )
    ]


def test_service_list_is_read_only_and_audited(app, admin_client, desk):
    response = admin_client.get(f"/admin/hulp/diensten/{desk['service']}")
    assert response.status_code == 200
    assert_read_only(response.text)
    assert "Open Vraag" in response.text
    assert (
        "Vreemde Student" not in response.text
    )  # Limburg: not this service's province
    assert (
        f'href="/admin/hulp/diensten/{desk["service"]}/aanvragen/{desk["open"]}"'
        in response.text
    )
    assert events(app) == [
        (
            desk["admin_id"],
            "helpdesk.viewed",
            "CareService",
            desk["service"],
            f"service={desk['service']} term=all",
        )
    ]
    far = admin_client.get(f"/admin/hulp/diensten/{desk['far_service']}").text
    assert "Vreemde Student" in far and "Open Vraag" not in far


def test_service_request_without_forms_and_audited(app, admin_client, desk):
    response = admin_client.get(
        f"/admin/hulp/diensten/{desk['service']}/aanvragen/{desk['open']}"
    )
    assert response.status_code == 200
    assert_read_only(response.text)
    assert "<form" not in content(response.text)
    assert format_national_number(NN) not in response.text
    # a trainee of the service: the service sees the contact data, so the admin does too
    placed = admin_client.get(
        f"/admin/hulp/diensten/{desk['service']}/aanvragen/{desk['placed']}"
    )
    assert_read_only(placed.text)
    assert (
        format_national_number(NN) in placed.text
        and "Aanvaard door deze dienst" in placed.text
    )
    assert [e[1:4] for e in events(app)] == [
        ("helpdesk.viewed", "Student", desk["open"]),
        ("helpdesk.viewed", "Student", desk["placed"]),
    ]
    assert all(e[4] == f"service={desk['service']}" for e in events(app))


def test_every_view_is_a_new_event(app, admin_client, desk):
    for _ in range(3):
        admin_client.get(f"/admin/hulp/scholen/{desk['school']}")
    assert len(events(app)) == 3


@pytest.mark.parametrize(
    "path",
    [
        "/admin/hulp/scholen/999999",
        "/admin/hulp/scholen/1099511627776",  # larger than any INTEGER: 404, never a 500
        "/admin/hulp/scholen/{school}/studenten/999999",
        "/admin/hulp/scholen/{school}/studenten/{foreign}",  # another school's student
        "/admin/hulp/scholen/{other_school}/studenten/{open}",
        "/admin/hulp/scholen/{school}/studenten/1099511627776",
        "/admin/hulp/diensten/999999",
        "/admin/hulp/diensten/1099511627776",
        "/admin/hulp/diensten/{service}/aanvragen/999999",
        "/admin/hulp/diensten/{service}/aanvragen/{foreign}",  # not visible to this service
        "/admin/hulp/diensten/{far_service}/aanvragen/{open}",
        "/admin/hulp/diensten/{service}/aanvragen/1099511627776",
    ],
)
def test_unknown_or_foreign_ids_answer_404_without_an_event(
    app, admin_client, desk, path
):
    assert admin_client.get(path.format(**desk)).status_code == 404
    assert events(app) == []


@pytest.mark.parametrize("role", ["school", "service"])
def test_non_admins_are_refused(app, client, desk, role):
    with app.app_context():
        organisation = (
            db.session.get(School, desk["school"])
            if role == "school"
            else db.session.get(CareService, desk["service"])
        )
        email = make_user(role, organisation=organisation).email
        db.session.commit()
    login(client, email)
    for path in (
        "/admin/hulp",
        "/admin/hulp/scholen/{school}",
        "/admin/hulp/scholen/{school}/studenten/{open}",
        "/admin/hulp/diensten/{service}",
        "/admin/hulp/diensten/{service}/aanvragen/{open}",
    ):
        assert client.get(path.format(**desk)).status_code == 403, path
    assert events(app) == []


def test_every_post_of_school_and_service_screens_is_refused_to_an_admin(
    app, admin_client, desk
):
    """The helpdesk view lends no rights: with real ids, each POST answers 403, nothing changes."""
    with app.app_context():
        from app.models import Placement

        placement = db.session.scalars(select(Placement)).first().id
    ids = {"student_id": desk["placed"], "placement_id": placement}
    blueprints = ("students", "placements", "mentors", "supervisors", "imports")
    posted = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in blueprints or "POST" not in rule.methods:
            continue
        url = re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule
        )
        response = admin_client.post(url, data={"confirmed": "1", "action": "accept"})
        assert response.status_code == 403, (rule.endpoint, response.status_code)
        posted += 1
    assert posted >= 8
    with app.app_context():
        assert (
            db.session.get(User, desk["admin_id"]).role == "admin"
        )  # no impersonation
    assert events(app) == []


def test_index_search_treats_like_wildcards_as_text(app, admin_client, desk):
    with app.app_context():
        make_school(name="CVO 100% Zorg")
        make_service(name="WZC_Onderstreept")
        db.session.commit()
    everything = admin_client.get("/admin/hulp?q=%25").text  # q=%
    assert "CVO 100% Zorg" in everything
    assert "CVO Helpdesk" not in everything and "WZC Hulp" not in everything
    underscore = admin_client.get("/admin/hulp?q=_").text
    assert "WZC_Onderstreept" in underscore and "WZC Hulp" not in underscore


@pytest.mark.parametrize(
    "path",
    [
        "/admin/hulp/scholen/{school}?term={term}&page={page}",
        "/admin/hulp/diensten/{service}?page={page}",
    ],
)
def test_a_huge_page_number_is_no_error(app, admin_client, desk, path):
    url = path.format(page="99999999999999999999999", **desk)
    assert admin_client.get(url).status_code == 200
