"""Unanswered requests (ADM-5): released requests no service accepted or declined, oldest
first; a reminder to a province's services at most once a day per province and term."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.admin import stats
from app.extensions import db
from app.models import AuditEvent, Decline, ReminderSent, Student, Term, utcnow
from app.schedule import rules
from app.schedule.clock import local_date
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)


def as_admin(client):
    user = make_user("admin")
    db.session.commit()
    login(client, user.email)


def made(student, ago: timedelta):
    student.created_at = utcnow() - ago
    return student


def a_mixed_picture():
    """Terms open, closed and not yet released, and requests answered and not; returns the
    names of the unanswered ones, the longest waiting first, and two schools."""
    now = utcnow()
    open_term = make_term()  # released 10 days ago, results in 25 days
    late_release = make_term(requests_visible_at=now - timedelta(days=1))
    closed = make_term(intake_open=False, results_at=now - timedelta(days=1))
    unreleased = make_term(requests_visible_at=now + timedelta(days=2))
    north, south = make_school(), make_school()
    s = lambda term, school, ago, **kw: made(  # noqa: E731
        make_student(school, term, last_name=kw.pop("name"), **kw), ago
    )
    oldest = s(
        open_term, north, timedelta(days=12), name="Eerst"
    )  # waits since the release
    second = s(open_term, south, timedelta(days=8), name="Tweede", province="LIM")
    third = s(
        late_release, north, timedelta(days=5), name="Derde"
    )  # since its release, 1 day
    fourth = s(open_term, south, timedelta(hours=12), name="Vierde", province="LIM")
    placed = s(open_term, north, timedelta(days=9), name="Geplaatst")
    make_placement(placed)
    declined = s(open_term, north, timedelta(days=9), name="Geweigerd")
    db.session.add(
        Decline(student_id=declined.id, care_service_id=make_service().id, reason="x")
    )
    s(open_term, north, timedelta(days=9), name="Gestopt", stopped_on=local_date(now))
    s(closed, north, timedelta(days=20), name="Gesloten")
    s(unreleased, north, timedelta(days=3), name="Verborgen")
    db.session.commit()
    names = [st.last_name for st in (oldest, second, third, fourth)]
    return names, north.id, south.id


def names_on(html: str) -> list[str]:
    return re.findall(r"<td>Sara (\w+)</td>", html)


def test_the_list_holds_exactly_the_released_unanswered_requests_oldest_first(
    app, client
):
    with app.app_context():
        names, _, _ = a_mixed_picture()
        rows = stats.waiting(stats.unanswered_page(utcnow()).items, utcnow())
        assert [r.student.last_name for r in rows] == names
        assert [r.days for r in rows] == [10, 8, 1, 0] or [r.days for r in rows] == [
            10,
            8,
            1,
            1,
        ]
        as_admin(client)
    html = client.get("/admin/onbeantwoord").text
    assert names_on(html) == names
    assert "4 onbeantwoorde aanvragen" in html


def test_filters_by_province_and_school(app, client):
    with app.app_context():
        _, north, south = a_mixed_picture()
        as_admin(client)
    assert names_on(client.get("/admin/onbeantwoord?provincie=LIM").text) == [
        "Tweede",
        "Vierde",
    ]
    assert names_on(client.get(f"/admin/onbeantwoord?school={north}").text) == [
        "Eerst",
        "Derde",
    ]
    html = client.get(f"/admin/onbeantwoord?provincie=ANT&school={south}").text
    assert names_on(html) == [] and "Geen onbeantwoorde aanvragen" in html
    # A targeted htmx request gets only the table.
    fragment = client.get(
        "/admin/onbeantwoord?provincie=LIM", headers={"HX-Request": "true"}
    ).text
    assert fragment.startswith('<div id="unanswered">') and names_on(fragment) == [
        "Tweede",
        "Vierde",
    ]
    # Nonsense filters are ignored, not an error.
    assert names_on(
        client.get("/admin/onbeantwoord?provincie=XX&school=abc&page=-3").text
    ) == ["Eerst", "Tweede", "Derde", "Vierde"]


def test_paging(app, client):
    with app.app_context():
        term, school = make_term(), make_school()
        for n in range(30):
            made(
                make_student(school, term, last_name=f"Nr{n:02d}"),
                timedelta(hours=60 - n),
            )
        db.session.commit()
        as_admin(client)
    first = names_on(client.get("/admin/onbeantwoord").text)
    second = names_on(client.get("/admin/onbeantwoord?page=2").text)
    assert first == [f"Nr{n:02d}" for n in range(25)]
    assert second == [f"Nr{n:02d}" for n in range(25, 30)]
    assert (
        names_on(client.get("/admin/onbeantwoord?page=9").text) == second
    )  # past the end


def test_the_pager_is_compact(app):
    """The shared pager of VIVO's tables: first, previous, two either side, next, last."""
    from flask import render_template_string

    template = (
        '{% from "_pager.html" import pager %}'
        '{{ pager(current, 58, "admin.unanswered", dict(provincie="LIM"), "#unanswered") }}'
    )
    with app.test_request_context():
        middle = render_template_string(template, current=30)
        first = render_template_string(template, current=1)
        last = render_template_string(template, current=58)
        single = render_template_string(template.replace("58", "1"), current=1)
    numbers = lambda html: [int(n) for n in re.findall(r">(\d+)</(?:a|strong)>", html)]  # noqa: E731
    assert numbers(middle) == [1, 28, 29, 30, 31, 32, 58] and middle.count("…") == 2
    assert "Vorige" in middle and "Volgende" in middle
    assert (
        'href="/admin/onbeantwoord?page=29&amp;provincie=LIM"' in middle
        or 'href="/admin/onbeantwoord?provincie=LIM&amp;page=29"' in middle
    )
    assert 'hx-target="#unanswered"' in middle
    assert numbers(first) == [1, 2, 3, 58] and "Vorige" not in first
    assert numbers(last) == [1, 56, 57, 58] and "Volgende" not in last
    assert "pagination" not in single


def test_the_list_uses_the_compact_pager(app, client):
    with app.app_context():
        term, school = make_term(), make_school()
        for n in range(26):
            make_student(school, term)
        db.session.commit()
        as_admin(client)
    html = client.get("/admin/onbeantwoord?page=99999999999999999999999").text
    nav = html.split('<nav class="pagination"')[1].split("</nav>")[0]
    assert 'aria-current="page">2<' in nav and "Vorige" in nav and "Volgende" not in nav


def test_waiting_since_is_the_same_rule_in_python_and_in_sql(ctx):
    now = utcnow()
    terms = [make_term(), make_term(requests_visible_at=now - timedelta(days=1))]
    for term in terms:
        for ago in (timedelta(days=12), timedelta(days=3), timedelta(hours=2)):
            made(make_student(term=term), ago)
    db.session.commit()
    rows = db.session.execute(
        select(Student, rules.waiting_since_sql(Student.created_at)).join(Term)
    ).all()
    assert len(rows) == 6
    for student, in_sql in rows:
        assert in_sql == rules.waiting_since(student.term, student.created_at)


def province_logins():
    """Logins that may or may not hear about Limburg."""
    lim, lim2, ant = make_service("LIM"), make_service("LIM"), make_service("ANT")
    closed = make_service("LIM", active=False)
    hear = [
        make_user("service", lim, email="a@lim.example"),
        make_user("service", lim, email="b@lim.example", language="en"),
        make_user("service", lim2, email="c@lim.example"),
    ]
    make_user("service", lim, email="niet-actief@lim.example", activated=False)
    make_user("service", lim, email="uit@lim.example", enabled=False)
    make_user("service", closed, email="gesloten@lim.example")
    make_user("service", ant, email="x@ant.example")
    return sorted(u.email for u in hear)


def test_the_reminder_goes_once_a_day_to_the_provinces_active_service_logins(
    app, client, outbox, monkeypatch
):
    with app.app_context():
        a_mixed_picture()
        hear = province_logins()
        db.session.commit()
        as_admin(client)
    response = client.post(
        "/admin/onbeantwoord/herinneren",
        data={"provincie": "LIM"},
        follow_redirects=True,
    )
    assert (
        "Herinnering verstuurd: 3 mails naar 3 logins van diensten in Limburg."
        in response.text
    )
    assert "login(s)" not in response.text
    mails = outbox()
    assert sorted(to for to, _, _ in mails) == hear
    to, subject, body = mails[0]
    assert "2 stageaanvragen in Limburg" in subject
    assert "wachten 2 stageaanvragen" in body and "/dienst/aanvragen?term=" in body

    again = client.post(
        "/admin/onbeantwoord/herinneren",
        data={"provincie": "LIM"},
        follow_redirects=True,
    )
    assert "kregen vandaag al een herinnering" in again.text
    assert len(outbox()) == 3
    # The page says so instead of offering the button again; other provinces keep theirs.
    limburg = again.text.split(">Limburg</a></th>")[1].split("</tr>")[0]
    assert "vandaag al herinnerd" in limburg and "<button" not in limburg
    antwerpen = again.text.split(">Antwerpen</a></th>")[1].split("</tr>")[0]
    assert "<button" in antwerpen and "vandaag al herinnerd" not in antwerpen

    # Another province the same day is its own reminder: one mail per term with waiting
    # requests (Antwerpen has them in two terms): mails and logins are counted apart.
    response = client.post(
        "/admin/onbeantwoord/herinneren",
        data={"provincie": "ANT"},
        follow_redirects=True,
    )
    assert [to for to, _, _ in outbox()[3:]] == ["x@ant.example"] * 2
    assert (
        "Herinnering verstuurd: 2 mails naar 1 login van diensten in Antwerpen."
        in response.text
    )

    # The next Belgian day, Limburg may be reminded again.
    import app.admin.dashboard as dashboard

    tomorrow = utcnow() + timedelta(days=1)
    monkeypatch.setattr(dashboard, "utcnow", lambda: tomorrow)
    client.post("/admin/onbeantwoord/herinneren", data={"provincie": "LIM"})
    assert len(outbox()) == 3 + 2 + 3
    with app.app_context():
        kinds = set(db.session.scalars(select(ReminderSent.kind)))
        audits = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "unanswered.reminded")
        ).all()
    assert kinds == {
        f"unanswered:LIM:{local_date(utcnow())}",
        f"unanswered:ANT:{local_date(utcnow())}",
        f"unanswered:LIM:{local_date(tomorrow)}",
    }
    # A click that sent nothing (already reminded today) writes no event.
    assert audits == [
        "province=LIM mails=3 logins=3",
        "province=ANT mails=2 logins=1",
        "province=LIM mails=3 logins=3",
    ]


def test_no_reminder_without_waiting_requests_or_for_an_unknown_province(
    app, client, outbox
):
    with app.app_context():
        province_logins()
        db.session.commit()
        as_admin(client)
    response = client.post(
        "/admin/onbeantwoord/herinneren",
        data={"provincie": "LIM"},
        follow_redirects=True,
    )
    assert "Geen herinnering verstuurd" in response.text
    response = client.post(
        "/admin/onbeantwoord/herinneren",
        data={"provincie": "XX"},
        follow_redirects=True,
    )
    assert "Kies een provincie." in response.text
    assert outbox() == []


def test_the_button_needs_a_csrf_token(app, client, outbox):
    with app.app_context():
        a_mixed_picture()
        province_logins()
        db.session.commit()
        as_admin(client)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/admin/onbeantwoord/herinneren", data={"provincie": "LIM"})
    assert response.status_code == 400 and outbox() == []


@pytest.mark.parametrize("role", ["school", "service"])
def test_only_admins_see_and_remind(app, client, outbox, role):
    with app.app_context():
        a_mixed_picture()
        province_logins()
        user = make_user(role)
        db.session.commit()
        login(client, user.email)
    assert client.get("/admin/onbeantwoord").status_code == 403
    response = client.post("/admin/onbeantwoord/herinneren", data={"provincie": "LIM"})
    assert response.status_code == 403 and "geen toegang" in response.text
    assert outbox() == []
