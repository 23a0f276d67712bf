"""VIVO runs the school year: terms, a new school year, late entries, second rounds,
withdrawal by VIVO and the timing page (R-TERM, SVC-4)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, IntakeOverride, Placement, Term, utcnow
from app.schedule.clock import brussels, to_local
from app.schedule.timetable import intake_window
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)

FORM = {
    "name": "1 okt – 31 dec 2030",
    "school_year": "2030",
    "internship_start": "2030-10-01",
    "internship_end": "2030-12-31",
    "intake_opens_at": "2030-06-01T09:00",
    "intake_closes_at": "2030-07-01T12:00",
    "requests_visible_at": "",
    "results_at": "2030-11-04T12:00",
    "second_round_until": "",
}


@pytest.fixture
def admin(app, client):
    """A logged-in VIVO administrator."""
    with app.app_context():
        user = make_user("admin")
        db.session.commit()
        info = {"id": user.id, "email": user.email}
    login(client, info["email"])
    return info


def terms(app) -> list[Term]:
    with app.app_context():
        rows = db.session.scalars(select(Term).order_by(Term.id)).all()
        db.session.expunge_all()
        return rows


def local(moment: datetime) -> str:
    """A moment as the datetime-local field posts it (Brussels wall clock)."""
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def local_shown(moment: datetime) -> str:
    """A moment as the pages show it (Brussels wall clock)."""
    return to_local(moment).strftime("%d/%m/%Y %H:%M")


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
        )


# --- terms -------------------------------------------------------------------------------


def test_a_term_is_entered_in_brussels_time_and_stored_in_utc(app, client, admin):
    response = client.post("/stageperiodes/nieuw", data=FORM)
    assert response.status_code == 302
    (term,) = terms(app)
    # 12:00 in summer is 10:00 UTC, 12:00 in winter is 11:00 UTC: the wall clock is kept.
    assert term.intake_closes_at == datetime(2030, 7, 1, 10, 0, tzinfo=timezone.utc)
    assert term.results_at == datetime(2030, 11, 4, 11, 0, tzinfo=timezone.utc)
    assert term.requests_visible_at is None
    assert (term.internship_start, term.school_year) == (date(2030, 10, 1), 2030)
    page = client.get(f"/stageperiodes/{term.id}/bewerken").text
    assert 'value="2030-07-01T12:00"' in page
    assert 'value="2030-11-04T12:00"' in page
    listing = client.get("/stageperiodes").text
    assert "Schooljaar 2030-2031" in listing
    assert "01/07/2030 12:00" in listing and "04/11/2030 12:00" in listing
    assert "nog niet gestart" in listing
    assert audit_actions(app) == ["term.created"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("internship_end", "2030-09-30", "Het einde van de stage ligt vóór het begin."),
        (
            "intake_closes_at",
            "2030-06-01T09:00",
            "De ingave moet sluiten na het moment waarop ze opent.",
        ),
        (
            "results_at",
            "2030-07-01T11:59",
            "De resultaten kunnen pas definitief worden nadat de ingave sluit.",
        ),
        (
            "requests_visible_at",
            "2030-11-04T12:00",
            "De aanvragen moeten zichtbaar worden vóór de resultaten definitief zijn.",
        ),
        (
            "second_round_until",
            "2030-11-04T12:00",
            "De tweede ronde moet eindigen na het moment waarop de resultaten definitief zijn.",
        ),
    ],
)
def test_each_order_error_is_shown_next_to_its_field_and_nothing_is_saved(
    app, client, admin, field, value, message
):
    response = client.post("/stageperiodes/nieuw", data={**FORM, field: value})
    assert response.status_code == 200
    assert f'<small id="{field}-error" class="error">{message}</small>' in response.text
    assert (
        f'aria-describedby="{field}-hint {field}-error"' in response.text
        or f'aria-describedby="{field}-error"' in response.text
    )
    assert terms(app) == []


def test_a_missing_moment_is_reported_not_a_500(app, client, admin):
    response = client.post(
        "/stageperiodes/nieuw",
        data={**FORM, "results_at": "", "intake_opens_at": "gisteren"},
    )
    assert response.status_code == 200
    assert (
        '<small id="results_at-error" class="error">Dit veld is verplicht.</small>'
        in response.text
    )
    assert (
        '<small id="intake_opens_at-error" class="error">Geef een datum en een uur in.</small>'
        in response.text
    )
    assert terms(app) == []


def edit_data(term: Term, **changes) -> dict:
    data = {
        **FORM,
        "name": term.name,
        "school_year": str(term.school_year),
        "internship_start": term.internship_start.isoformat(),
        "internship_end": term.internship_end.isoformat(),
    }
    data.update(changes)
    return data


def test_editing_a_term_without_requests_saves_at_once(app, client, admin):
    with app.app_context():
        term = make_term(**_term_values())
        db.session.commit()
        term_id = term.id
    (term,) = terms(app)
    response = client.post(
        f"/stageperiodes/{term_id}/bewerken",
        data=edit_data(term, intake_closes_at="2030-06-20T12:00"),
    )
    assert response.status_code == 302
    assert terms(app)[0].intake_closes_at == brussels(date(2030, 6, 20), 12)
    assert audit_actions(app) == ["term.updated"]


def _term_values() -> dict:
    return dict(
        name="1 okt – 31 dec 2030",
        school_year=2030,
        internship_start=date(2030, 10, 1),
        internship_end=date(2030, 12, 31),
        intake_opens_at=brussels(date(2030, 6, 1), 9),
        intake_closes_at=brussels(date(2030, 7, 1), 12),
        results_at=brussels(date(2030, 11, 4), 12),
    )


def test_editing_a_term_with_requests_says_what_it_means_before_saving(
    app, client, admin
):
    with app.app_context():
        term = make_term(**_term_values())
        make_student(term=term)
        make_student(term=term)
        db.session.commit()
        term_id = term.id
    (term,) = terms(app)
    data = edit_data(term, intake_closes_at="2030-06-20T12:00")
    first = client.post(f"/stageperiodes/{term_id}/bewerken", data=data)
    assert first.status_code == 200
    assert "Er zijn al 2 stageaanvragen voor deze stageperiode." in first.text
    assert (
        "Als je de ingave vroeger sluit, kunnen scholen hun aanvragen vanaf dan niet meer ingeven of wijzigen."
        in first.text
    )
    assert '<input type="hidden" name="confirmed" value="1">' in first.text
    assert (
        '<input type="hidden" name="intake_closes_at" value="2030-06-20T12:00">'
        in first.text
    )
    assert terms(app)[0].intake_closes_at == brussels(date(2030, 7, 1), 12), (
        "not saved before confirming"
    )

    second = client.post(
        f"/stageperiodes/{term_id}/bewerken", data={**data, "confirmed": "1"}
    )
    assert second.status_code == 302
    assert terms(app)[0].intake_closes_at == brussels(date(2030, 6, 20), 12)
    assert audit_actions(app) == ["term.updated"]


def test_an_unknown_term_answers_404(app, client, admin):
    assert client.get("/stageperiodes/999999").status_code == 404
    assert client.get("/stageperiodes/999999/bewerken").status_code == 404


# --- a new school year (TERM-8) ----------------------------------------------------------


def test_copying_a_school_year_moves_every_date_a_year_keeping_the_wall_clock(
    app, client, admin
):
    with app.app_context():
        make_term(
            name="1 jan – 31 maart 2024",
            school_year=2023,
            internship_start=date(2024, 1, 1),
            internship_end=date(2024, 2, 29),
            intake_opens_at=brussels(date(2023, 9, 1), 0),
            intake_closes_at=brussels(date(2023, 11, 15), 12),
            requests_visible_at=brussels(date(2023, 10, 1), 9),
            results_at=brussels(date(2023, 11, 30), 12),
            second_round_until=brussels(date(2023, 12, 15), 12),
        )
        make_term(
            name="Schooljaar 2023-2024 blok 1",
            school_year=2023,
            internship_start=date(2023, 10, 1),
            internship_end=date(2023, 12, 31),
            intake_opens_at=brussels(date(2023, 3, 20), 12),
            intake_closes_at=brussels(date(2023, 9, 5), 12),
            results_at=brussels(date(2023, 9, 30), 12),
        )
        make_term(name="Ander jaar", school_year=2022)
        db.session.commit()
    response = client.post(
        "/stageperiodes/nieuw-schooljaar", data={"school_year": "2023"}
    )
    assert response.headers["Location"] == "/stageperiodes"
    copies = {t.name: t for t in terms(app) if t.school_year == 2024}
    assert set(copies) == {"1 jan – 31 maart 2025", "Schooljaar 2024-2025 blok 1"}
    winter = copies["1 jan – 31 maart 2025"]
    assert (winter.internship_start, winter.internship_end) == (
        date(2025, 1, 1),
        date(2025, 2, 28),
    )
    assert winter.intake_closes_at == brussels(date(2024, 11, 15), 12)
    assert winter.requests_visible_at == brussels(date(2024, 10, 1), 9)
    assert winter.results_at == brussels(date(2024, 11, 30), 12)
    assert winter.second_round_until is None
    summer = copies["Schooljaar 2024-2025 blok 1"]
    # 20 March 2023 12:00 was winter time, 20 March 2024 12:00 too; 5 September is summer time.
    assert summer.intake_opens_at == brussels(date(2024, 3, 20), 12)
    assert summer.intake_closes_at == datetime(2024, 9, 5, 10, 0, tzinfo=timezone.utc)
    assert "term.school_year_copied" in audit_actions(app)
    listing = client.get("/stageperiodes").text
    assert "2 stageperiodes gekopieerd naar 2024-2025" in listing


def test_copying_to_a_school_year_that_has_terms_is_refused(app, client, admin):
    with app.app_context():
        make_term(name="A 2023", school_year=2023)
        make_term(name="B 2024", school_year=2024)
        db.session.commit()
    response = client.post(
        "/stageperiodes/nieuw-schooljaar",
        data={"school_year": "2023"},
        follow_redirects=True,
    )
    assert "Het schooljaar 2024-2025 heeft al stageperiodes" in response.text
    assert sorted(t.name for t in terms(app)) == ["A 2023", "B 2024"]


# --- late entry (TERM-3) -----------------------------------------------------------------


def test_a_late_entry_opens_the_intake_for_exactly_that_school_and_term_until_revoked(
    app, client, admin
):
    with app.app_context():
        school, other_school = make_school("CVO Laat"), make_school("CVO Op tijd")
        closed, other_term = make_term(intake_open=False), make_term(intake_open=False)
        db.session.commit()
        ids = dict(
            school=school.id,
            other_school=other_school.id,
            term=closed.id,
            other_term=other_term.id,
        )
    response = client.post(
        "/late-ingave",
        data={
            "school_id": ids["school"],
            "term_id": ids["term"],
            "until": local(utcnow() + timedelta(days=3)),
            "reason": "Coördinator was ziek",
        },
    )
    assert response.status_code == 302
    page = client.get("/late-ingave").text
    assert (
        "CVO Laat" in page and "Coördinator was ziek" in page and admin["email"] in page
    )

    with app.app_context():
        override = db.session.scalar(select(IntakeOverride))
        assert (
            override.reason == "Coördinator was ziek"
            and override.created_by_id == admin["id"]
        )
        term, other_term = (
            db.session.get(Term, ids["term"]),
            db.session.get(Term, ids["other_term"]),
        )
        assert intake_window(term, ids["school"]).open
        assert not intake_window(term, ids["other_school"]).open
        assert not intake_window(other_term, ids["school"]).open
        assert not intake_window(term, ids["school"], override.until).open
        override_id = override.id

    client.post(f"/late-ingave/{override_id}/intrekken")
    with app.app_context():
        override = db.session.get(IntakeOverride, override_id)
        assert override.revoked_at is not None and override.revoked_by_id == admin["id"]
        assert not intake_window(db.session.get(Term, ids["term"]), ids["school"]).open
    assert audit_actions(app) == ["intake_override.granted", "intake_override.revoked"]


def test_a_late_entry_needs_a_reason_and_a_future_moment(app, client, admin):
    with app.app_context():
        school, term = make_school(), make_term(intake_open=False)
        db.session.commit()
        ids = (school.id, term.id)
    response = client.post(
        "/late-ingave",
        data={
            "school_id": ids[0],
            "term_id": ids[1],
            "until": "2001-01-01T12:00",
            "reason": "",
        },
    )
    assert (
        '<small id="until-error" class="error">Kies een moment in de toekomst.</small>'
        in response.text
    )
    assert (
        '<small id="reason-error" class="error">Dit veld is verplicht.</small>'
        in response.text
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(IntakeOverride.id))) == 0


# --- second round (TERM-7) ---------------------------------------------------------------


def test_a_second_round_is_refused_before_the_results_and_opens_after(
    app, client, admin
):
    now = utcnow()
    with app.app_context():
        matching = make_term(intake_open=False, results_at=now + timedelta(days=2))
        final = make_term(intake_open=False, results_at=now - timedelta(days=1))
        db.session.commit()
        ids = (matching.id, final.id)
    deadline = local(now + timedelta(days=7))

    before = client.get(f"/stageperiodes/{ids[0]}").text
    assert "Tweede ronde openen" not in before
    refused = client.post(
        f"/stageperiodes/{ids[0]}/tweede-ronde",
        data={"until": deadline},
        follow_redirects=True,
    )
    assert (
        "Een tweede ronde kan pas openen nadat de resultaten definitief zijn."
        in refused.text
    )
    assert terms(app)[0].second_round_until is None

    after = client.get(f"/stageperiodes/{ids[1]}").text
    assert "Tweede ronde openen" in after
    past = client.post(
        f"/stageperiodes/{ids[1]}/tweede-ronde", data={"until": "2001-01-01T12:00"}
    )
    assert (
        '<small id="until-error" class="error">Kies een einde van de tweede ronde in de toekomst.</small>'
        in past.text
    )
    opened = client.post(
        f"/stageperiodes/{ids[1]}/tweede-ronde",
        data={"until": deadline},
        follow_redirects=True,
    )
    assert "De tweede ronde loopt tot" in opened.text
    assert "tweede ronde" in opened.text  # the phase
    assert terms(app)[1].second_round_until is not None

    client.post(f"/stageperiodes/{ids[1]}/tweede-ronde/sluiten")
    closed = terms(app)[1]
    assert (
        closed.second_round_until is not None and closed.second_round_until <= utcnow()
    )
    client.post(
        f"/stageperiodes/{ids[1]}/tweede-ronde/sluiten"
    )  # nothing left to close
    assert terms(app)[1].second_round_until == closed.second_round_until, (
        "an ended round stays on record"
    )
    assert audit_actions(app) == [
        "term.second_round_opened",
        "term.second_round_closed",
    ]


# --- withdrawal by VIVO (SVC-4) ----------------------------------------------------------


@pytest.mark.parametrize("results_past", [False, True])
def test_vivo_withdraws_an_acceptance_mailing_school_and_service(
    app, client, admin, outbox, results_past
):
    now = utcnow()
    with app.app_context():
        term = make_term(
            intake_open=False,
            results_at=now + timedelta(days=-1 if results_past else 1),
        )
        school, service = (
            make_school("CVO Noord"),
            make_service("ANT", name="WZC De Linde"),
        )
        make_user("school", organisation=school, email="coord@cvo.example")
        make_user("service", organisation=service, email="onthaal@linde.example")
        make_user(
            "service", organisation=service, email="weg@linde.example", enabled=False
        )
        student = make_student(
            school=school, term=term, first_name="Sara", last_name="Peeters"
        )
        placement = make_placement(student, service=service)
        db.session.commit()
        term_id, placement_id, results = term.id, placement.id, term.results_at

    listing = client.get(f"/stageperiodes/{term_id}?q=peeters").text
    assert (
        "Peeters, Sara" in listing
        and "WZC De Linde" in listing
        and "CVO Noord" in listing
    )
    assert "Aanvaarding intrekken" in listing
    assert "Peeters" not in client.get(f"/stageperiodes/{term_id}?q=niemand").text

    # The confirmation says what really happens next: open again, or only a second round.
    confirm = client.get(f"/stageperiodes/plaatsingen/{placement_id}/intrekken").text
    assert "de periode staat daarna weer open." not in confirm
    if results_past:
        assert (
            "De resultaten zijn definitief: Sara Peeters staat daarna weer bij de niet geplaatste cursisten "
            "en kan enkel nog in een tweede ronde geplaatst worden."
        ) in confirm
        assert (
            f'href="/stageperiodes/{term_id}#second-round">Open daarvoor een tweede ronde.</a>'
            in confirm
        )
    else:
        assert (
            f"De periode staat daarna weer open voor de diensten tot {local_shown(results)}."
            in confirm
        )

    missing_reason = client.post(
        f"/stageperiodes/plaatsingen/{placement_id}/intrekken", data={"reason": ""}
    )
    assert (
        '<small id="reason-error" class="error">Dit veld is verplicht.</small>'
        in missing_reason.text
    )
    response = client.post(
        f"/stageperiodes/plaatsingen/{placement_id}/intrekken",
        data={"reason": "Dubbele boeking"},
    )
    assert response.headers["Location"] == f"/stageperiodes/{term_id}"
    with app.app_context():
        assert db.session.get(Placement, placement_id) is None
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "placement.withdrawn_by_admin"
            )
        )
        assert "Dubbele boeking" in event.detail and event.user_id == admin["id"]
    mails = {recipient: (subject, body) for recipient, subject, body in outbox()}
    assert sorted(mails) == ["coord@cvo.example", "onthaal@linde.example"]
    for subject, body in mails.values():
        assert (
            subject
            == "Stagematching: VIVO heeft de aanvaarding van Sara Peeters door WZC De Linde ingetrokken"
        )
        assert "VIVO heeft de aanvaarding van Sara Peeters" in body
        assert "Reden: Dubbele boeking" in body
        assert "De periode staat opnieuw open." not in body
    school_body, service_body = (
        mails["coord@cvo.example"][1],
        mails["onthaal@linde.example"][1],
    )
    if results_past:
        assert (
            "Sara Peeters staat opnieuw bij de niet geplaatste cursisten. De resultaten zijn definitief, "
            "dus een nieuwe plaatsing kan enkel nog in een tweede ronde."
        ) in school_body
    else:
        assert (
            f"De periode staat opnieuw open: diensten kunnen ze aanvaarden tot {local_shown(results)}."
            in school_body
        )
    # The service is told the internship is off, not that "the period is open again".
    assert (
        "Deze stage gaat dus niet door bij jullie dienst; je hoeft niets meer te doen."
        in service_body
    )
    assert "opnieuw open" not in service_body and "tweede ronde" not in service_body


def test_an_unknown_placement_answers_404(app, client, admin):
    assert client.get("/stageperiodes/plaatsingen/999999/intrekken").status_code == 404


def test_a_terms_placements_are_paged(app, client, admin):
    with app.app_context():
        term = make_term()
        service = make_service("ANT")
        for n in range(30):
            make_placement(
                make_student(term=term, last_name=f"Student{n:02d}"), service=service
            )
        db.session.commit()
        term_id = term.id
    first = client.get(f"/stageperiodes/{term_id}").text
    assert "30 aanvaardingen" in first and 'aria-current="page">1<' in first
    second = client.get(f"/stageperiodes/{term_id}?page=2").text
    assert second.count("Aanvaarding intrekken</a>") == 5


# --- timing (TERM-4) ---------------------------------------------------------------------


def test_the_timing_page_shows_each_role_its_lines(app, client):
    now = utcnow()
    with app.app_context():
        make_term(name="1 okt – 31 dec", requests_visible_at=now - timedelta(days=5))
        school_user, service_user, admin_user = (
            make_user("school"),
            make_user("service"),
            make_user("admin"),
        )
        db.session.commit()
        emails = {u.role: u.email for u in (school_user, service_user, admin_user)}
    login(client, emails["school"])
    school_page = client.get("/timing").text
    assert (
        "Cursisten met stageperiode 1 okt – 31 dec: stageaanvragen en voorkeursdienst ingeven."
        in school_page
    )
    assert "definitief raadplegen" in school_page
    assert "Voor de diensten" not in school_page
    client.post("/logout")
    login(client, emails["service"])
    service_page = client.get("/timing").text
    assert "Cursisten met stageperiode 1 okt – 31 dec aanvaarden" in service_page
    assert "Voor de scholen" not in service_page
    client.post("/logout")
    login(client, emails["admin"])
    admin_page = client.get("/timing").text
    assert "Voor de scholen" in admin_page and "Voor de diensten" in admin_page


@pytest.mark.parametrize("role", ["school", "service"])
def test_non_admins_get_403_on_the_schedule_screens(app, client, role):
    with app.app_context():
        user = make_user(role)
        term = make_term()
        db.session.commit()
        email, term_id = user.email, term.id
    login(client, email)
    for url in (
        "/stageperiodes",
        "/stageperiodes/nieuw",
        f"/stageperiodes/{term_id}",
        "/late-ingave",
    ):
        response = client.get(url)
        assert response.status_code == 403 and "geen toegang" in response.text, url
    response = client.post(
        f"/stageperiodes/{term_id}/tweede-ronde", data={"until": "2099-01-01T12:00"}
    )
    assert response.status_code == 403
    assert terms(app)[0].second_round_until is None


def test_the_placement_search_answers_htmx_with_the_table_only(app, client, admin):
    with app.app_context():
        term = make_term()
        make_placement(make_student(term=term, first_name="Sara", last_name="Peeters"))
        make_placement(make_student(term=term, first_name="Tom", last_name="Janssens"))
        db.session.commit()
        term_id = term.id
    response = client.get(
        f"/stageperiodes/{term_id}?q=sara peeters",
        headers={"HX-Request": "true", "HX-Target": "placements"},
    )
    assert response.text.startswith('<div id="placements">')
    assert "Peeters, Sara" in response.text and "Janssens" not in response.text
    assert "1 aanvaarding" in response.text


def test_a_schools_timing_shows_its_late_entry_deadline(app, client):
    now = utcnow()
    with app.app_context():
        user = make_user("school")
        term = make_term(name="1 jan – 31 maart", intake_open=False)
        until = (now + timedelta(days=2)).replace(second=0, microsecond=0)
        db.session.add(
            IntakeOverride(
                term_id=term.id, school_id=user.school_id, until=until, reason="x"
            )
        )
        db.session.commit()
        email = user.email
    login(client, email)
    page = client.get("/timing").text
    shown = to_local(until).strftime("%d/%m/%Y %H:%M")
    row = page[page.index(f"Tot {shown}") :]
    assert row.index(
        "Cursisten met stageperiode 1 jan – 31 maart: stageaanvragen"
    ) < row.index("</tr>")
    assert "<strong>nu</strong>" in row[: row.index("</tr>")]


# --- review findings: late entries ---------------------------------------------------------


def _late_entry(client, school_id, term_id, until, reason="Coördinator was ziek"):
    return client.post(
        "/late-ingave",
        data={
            "school_id": school_id,
            "term_id": term_id,
            "until": until,
            "reason": reason,
        },
    )


def override_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(IntakeOverride.id)))


def test_a_late_entry_must_end_before_the_results_and_is_refused_once_they_are_final(
    app, client, admin
):
    now = utcnow()
    with app.app_context():
        school = make_school()
        matching = make_term(intake_open=False, results_at=now + timedelta(days=5))
        final = make_term(intake_open=False, results_at=now - timedelta(days=1))
        db.session.commit()
        ids, results = (school.id, matching.id, final.id), matching.results_at
    late = _late_entry(client, ids[0], ids[1], local(results + timedelta(hours=1)))
    assert late.status_code == 200
    assert (
        '<small id="until-error" class="error">Een late ingave moet eindigen vóór de resultaten definitief '
        f"zijn ({local_shown(results)}).</small>"
    ) in late.text
    after_final = _late_entry(client, ids[0], ids[2], local(now + timedelta(days=2)))
    assert (
        "Een late ingave moet eindigen vóór de resultaten definitief zijn"
        in after_final.text
    )
    assert override_count(app) == 0
    assert (
        _late_entry(client, ids[0], ids[1], local(now + timedelta(days=2))).status_code
        == 302
    )


def test_a_second_active_late_entry_for_the_same_school_and_term_is_refused(
    app, client, admin
):
    now = utcnow()
    with app.app_context():
        school, term = make_school(), make_term(intake_open=False)
        db.session.commit()
        ids = (school.id, term.id)
    first_until = (now + timedelta(days=2)).replace(second=0, microsecond=0)
    assert _late_entry(client, *ids, local(first_until)).status_code == 302
    second = _late_entry(client, *ids, local(now + timedelta(days=3)))
    assert (
        '<small id="school_id-error" class="error">Deze school heeft al een late ingave voor deze stageperiode '
        f"tot {local_shown(first_until)}. Trek die eerst in om een andere toe te kennen.</small>"
    ) in second.text
    assert override_count(app) == 1


def test_a_late_entry_that_ends_while_the_intake_is_open_for_all_is_refused(
    app, client, admin
):
    now = utcnow()
    with app.app_context():
        school, term = make_school(), make_term(intake_open=True)  # closes in 10 days
        db.session.commit()
        ids, closes = (school.id, term.id), term.intake_closes_at
    pointless = _late_entry(client, *ids, local(now + timedelta(days=2)))
    assert (
        '<small id="until-error" class="error">De ingave loopt voor alle scholen tot '
        f"{local_shown(closes)}; een late ingave moet later eindigen.</small>"
    ) in pointless.text
    assert override_count(app) == 0
    assert (
        _late_entry(client, *ids, local(closes + timedelta(days=1))).status_code == 302
    )


def test_a_late_entry_for_a_term_that_has_not_opened_yet_is_refused(app, client, admin):
    now = utcnow()
    with app.app_context():
        school = make_school()
        term = make_term(
            intake_opens_at=now + timedelta(days=5),
            intake_closes_at=now + timedelta(days=20),
            results_at=now + timedelta(days=30),
        )
        db.session.commit()
        ids = (school.id, term.id)
    early = _late_entry(client, *ids, local(now + timedelta(days=10)))
    assert "een late ingave moet later eindigen" in early.text
    assert override_count(app) == 0


def test_the_results_cannot_move_before_a_running_late_entry_ends(app, client, admin):
    now = utcnow()
    with app.app_context():
        school, term = make_school(), make_term(intake_open=False)  # results in 10 days
        until = (now + timedelta(days=5)).replace(second=0, microsecond=0)
        db.session.add(
            IntakeOverride(
                term_id=term.id, school_id=school.id, until=until, reason="x"
            )
        )
        db.session.commit()
        term_id, results = term.id, term.results_at
        data = {
            "name": term.name,
            "school_year": str(term.school_year),
            "internship_start": term.internship_start.isoformat(),
            "internship_end": term.internship_end.isoformat(),
            "intake_opens_at": local(term.intake_opens_at),
            "intake_closes_at": local(term.intake_closes_at),
            "requests_visible_at": "",
            "second_round_until": "",
            "results_at": local(now + timedelta(days=3)),
        }
    response = client.post(f"/stageperiodes/{term_id}/bewerken", data=data)
    assert (
        "Er loopt een late ingave tot" in response.text
        and 'id="results_at-error"' in response.text
    )
    with app.app_context():
        assert db.session.get(Term, term_id).results_at == results


def test_late_entries_show_the_term_with_its_school_year_and_no_empty_revoked_column(
    app, client, admin
):
    with app.app_context():
        school = make_school("CVO Laat")
        old = make_term(intake_open=False, name="1 okt – 31 dec", school_year=2025)
        new = make_term(intake_open=False, name="1 okt – 31 dec", school_year=2026)
        db.session.add(
            IntakeOverride(
                term_id=new.id,
                school_id=school.id,
                until=utcnow() + timedelta(days=2),
                reason="open",
            )
        )
        db.session.add(
            IntakeOverride(
                term_id=old.id,
                school_id=school.id,
                until=utcnow() - timedelta(days=2),
                reason="voorbij",
            )
        )
        db.session.commit()
    page = client.get("/late-ingave").text
    open_table = page[
        page.index("<caption>Nu open</caption>") : page.index(
            "<caption>Voorbij of ingetrokken"
        )
    ]
    past_table = page[page.index("<caption>Voorbij of ingetrokken") :]
    assert "<td>1 okt – 31 dec (2026-2027)</td>" in open_table
    assert "<td>1 okt – 31 dec (2025-2026)</td>" in past_table
    assert "Ingetrokken</th>" not in open_table and "Ingetrokken</th>" in past_table


# --- review findings: bad input ------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("intake_opens_at", "0001-01-01T00:00"),
        ("results_at", "9999-12-31T23:59"),
        ("second_round_until", "2101-01-01T12:00"),
        ("internship_start", "0001-01-01"),
        ("internship_end", "9999-12-31"),
    ],
)
def test_a_date_outside_2000_2100_is_said_next_to_its_field_not_a_500(
    app, client, admin, field, value
):
    response = client.post("/stageperiodes/nieuw", data={**FORM, field: value})
    assert response.status_code == 200
    assert (
        f'<small id="{field}-error" class="error">Kies een datum tussen 2000 en 2100.</small>'
        in response.text
    )
    assert terms(app) == []


def test_late_entry_and_second_round_refuse_year_one_without_a_500(app, client, admin):
    now = utcnow()
    with app.app_context():
        school, term = (
            make_school(),
            make_term(intake_open=False, results_at=now - timedelta(days=1)),
        )
        db.session.commit()
        ids = (school.id, term.id)
    late = _late_entry(client, *ids, "0001-01-01T00:00")
    assert late.status_code == 200
    assert (
        '<small id="until-error" class="error">Kies een datum tussen 2000 en 2100.</small>'
        in late.text
    )
    second = client.post(
        f"/stageperiodes/{ids[1]}/tweede-ronde", data={"until": "0001-01-01T00:00"}
    )
    assert second.status_code == 200
    assert (
        '<small id="until-error" class="error">Kies een datum tussen 2000 en 2100.</small>'
        in second.text
    )
    assert override_count(app) == 0 and terms(app)[0].second_round_until is None


def test_a_school_year_outside_the_list_is_refused_and_does_not_join_the_list(
    app, client, admin
):
    for year in ("99999999999999999999", "1", "twee"):
        response = client.post(
            "/stageperiodes/nieuw", data={**FORM, "school_year": year}
        )
        assert response.status_code == 200, year
        assert (
            '<small id="school_year-error" class="error">Kies een schooljaar uit de lijst.</small>'
            in response.text
        )
        assert f'value="{year}"' not in response.text
    assert terms(app) == []


def test_copying_a_school_year_that_would_leave_2100_is_refused_cleanly(
    app, client, admin
):
    with app.app_context():
        make_term(
            name="Laatste",
            school_year=2099,
            internship_start=date(2100, 1, 1),
            internship_end=date(2100, 3, 31),
            intake_opens_at=brussels(date(2099, 9, 1), 9),
            intake_closes_at=brussels(date(2099, 11, 15), 12),
            results_at=brussels(date(2099, 12, 1), 12),
        )
        make_term(
            name="Onzin",
            school_year=2024,
            internship_start=date(9999, 1, 1),
            internship_end=date(9999, 12, 31),
        )
        db.session.commit()
    for year in ("2099", "2024"):
        response = client.post(
            "/stageperiodes/nieuw-schooljaar",
            data={"school_year": year},
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert (
            "Het schooljaar kan niet gekopieerd worden: alle datums moeten tussen 2000 en 2100 liggen."
            in response.text
        )
    assert len(terms(app)) == 2


def test_a_huge_or_odd_page_number_is_not_a_500(app, client, admin):
    with app.app_context():
        term = make_term()
        make_placement(make_student(term=term, last_name="Peeters"))
        db.session.commit()
        term_id = term.id
    for page in ("99999999999999999999", "-3", "abc", "²"):
        response = client.get(f"/stageperiodes/{term_id}?page={page}")
        assert response.status_code == 200, page
        assert "Peeters" in response.text, page


@pytest.mark.parametrize("url_field", ["name", "late reason", "withdraw reason"])
def test_only_spaces_are_refused_as_empty(app, client, admin, url_field):
    with app.app_context():
        school, term = make_school(), make_term(intake_open=False)
        placement = make_placement(make_student(term=term))
        db.session.commit()
        ids = (school.id, term.id, placement.id)
    if url_field == "name":
        response = client.post("/stageperiodes/nieuw", data={**FORM, "name": "   "})
        field = "name"
    elif url_field == "late reason":
        response = _late_entry(
            client, ids[0], ids[1], local(utcnow() + timedelta(days=2)), reason=" \r\n "
        )
        field = "reason"
    else:
        response = client.post(
            f"/stageperiodes/plaatsingen/{ids[2]}/intrekken", data={"reason": "   "}
        )
        field = "reason"
    assert response.status_code == 200
    assert (
        f'<small id="{field}-error" class="error">Dit veld is verplicht.</small>'
        in response.text
    )
    assert override_count(app) == 0 and len(terms(app)) == 1
    with app.app_context():
        assert db.session.get(Placement, ids[2]) is not None


def test_the_placement_search_takes_percent_and_underscore_literally(
    app, client, admin
):
    with app.app_context():
        term = make_term()
        make_placement(make_student(term=term, first_name="Sara", last_name="Peeters"))
        make_placement(
            make_student(term=term, first_name="Tom", last_name="100%_Janssens")
        )
        db.session.commit()
        term_id = term.id
    for q in ("%", "_", "0%_j"):
        page = client.get(f"/stageperiodes/{term_id}", query_string={"q": q}).text
        assert "100%_Janssens" in page and "Peeters" not in page, q
    assert (
        "Peeters"
        in client.get(f"/stageperiodes/{term_id}", query_string={"q": "sara"}).text
    )


def test_a_second_round_must_end_by_the_last_day_of_the_internship(app, client, admin):
    now = utcnow()
    with app.app_context():
        term = make_term(intake_open=False, results_at=now - timedelta(days=1))
        db.session.commit()
        term_id, last_day = term.id, term.internship_end
    late = client.post(
        f"/stageperiodes/{term_id}/tweede-ronde",
        data={"until": (last_day + timedelta(days=1)).isoformat() + "T12:00"},
    )
    assert (
        '<small id="until-error" class="error">De tweede ronde moet eindigen uiterlijk op de laatste '
        f"stagedag ({last_day.strftime('%d/%m/%Y')}).</small>"
    ) in late.text
    assert terms(app)[0].second_round_until is None
    ok = client.post(
        f"/stageperiodes/{term_id}/tweede-ronde",
        data={"until": last_day.isoformat() + "T23:00"},
    )
    assert ok.status_code == 302


def test_closing_a_second_round_that_is_not_running_says_so(app, client, admin):
    with app.app_context():
        term = make_term(
            intake_open=False,
            name="1 okt – 31 dec",
            results_at=utcnow() - timedelta(days=1),
        )
        db.session.commit()
        term_id = term.id
    page = client.post(
        f"/stageperiodes/{term_id}/tweede-ronde/sluiten", follow_redirects=True
    ).text
    assert (
        "Er loopt geen tweede ronde voor 1 okt – 31 dec; er is niets te sluiten."
        in page
    )
    assert audit_actions(app) == []


# --- review findings: editing a term with requests --------------------------------------------


def _term_with_requests(app, **values) -> tuple[int, Term]:
    with app.app_context():
        term = make_term(**{**_term_values(), **values})
        make_student(term=term)
        db.session.commit()
        term_id = term.id
    return term_id, terms(app)[0]


def test_changing_only_the_name_mentions_only_the_name(app, client, admin):
    term_id, term = _term_with_requests(app)
    page = client.post(
        f"/stageperiodes/{term_id}/bewerken", data=edit_data(term, name="Herfst 2030")
    ).text
    assert "Scholen en diensten zien de stageperiode onder de nieuwe naam." in page
    assert "schooljaar" not in page[page.index("Wat dat betekent") :]
    assert (
        '<tr><th scope="row">Naam</th><td>1 okt – 31 dec 2030</td><td>Herfst 2030</td></tr>'
        in page
    )
    assert page.count('<th scope="row">') == 1


def test_the_confirmation_shows_old_and_new_moments(app, client, admin):
    term_id, term = _term_with_requests(app)
    page = client.post(
        f"/stageperiodes/{term_id}/bewerken",
        data=edit_data(term, results_at="2030-11-10T12:00"),
    ).text
    assert (
        '<tr><th scope="row">Resultaten definitief</th><td>04/11/2030 12:00</td>'
        "<td>10/11/2030 12:00</td></tr>"
    ) in page
    assert "Diensten kunnen langer aanvaarden" in page


def test_moving_the_close_or_the_results_to_the_past_says_it_takes_effect_at_once(
    app, client, admin
):
    now = utcnow()
    term_id, term = _term_with_requests(
        app,
        intake_opens_at=now - timedelta(days=10),
        intake_closes_at=now + timedelta(days=5),
        results_at=now + timedelta(days=20),
    )
    past = local(now - timedelta(hours=1))
    page = client.post(
        f"/stageperiodes/{term_id}/bewerken",
        data={
            **edit_data(term),
            "intake_opens_at": local(now - timedelta(days=10)),
            "intake_closes_at": local(now - timedelta(hours=2)),
            "results_at": past,
        },
    ).text
    assert "De ingave sluit meteen" in page
    assert "De resultaten worden meteen definitief" in page
    assert "Als je de ingave vroeger sluit" not in page


def test_back_on_the_confirmation_returns_to_the_form_with_the_changes(
    app, client, admin
):
    term_id, term = _term_with_requests(app)
    data = edit_data(term, name="Herfst 2030", intake_closes_at="2030-06-20T12:00")
    confirm = client.post(f"/stageperiodes/{term_id}/bewerken", data=data).text
    assert 'name="action" value="back"' in confirm
    back = client.post(
        f"/stageperiodes/{term_id}/bewerken",
        data={**data, "confirmed": "1", "action": "back"},
    )
    assert back.status_code == 200
    assert (
        'value="Herfst 2030"' in back.text and 'value="2030-06-20T12:00"' in back.text
    )
    assert 'class="error"' not in back.text
    assert terms(app)[0].name == "1 okt – 31 dec 2030", "nothing saved"
    assert audit_actions(app) == []


# --- review findings: timing, lists, wording ----------------------------------------------------


def _timing_row(page: str, what: str) -> str:
    start = page.rindex("<tr", 0, page.index(what))
    return page[start : page.index("</tr>", start)]


def test_point_moments_on_the_timing_page_end(app, client):
    now = utcnow()
    with app.app_context():
        # Results final, no second round, internship over: nothing of this term is "nu".
        make_term(
            name="Voorbij",
            intake_open=False,
            results_at=now - timedelta(days=100),
            intake_opens_at=now - timedelta(days=130),
            intake_closes_at=now - timedelta(days=120),
            internship_start=(now - timedelta(days=90)).date(),
            internship_end=(now - timedelta(days=2)).date(),
        )
        # Results final, internship still running: consulting is "nu", the release is past.
        make_term(name="Loopt", intake_open=False, results_at=now - timedelta(days=1))
        admin_user = make_user("admin")
        db.session.commit()
        email = admin_user.email
    login(client, email)
    page = client.get("/timing").text
    for what in (
        "Het CVO kan de cursisten en hun stageplaatsen voor Voorbij definitief raadplegen.",
        "Stageaanvragen van cursisten met stageperiode Voorbij zichtbaar",
    ):
        assert "voorbij" in _timing_row(
            page, what
        ) and "<strong>nu</strong>" not in _timing_row(page, what), what
    assert "<strong>nu</strong>" in _timing_row(
        page,
        "Het CVO kan de cursisten en hun stageplaatsen voor Loopt definitief raadplegen.",
    )
    assert "voorbij" in _timing_row(
        page, "Stageaanvragen van cursisten met stageperiode Loopt zichtbaar"
    )


def test_a_midnight_moment_reads_as_the_manual_says(app, client):
    year = (
        utcnow().year + 1 if utcnow().month >= 9 else utcnow().year
    )  # next school year's first calendar year
    with app.app_context():
        make_term(
            name="Middernacht",
            school_year=year,
            internship_start=date(year + 1, 1, 1),
            internship_end=date(year + 1, 3, 31),
            intake_opens_at=brussels(date(year, 9, 1)),
            intake_closes_at=brussels(date(year, 11, 15)),
            results_at=brussels(date(year, 12, 1)),
        )
        admin_user = make_user("admin")
        db.session.commit()
        email = admin_user.email
    login(client, email)
    page = client.get("/timing").text
    tables = page[page.index("<h1>Timing</h1>") :]
    assert f"Van 01/09/{year} tot vóór 15/11/{year}" in tables
    assert f"Vóór 01/12/{year}" in tables and f"Vanaf 01/12/{year}" in tables
    assert "00:00" not in tables


def test_second_round_acceptances_are_marked_on_the_term(app, client, admin):
    now = utcnow()
    with app.app_context():
        term = make_term(
            intake_open=False,
            results_at=now - timedelta(days=2),
            second_round_until=now + timedelta(days=5),
        )
        first = make_placement(make_student(term=term, last_name="Eerste"))
        first.created_at = now - timedelta(days=3)
        second = make_placement(make_student(term=term, last_name="Tweede"))
        second.created_at = now - timedelta(days=1)
        db.session.commit()
        term_id = term.id
    page = client.get(f"/stageperiodes/{term_id}").text
    assert "<mark>tweede ronde</mark>" not in _timing_row(page, "Eerste, Sara")
    assert "<mark>tweede ronde</mark>" in _timing_row(page, "Tweede, Sara")


def test_the_new_school_year_text_uses_the_manuals_words(app, client, admin):
    with app.app_context():
        make_term(school_year=2025)
        db.session.commit()
    page = client.get("/stageperiodes").text
    assert "alle datums schuiven een jaar op, de uren blijven gelijk." in page


def test_reopening_final_results_and_moving_the_release_say_what_they_mean(app, ctx):
    from app.schedule.operations import change_consequences, term_changes

    now = utcnow()
    term = make_term(intake_open=False, results_at=now - timedelta(days=1))
    values = {
        "name": term.name,
        "school_year": term.school_year,
        "internship_start": term.internship_start,
        "internship_end": term.internship_end,
        "intake_opens_at": term.intake_opens_at,
        "intake_closes_at": term.intake_closes_at,
        "requests_visible_at": None,
        "results_at": now + timedelta(days=5),
        "second_round_until": None,
    }
    said = " ".join(change_consequences(term, values, now))
    assert "worden opnieuw voorlopig" in said and "blijven langer voorlopig" not in said
    # Opening later without an own release moment: services lose sight of the requests.
    values.update(
        intake_opens_at=now + timedelta(days=1),
        intake_closes_at=now + timedelta(days=2),
        results_at=now + timedelta(days=3),
    )
    said = " ".join(change_consequences(term, values, now))
    assert "Diensten zien de aanvragen niet meer tot" in said
    release = next(
        c
        for c in term_changes(
            term, {**values, "requests_visible_at": now + timedelta(days=1)}
        )
        if c.label == "Aanvragen zichtbaar voor diensten"
    )
    assert release.old != "—"  # the release it stood for: the opening
