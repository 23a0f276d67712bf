"""Internship requests: the form's rules, the window, the lock, stop and delete (R-STU, R-OVR)."""

import re
from datetime import date as _date
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Period, Student, Supervisor, utcnow
from tests.factories import (
    login,
    make_placement,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

NN = valid_national_number(_date(1990, 5, 17), 123)


@pytest.fixture
def school(app, client):
    """A logged-in coordinator whose school has one supervisor and an open term."""
    with app.app_context():
        user = make_user("school")
        supervisor = make_supervisor(user.school, name="An Peeters")
        term = make_term()
        db.session.commit()
        info = dict(
            school_id=user.school_id,
            supervisor_id=supervisor.id,
            term_id=term.id,
            start=term.internship_start,
            end=term.internship_end,
        )
        login(client, user.email)
    return info


def request_data(school, **overrides) -> dict:
    """A complete, valid request as the browser posts it."""
    start = school["start"]
    data = {
        "first_name": "Sara",
        "last_name": "Janssens",
        "national_number": NN,
        "street": "Kerkstraat 1",
        "postcode": "2000",
        "city": "Antwerpen",
        "province": "ANT",
        "phone": "0470 12 34 56",
        "email": "sara@mail.example",
        "transport": ["fiets", "ov"],
        "remarks": "",
        "supervisor_id": str(school["supervisor_id"]),
        "internship_form": "blok",
        "period_count": "2",
        "hours_per_week": "30",
        "total_hours": "240",
        "period_1_start": start.isoformat(),
        "period_1_end": (start + timedelta(days=20)).isoformat(),
        "period_2_start": (start + timedelta(days=30)).isoformat(),
        "period_2_end": (start + timedelta(days=50)).isoformat(),
        "internship_remarks": "",
        "preferred_service_id": "0",
        "action": "close",
    }
    data.update(overrides)
    return data


def post_new(client, school, **overrides):
    return client.post(
        f"/studenten/nieuw?term={school['term_id']}",
        data=request_data(school, **overrides),
    )


def stored_students(app) -> list[Student]:
    with app.app_context():
        return list(db.session.scalars(select(Student)))


def test_a_complete_request_is_saved_with_its_periods(app, client, school):
    response = post_new(client, school)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/studenten?term={school['term_id']}"
    with app.app_context():
        student = db.session.scalar(select(Student))
        assert (student.first_name, student.phone, student.transport) == (
            "Sara",
            "+32470123456",
            "fiets,ov",
        )
        assert [p.number for p in student.periods] == [1, 2]
        assert student.school_id == school["school_id"]


def test_save_and_next_opens_an_empty_form(app, client, school):
    response = post_new(client, school, action="next")
    assert response.headers["Location"] == f"/studenten/nieuw?term={school['term_id']}"


def test_sec_22_the_national_number_is_encrypted_at_rest(app, client, school):
    post_new(client, school)
    with app.app_context():
        raw = db.session.execute(text("SELECT * FROM student")).mappings().one()
        assert NN not in str(dict(raw))
        assert raw["national_number_index"] and raw["national_number_encrypted"]
    page = client.get(f"/studenten/{stored_students(app)[0].id}")
    assert NN[:2] + "." + NN[2:4] in page.text  # the school sees it formatted


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"hours_per_week": ""}, "hours_per_week", "verplicht bij blok"),
        (
            {"internship_form": "blok_alternerend", "hours_per_week": ""},
            "hours_per_week",
            "verplicht bij blok",
        ),
        ({"national_number": "85073003329"}, "national_number", "klopt niet"),
        ({"national_number": ""}, "national_number", "verplicht"),
        ({"first_name": ""}, "first_name", "verplicht"),
        ({"postcode": "200"}, "postcode", "4 cijfers"),
        ({"province": ""}, "province", "provincie"),
        ({"total_hours": ""}, "total_hours", "verplicht"),
        ({"total_hours": "0"}, "total_hours", "positief"),
        ({"period_2_end": ""}, "period_2_end", "einddatum van periode 2"),
        ({"period_1_start": ""}, "period_1_start", "startdatum van periode 1"),
        (
            {"supervisor_id": "0"},
            "supervisor_id",
            "Kies een stage-/werkplekbegeleider.",
        ),
        ({"phone": "12"}, "phone", "telefoonnummer"),
    ],
)
def test_invalid_requests_show_the_message_next_to_the_field(
    app, client, school, overrides, field, message
):
    response = post_new(client, school, **overrides)
    assert response.status_code == 200
    error = f'id="{field}-error"'
    assert error in response.text
    after = response.text.split(error, 1)[1][:300]
    assert message in after
    assert (
        'value="Janssens"' in response.text or field == "last_name"
    )  # nothing typed is lost
    assert stored_students(app) == []


def test_hours_are_optional_for_alternerend(app, client, school):
    assert (
        post_new(
            client, school, internship_form="alternerend", hours_per_week=""
        ).status_code
        == 302
    )


def test_reversed_dates_are_refused(app, client, school):
    start = school["start"]
    response = post_new(
        client,
        school,
        period_1_start=(start + timedelta(days=10)).isoformat(),
        period_1_end=(start + timedelta(days=5)).isoformat(),
    )
    assert "De einddatum ligt vóór de startdatum." in response.text


def test_overlapping_periods_are_refused(app, client, school):
    start = school["start"]
    response = post_new(
        client, school, period_2_start=(start + timedelta(days=15)).isoformat()
    )
    assert "geen overlap" in response.text
    assert stored_students(app) == []


def test_periods_must_fall_inside_the_term(app, client, school):
    response = post_new(
        client, school, period_1_start=(school["start"] - timedelta(days=1)).isoformat()
    )
    assert "binnen de stageperiode" in response.text


def test_periods_beyond_the_chosen_number_are_ignored(app, client, school):
    assert (
        post_new(
            client, school, period_count="1", period_2_start="", period_2_end=""
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(Period.number)) == 1


def test_sec_22_the_same_person_twice_in_one_term_is_refused_with_a_link(
    app, client, school
):
    post_new(client, school)
    first_id = stored_students(app)[0].id
    response = post_new(client, school, national_number="90.05.17-123." + NN[-2:])
    assert "al ingegeven voor deze stageperiode" in response.text
    assert f'href="/studenten/{first_id}"' in response.text
    assert len(stored_students(app)) == 1


def test_preferred_service_must_be_in_the_chosen_province(app, client, school):
    with app.app_context():
        far = make_service(province="LIM").id
        near = make_service(province="ANT").id
        db.session.commit()
    response = post_new(client, school, preferred_service_id=str(far))
    assert "niet in de gekozen provincie" in response.text
    assert post_new(client, school, preferred_service_id=str(near)).status_code == 302


def two_provinces_of_services(app) -> dict:
    """A care service in Antwerpen and one in Limburg."""
    with app.app_context():
        near = make_service(province="ANT", name="WZC Antwerpen Noord").id
        far = make_service(province="LIM", name="WZC Hasselt Zuid").id
        db.session.commit()
    return {"near": near, "far": far}


def test_after_a_refused_preference_the_list_shows_the_chosen_province(
    app, client, school
):
    services = two_provinces_of_services(app)
    response = post_new(client, school, preferred_service_id=str(services["far"]))
    assert 'id="preferred_service_id-error"' in response.text
    assert "niet in de gekozen provincie" in response.text
    assert "WZC Antwerpen Noord" in response.text
    assert "WZC Hasselt Zuid" not in response.text


def test_the_preference_list_of_a_stored_request_is_its_province(app, client, school):
    services = two_provinces_of_services(app)
    post_new(client, school, preferred_service_id=str(services["near"]))
    student_id = stored_students(app)[0].id
    page = client.get(f"/studenten/{student_id}/bewerken")
    assert f'<option selected value="{services["near"]}">' in page.text
    assert "WZC Hasselt Zuid" not in page.text


def test_without_a_province_every_service_is_offered_by_province(client, school, app):
    two_provinces_of_services(app)
    page = client.get(f"/studenten/nieuw?term={school['term_id']}")
    assert '<optgroup label="Limburg">' in page.text
    assert "WZC Antwerpen Noord" in page.text and "WZC Hasselt Zuid" in page.text


def test_changing_the_province_fetches_its_preference_list(app, client, school):
    services = two_provinces_of_services(app)
    page = client.get(f"/studenten/nieuw?term={school['term_id']}")
    province = re.search(r'<select[^>]*name="province"[^>]*>', page.text).group(0)
    assert 'hx-get="/studenten/voorkeursdiensten"' in province
    assert 'hx-trigger="change"' in province
    assert 'hx-target="#preferred-service-field"' in province

    fragment = client.get(
        "/studenten/voorkeursdiensten?province=LIM"
        f"&preferred_service_id={services['far']}",
        headers={"HX-Request": "true"},
    )
    assert "WZC Hasselt Zuid" in fragment.text
    assert "WZC Antwerpen Noord" not in fragment.text
    assert f'<option selected value="{services["far"]}">' in fragment.text
    assert "<optgroup" not in fragment.text
    assert "<html" not in fragment.text


def test_a_suggested_province_brings_its_preference_list(app, client, school):
    two_provinces_of_services(app)
    hint = client.get(
        "/studenten/provincie?postcode=3500&province=", headers={"HX-Request": "true"}
    )
    oob = re.search(
        r'<div id="preferred-service-field" hx-swap-oob="true">.*?</div>',
        hint.text,
        re.S,
    )
    assert oob and 'id="preferred_service_id"' in oob.group(0)

    assert "WZC Hasselt Zuid" in oob.group(0)
    assert "WZC Antwerpen Noord" not in oob.group(0)


def test_missing_supervisor_is_added_without_losing_the_form(app, client, school):
    response = client.post(
        f"/studenten/nieuw?term={school['term_id']}",
        data=request_data(
            school,
            action="add_supervisor",
            supervisor_id="0",
            **{
                "sup-name": "Bert Claes",
                "sup-phone": "03 212 34 56",
                "sup-email": "bert@cvo.be",
            },
        ),
    )
    assert response.status_code == 200
    assert 'value="Janssens"' in response.text
    with app.app_context():
        bert = db.session.scalar(
            select(Supervisor).where(Supervisor.name == "Bert Claes")
        )
    assert f'<option selected value="{bert.id}">Bert Claes</option>' in response.text
    assert stored_students(app) == []


def test_province_hint_from_postcode(app, client, school):
    hint = client.get(
        "/studenten/provincie?postcode=3500&province=", headers={"HX-Request": "true"}
    )
    assert "Postcode 3500 hoort bij Limburg." in hint.text
    assert (
        'hx-swap-oob="true"' in hint.text
        and '<option selected value="LIM">' in hint.text
    )
    kept = client.get("/studenten/provincie?postcode=3500&province=ANT")
    assert "hx-swap-oob" not in kept.text  # a chosen province is not overwritten
    assert "Enkel de diensten van die provincie" in kept.text


def test_outside_the_intake_window_nothing_can_be_created(app, client, school):
    with app.app_context():
        closed = make_term(intake_open=False)
        db.session.commit()
        closed_id = closed.id
    page = client.get(f"/studenten/nieuw?term={closed_id}")
    assert "is afgesloten sinds" in page.text
    assert "Opslaan en sluiten" not in page.text
    response = client.post(
        f"/studenten/nieuw?term={closed_id}", data=request_data(school)
    )
    assert "is afgesloten sinds" in response.text
    assert stored_students(app) == []


def test_before_the_window_opens_the_form_says_when(app, client, school):
    with app.app_context():
        later = make_term(
            intake_opens_at=utcnow() + timedelta(days=3),
            intake_closes_at=utcnow() + timedelta(days=30),
            results_at=utcnow() + timedelta(days=40),
        )
        db.session.commit()
        later_id = later.id
    assert "ingeven kan vanaf" in client.get(f"/studenten/nieuw?term={later_id}").text


def test_admin_override_lets_one_school_enter_late(app, client, school):
    from app.models import IntakeOverride

    with app.app_context():
        closed = make_term(intake_open=False)
        db.session.add(
            IntakeOverride(
                term_id=closed.id,
                school_id=school["school_id"],
                until=utcnow() + timedelta(days=2),
                reason="late inschrijving",
            )
        )
        db.session.commit()
        closed_id = closed.id
    assert (
        client.post(
            f"/studenten/nieuw?term={closed_id}", data=request_data(school)
        ).status_code
        == 302
    )


def test_edit_changes_the_request(app, client, school):
    post_new(client, school)
    student_id = stored_students(app)[0].id
    form = client.get(f"/studenten/{student_id}/bewerken")
    assert 'value="Janssens"' in form.text and "90.05.17-123" in form.text
    client.post(
        f"/studenten/{student_id}/bewerken",
        data=request_data(school, last_name="Peeters"),
    )
    assert stored_students(app)[0].last_name == "Peeters"


def accepted_student(app, school) -> int:
    with app.app_context():
        from app.models import School, Term

        student = make_student(
            school=db.session.get(School, school["school_id"]),
            term=db.session.get(Term, school["term_id"]),
        )
        make_placement(student, notes="Welkom op maandag")
        db.session.commit()
        return student.id


def test_accepted_request_is_read_only_for_the_school(app, client, school):
    student_id = accepted_student(app, school)
    assert (
        client.get(f"/studenten/{student_id}/bewerken").headers["Location"]
        == f"/studenten/{student_id}"
    )
    response = client.post(
        f"/studenten/{student_id}/bewerken",
        data=request_data(school, last_name="X"),
        follow_redirects=True,
    )
    assert "kunnen niet meer gewijzigd worden" in response.text
    assert client.post(f"/studenten/{student_id}/verwijderen").status_code == 302
    with app.app_context():
        student = db.session.get(Student, student_id)
        assert student is not None and student.last_name != "X"


def test_delete_a_wrongly_added_request(app, client, school):
    post_new(client, school)
    student_id = stored_students(app)[0].id
    assert (
        "enkel voor foutief toegevoegde"
        in client.get(f"/studenten/{student_id}/verwijderen").text
    )
    client.post(f"/studenten/{student_id}/verwijderen")
    assert stored_students(app) == []


def test_stopped_student_stays_in_the_overview_marked(app, client, school):
    post_new(client, school)
    student_id = stored_students(app)[0].id
    client.post(
        f"/studenten/{student_id}/gestopt",
        data={
            "stopped_on": utcnow().date().isoformat(),
            "stopped_reason": "werk gevonden",
        },
    )
    overview = client.get(f"/studenten?term={school['term_id']}")
    assert "Janssens, Sara" in overview.text
    assert "gestopt" in overview.text
    assert stored_students(app)[0].stopped_on == utcnow().date()


def test_overview_shows_status_service_approved_period_and_mentor(app, client, school):
    student_id = accepted_student(app, school)
    with app.app_context():
        student = db.session.get(Student, student_id)
        placement = student.placements[0]
        service_name, mentor_name = placement.care_service.name, placement.mentor.name
    overview = client.get(f"/studenten?term={school['term_id']}")
    assert "aanvaard" in overview.text and "voorlopig" in overview.text
    assert service_name in overview.text and mentor_name in overview.text
    assert "Welkom op maandag" in overview.text


def test_overview_before_acceptance_has_an_empty_status(app, client, school):
    post_new(client, school)
    row = (
        client.get(f"/studenten?term={school['term_id']}")
        .text.split("Janssens, Sara")[1]
        .split("</tr>")[0]
    )
    assert "aanvaard" not in row and "gestopt" not in row


def test_results_become_definitief_at_the_results_moment(app, client, school):
    student_id = accepted_student(app, school)
    with app.app_context():
        from app.models import Term

        term = db.session.get(Term, school["term_id"])
        term.intake_closes_at = utcnow() - timedelta(days=2)
        term.results_at = utcnow() - timedelta(days=1)
        db.session.commit()
    assert student_id
    assert "definitief" in client.get(f"/studenten?term={school['term_id']}").text


def test_overview_search_sort_and_pages(app, client, school):
    with app.app_context():
        from app.models import School, Term

        own = db.session.get(School, school["school_id"])
        term = db.session.get(Term, school["term_id"])
        supervisor = db.session.get(Supervisor, school["supervisor_id"])
        for n in range(55):
            make_student(
                school=own, term=term, supervisor=supervisor, last_name=f"Naam{n:02d}"
            )
        make_student(
            school=own, term=term, supervisor=supervisor, last_name="Vermeulen"
        )
        db.session.commit()
    first = client.get(f"/studenten?term={school['term_id']}")
    assert (
        "56 studenten" in first.text
        and "Naam00" in first.text
        and "Vermeulen" not in first.text
    )
    second = client.get(
        f"/studenten?term={school['term_id']}&page=2", headers={"HX-Request": "true"}
    )
    assert "Vermeulen" in second.text and "<html" not in second.text
    found = client.get(f"/studenten?term={school['term_id']}&q=verm")
    assert (
        "1 student" in found.text
        and "Vermeulen" in found.text
        and "Naam01" not in found.text
    )
    reverse = client.get(f"/studenten?term={school['term_id']}&sort=-naam")
    assert reverse.text.index("Vermeulen") < reverse.text.index("Naam54")


def test_school_cannot_reach_another_schools_students(app, client, school):
    with app.app_context():
        other = make_student(last_name="Vreemde")
        db.session.commit()
        other_id, other_term = other.id, other.term_id
    for method, url in [
        ("GET", f"/studenten/{other_id}"),
        ("GET", f"/studenten/{other_id}/bewerken"),
        ("POST", f"/studenten/{other_id}/bewerken"),
        ("POST", f"/studenten/{other_id}/verwijderen"),
        ("POST", f"/studenten/{other_id}/gestopt"),
    ]:
        assert client.open(url, method=method).status_code == 404, url
    assert "Vreemde" not in client.get(f"/studenten?term={other_term}").text


def test_sec_21_the_national_number_never_appears_in_a_log_line(
    app, client, school, caplog
):
    """SECURITY.md 21: saving, failing validation and a duplicate leave no number in the logs."""
    import logging

    caplog.set_level(logging.DEBUG)
    post_new(client, school)
    post_new(client, school)  # duplicate
    post_new(client, school, national_number=NN[:-1] + "0", total_hours="")  # invalid
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert NN not in text and NN[:6] not in text.replace("-", "")


def test_at_least_one_means_of_transport(app, client, school):
    response = post_new(client, school, transport=[])
    assert "Duid minstens één vervoersmiddel aan." in response.text
    assert stored_students(app) == []


def test_line_breaks_in_names_are_refused(app, client, school):
    response = post_new(client, school, first_name="Sara\r\nBcc: x@y.z")
    assert "Gebruik geen regeleinden" in response.text
    assert stored_students(app) == []


@pytest.mark.parametrize(
    "url",
    ["/studenten/100000000000000000000", "/begeleiders/100000000000000000000/bewerken"],
)
def test_ids_too_large_answer_404_for_a_school(app, client, school, url):
    assert client.get(url).status_code == 404


def test_preferred_service_id_too_large_is_a_field_error(app, client, school):
    response = post_new(client, school, preferred_service_id="100000000000000000000")
    assert (
        response.status_code == 200 and "Kies een dienst uit de lijst." in response.text
    )


# --- SECURITY 22: encrypted at rest, duplicates found by a keyed blind index ---------------


def digit_windows(number: str, size: int) -> set[str]:
    return {number[i : i + size] for i in range(len(number) - size + 1)}


def stored_row(app) -> dict:
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM student")).mappings().one()
        return dict(row)


def test_sec_22_the_stored_row_holds_no_digits_of_the_number_and_no_key(
    app, client, school
):
    """What the database holds of a request: no six digits in a row of the number in any
    text column, no four in the ciphertext; an index that is an HMAC under BLIND_INDEX_KEY
    (not a plain hash anyone could compute); neither key anywhere in the database; and the
    number readable with the configured key only."""
    import base64
    import hashlib
    import hmac

    from cryptography.fernet import Fernet

    from app.crypto import decrypt_national_number
    from app.validation import format_national_number
    from tests.test_sec_01_cross_tenant import snapshot

    assert post_new(client, school).status_code == 302
    row = stored_row(app)
    ciphertext = bytes(row.pop("national_number_encrypted"))
    index = row.pop("national_number_index")
    for column, value in row.items():
        if isinstance(value, str):
            for window in digit_windows(NN, 6) | {format_national_number(NN)}:
                assert window not in value, column
    token = base64.urlsafe_b64decode(ciphertext)
    for window in digit_windows(NN, 4):
        assert window.encode() not in token
    assert NN.encode() not in ciphertext

    key = app.config["BLIND_INDEX_KEY"].encode()
    assert index == hmac.new(key, NN.encode(), hashlib.sha256).hexdigest()
    assert index != hashlib.sha256(NN.encode()).hexdigest()
    everything = repr(snapshot(app))
    for name in ("ENCRYPTION_KEY", "BLIND_INDEX_KEY", "SECRET_KEY"):
        assert app.config[name] not in everything, name

    with app.app_context():
        assert decrypt_national_number(ciphertext) == NN
        configured = app.config["ENCRYPTION_KEY"]
        app.config["ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        try:
            assert decrypt_national_number(ciphertext) is None
        finally:
            app.config["ENCRYPTION_KEY"] = configured


def test_sec_22_the_blind_index_finds_a_duplicate_without_decrypting(
    app, client, school, monkeypatch
):
    """The same person entered twice (typed differently) is refused with no decryption at
    all; across schools the same number has different ciphertexts but one index value, so a
    GROUP BY on the index finds it."""
    from cryptography.fernet import Fernet
    from sqlalchemy import func

    from app.models import School, Term

    assert post_new(client, school).status_code == 302
    decrypted = []
    real_decrypt = Fernet.decrypt

    def counting_decrypt(self, *args, **kwargs):
        decrypted.append(args)
        return real_decrypt(self, *args, **kwargs)

    monkeypatch.setattr(Fernet, "decrypt", counting_decrypt)
    typed_otherwise = f"{NN[:2]}.{NN[2:4]}.{NN[4:6]}-{NN[6:9]}.{NN[9:]}"
    response = post_new(client, school, national_number=typed_otherwise)
    assert "al ingegeven voor deze stageperiode" in response.text
    assert len(stored_students(app)) == 1
    assert decrypted == []

    with app.app_context():
        term = db.session.get(Term, school["term_id"])
        make_student(term=term, national_number=NN)  # another school, the same person
        make_student(school=db.session.get(School, school["school_id"]), term=term)
        db.session.commit()
        duplicates = db.session.execute(
            select(Student.national_number_index, func.count())
            .group_by(Student.national_number_index)
            .having(func.count() > 1)
        ).all()
        same = db.session.scalars(
            select(Student.national_number_encrypted).where(
                Student.national_number_index == duplicates[0][0]
            )
        ).all()
    assert [count for _, count in duplicates] == [2]
    assert len(set(map(bytes, same))) == 2  # two ciphertexts, one index
    assert decrypted == []


def test_a_preference_of_another_province_is_dropped_from_the_new_list(
    app, client, school
):
    services = two_provinces_of_services(app)
    fragment = client.get(
        f"/studenten/voorkeursdiensten?province=ANT&preferred_service_id={services['far']}",
        headers={"HX-Request": "true"},
    )
    assert '<option selected value="0">' in fragment.text
    assert "WZC Hasselt Zuid" not in fragment.text
