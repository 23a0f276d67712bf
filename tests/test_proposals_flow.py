"""The allocation proposal end to end (issue 13), through HTTP with real logins.

A term past its results moment has leftovers in two provinces. VIVO makes a proposal with the
real form and sends it; WZC Schelde accepts Ann with a mentor it adds on the spot, WZC Berchem
declines Bart with a reason, WZC Gent lets Dirk's line expire. Then Ann is a normal placement,
Bart and (after the deadline) Dirk are back in the pool, and the next run does not propose
Berchem to Bart again but says why.
"""

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    AuditEvent,
    Decline,
    Placement,
    Term,
    utcnow,
)
from app.proposals.instance import pool_ids
from app.schedule.clock import local_date
from tests.factories import (
    login,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)

REASON = "Geen plaats op de afdeling in die weken"


class _Forms(HTMLParser):
    """The POST forms of a page as a browser would send them: {action path: fields}."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.current = self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = self.forms.setdefault(urlsplit(attrs["action"]).path, {})
        elif self.current is None or "name" not in attrs and tag != "option":
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "checkbox"):
            self.current[attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and "checked" in attrs:
            self.current[attrs["name"]] = attrs.get("value") or "y"
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.current[self.select] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.current[self.textarea] = ""

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_on(page: str, action: str) -> dict[str, str]:
    """The fields of the page's POST form to `action`, as they are filled in."""
    parser = _Forms()
    parser.feed(page)
    assert action in parser.forms, f"no form posting to {action}"
    return parser.forms[action]


def row_of(page: str, name: str) -> str:
    """The table row of the page that holds `name`."""
    rows = [row for row in re.findall(r"<tr.*?</tr>", page, re.S) if name in row]
    assert len(rows) == 1, f"{len(rows)} rows with {name}"
    return rows[0]


def signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


@pytest.fixture
def world(app) -> dict:
    """A term past its results: Ann and Bart (Antwerpen, Bart prefers Berchem) and Dirk
    (Gent) have no place; WZC Schelde (Antwerpen, 2 places), WZC Berchem (Antwerpen) and
    WZC Gent (Oost-Vlaanderen) have room; none of them has a stagementor yet."""
    with app.app_context():
        now = utcnow()
        term = make_term(
            intake_open=False,
            intake_opens_at=now - timedelta(days=60),
            intake_closes_at=now - timedelta(days=40),
            results_at=now - timedelta(days=20),
            name="Najaar",
        )
        school = make_school(name="CVO Leerrijk")
        schelde = make_service("ANT", name="WZC Schelde", postcode="2000")
        berchem = make_service("ANT", name="WZC Berchem", postcode="2600")
        gent = make_service("OVL", name="WZC Gent", postcode="9000")
        for service in (schelde, berchem, gent):
            service.capacity_default = 2
        emails = dict(
            admin=make_user("admin").email,
            school=make_user("school", organisation=school).email,
            schelde=make_user("service", organisation=schelde).email,
            berchem=make_user("service", organisation=berchem).email,
            gent=make_user("service", organisation=gent).email,
        )
        students = dict(
            ann=make_student(school, term, first_name="Ann", last_name="Peeters"),
            bart=make_student(
                school,
                term,
                first_name="Bart",
                last_name="Claes",
                preferred_service_id=berchem.id,
            ),
            dirk=make_student(
                school,
                term,
                first_name="Dirk",
                last_name="Maes",
                province="OVL",
                postcode="9000",
                city="Gent",
            ),
        )
        db.session.commit()
        return dict(
            term=term.id,
            emails=emails,
            services=dict(schelde=schelde.id, berchem=berchem.id, gent=gent.id),
            students={key: s.id for key, s in students.items()},
        )


def make_proposal(client, world) -> int:
    """VIVO opens "Voorstel maken" from the term's page and submits the form as it is."""
    term_page = client.get(f"/stageperiodes/{world['term']}").text
    action = f"/admin/stageperiodes/{world['term']}/voorstel"
    assert f'href="{action}"' in term_page and "Voorstel maken" in term_page
    page = client.get(action).text
    fields = form_on(page, action)
    assert fields["order"] == "request_time" and fields["km_fiets"] == "15"
    made = client.post(action, data=fields)
    assert made.status_code == 302, made.text[:2000]
    return int(made.location.rsplit("/", 1)[1])


def lines_of(app, run_id: int) -> dict[int, AllocationLine]:
    with app.app_context():
        lines = db.session.scalars(
            select(AllocationLine).where(AllocationLine.run_id == run_id)
        ).all()
        for line in lines:
            db.session.expunge(line)
        return {line.student_id: line for line in lines}


@pytest.fixture
def answered(app, world, outbox) -> dict:
    """The flow up to the answers: made, read, sent; Schelde accepts Ann with a new mentor,
    Berchem declines Bart, Gent has not answered Dirk yet."""
    admin = signed_in(app, world["emails"]["admin"])
    run_id = make_proposal(admin, world)
    result = admin.get(f"/admin/voorstellen/{run_id}").text
    assert "Ontwerp" in result
    # Per province of the student: placed, not placed.
    for province, placed in (("Antwerpen", 2), ("Oost-Vlaanderen", 1)):
        row = row_of(result, f'<th scope="row">{province}</th>')
        assert re.findall(r"<td>(\d+)</td>", row) == [str(placed), "0"]
    assert "WZC Schelde" in row_of(result, "Ann Peeters")
    assert "WZC Berchem" in row_of(result, "Bart Claes")
    assert "WZC Gent" in row_of(result, "Dirk Maes")
    assert "weigerde deze student eerder" not in result

    day = local_date(utcnow()) + timedelta(days=7)
    send = f"/admin/voorstellen/{run_id}/versturen"
    fields = form_on(result, send) | {"answer_day": day.isoformat()}
    sent = admin.post(send, data=fields, follow_redirects=True).text
    assert "Voorstel verstuurd naar 3 diensten." in sent
    lines = lines_of(app, run_id)
    students, services = world["students"], world["services"]
    assert {sid: line.care_service_id for sid, line in lines.items()} == {
        students["ann"]: services["schelde"],
        students["bart"]: services["berchem"],
        students["dirk"]: services["gent"],
    }

    # WZC Schelde: "Voorstellen" in the menu; accept Ann with a mentor added inline.
    schelde = signed_in(app, world["emails"]["schelde"])
    listed = schelde.get("/dienst/voorstellen").text
    assert ">Voorstellen</a>" in listed and "Ann Peeters" in listed
    assert "Bart Claes" not in listed and "Dirk Maes" not in listed
    ann_line = lines[students["ann"]].id
    page = schelde.get(f"/dienst/voorstellen/{ann_line}").text
    accept = f"/dienst/voorstellen/{ann_line}/aanvaarden"
    fields = form_on(page, accept) | {
        "action": "add_mentor",
        "mentor-name": "Lies Claes",
        "mentor-phone": "03 218 50 00",
        "mentor-email": "lies@schelde.example",
    }
    page = schelde.post(accept, data=fields).text
    assert "Stagementor Lies Claes toegevoegd en gekozen." in page
    fields = form_on(page, accept)
    assert fields["mentor_id"] not in ("", "0")
    fields |= {"action": "accept", "notes": "Eerste dag om 8 uur."}
    accepted = schelde.post(accept, data=fields)
    assert accepted.status_code == 302
    assert accepted.location.endswith(f"/dienst/aanvragen/{students['ann']}")

    # WZC Berchem declines Bart with a reason.
    berchem = signed_in(app, world["emails"]["berchem"])
    bart_line = lines[students["bart"]].id
    page = berchem.get(f"/dienst/voorstellen/{bart_line}").text
    decline = f"/dienst/voorstellen/{bart_line}/weigeren"
    declined = berchem.post(decline, data=form_on(page, decline) | {"reason": REASON})
    assert declined.status_code == 302
    assert "Geweigerd op" in berchem.get("/dienst/voorstellen").text
    return dict(
        run=run_id,
        lines={key: lines[sid].id for key, sid in students.items()},
        admin=admin,
        schelde=schelde,
        mails=outbox(),
    )


def test_the_admin_sees_the_answers_and_the_expired_line(app, world, answered):
    admin, run_id = answered["admin"], answered["run"]
    page = admin.get(f"/admin/voorstellen/{run_id}").text
    assert "Verstuurd op" in page
    assert "aanvaard" in row_of(page, "Ann Peeters")
    assert "geweigerd" in row_of(page, "Bart Claes")
    assert "wacht op antwoord" in row_of(page, "Dirk Maes")
    expire(app, run_id)
    assert "vervallen" in row_of(
        admin.get(f"/admin/voorstellen/{run_id}").text, "Dirk Maes"
    )


def test_the_accepted_trainee_is_a_normal_placement(app, world, answered):
    students, services = world["students"], world["services"]
    with app.app_context():
        placements = db.session.scalars(select(Placement)).all()
        assert [(p.student_id, p.care_service_id) for p in placements] == [
            (students["ann"], services["schelde"])
        ]
        assert placements[0].mentor.name == "Lies Claes"
    # The service: her contact data and "Mijn stagiairs".
    schelde = answered["schelde"]
    assert "Ann Peeters" in schelde.get("/dienst/stagiairs").text
    assert "Lies Claes" in schelde.get(f"/dienst/aanvragen/{students['ann']}").text
    listed = schelde.get("/dienst/voorstellen").text
    assert "Aanvaard op" in listed
    assert "Er wacht geen voorstel op je antwoord." in listed
    # The school: accepted in its overview, with the service, the mentor and the decline.
    school = signed_in(app, world["emails"]["school"])
    overview = school.get(f"/studenten?term={world['term']}").text
    ann = row_of(overview, "Peeters, Ann")
    assert "aanvaard" in ann and "WZC Schelde" in ann and "Lies Claes" in ann
    assert "Eerste dag om 8 uur." in ann
    bart = row_of(overview, "Claes, Bart")
    assert f"Geweigerd door WZC Berchem: {REASON}" in bart
    assert "aanvaard" not in bart
    # ... and in its export.
    export = school.get(f"/export/bestand?format=csv&term={world['term']}")
    assert export.status_code == 200
    rows = {r["Voornaam"]: r for r in csv.DictReader(io.StringIO(export.text))}
    export.close()
    assert rows["Ann"]["Status"] == "aanvaard"
    assert "WZC Schelde" in rows["Ann"]["Stageplek"]
    assert rows["Bart"]["Status"] == "open" and rows["Bart"]["Stageplek"] == ""


def expire(app, run_id: int) -> None:
    """The deadline passed: move the run's answer_by into the past."""
    with app.app_context():
        run = db.session.get(AllocationRun, run_id)
        run.answer_by = utcnow() - timedelta(minutes=1)
        db.session.commit()


def pool(app, world) -> set[int]:
    with app.app_context():
        return set(pool_ids(db.session.get(Term, world["term"]), utcnow()))


def test_declined_and_expired_students_return_to_the_pool_and_the_next_run(
    app, world, answered
):
    students, services, admin = world["students"], world["services"], answered["admin"]
    # Bart, declined, is back; Dirk's line still waits for WZC Gent; Ann is placed.
    assert pool(app, world) == {students["bart"]}
    new = f"/admin/stageperiodes/{world['term']}/voorstel"
    assert "1 cursist wacht op een stageplek." in admin.get(new).text
    expire(app, answered["run"])
    assert pool(app, world) == {students["bart"], students["dirk"]}
    assert "2 cursisten wachten op een stageplek." in admin.get(new).text
    # WZC Gent can no longer answer: the line expired.
    gent = signed_in(app, world["emails"]["gent"])
    assert "Verlopen op" in gent.get("/dienst/voorstellen").text
    late = gent.post(
        f"/dienst/voorstellen/{answered['lines']['dirk']}/weigeren",
        data={"reason": "Te laat"},
        follow_redirects=True,
    ).text
    assert "De termijn om op dit voorstel te antwoorden liep af op" in late

    second = make_proposal(admin, world)
    lines = lines_of(app, second)
    assert set(lines) == {students["bart"], students["dirk"]}
    # Berchem, Bart's preference, declined him: never proposed again, and said why.
    assert lines[students["bart"]].care_service_id == services["schelde"]
    assert lines[students["dirk"]].care_service_id == services["gent"]
    bart = row_of(admin.get(f"/admin/voorstellen/{second}").text, "Bart Claes")
    assert "WZC Schelde" in bart
    assert "WZC Berchem" in bart and "weigerde deze student eerder" in bart
    with app.app_context():
        assert db.session.scalars(select(Decline)).one().reason == REASON


def test_the_flow_is_audited_and_mailed_through_the_outbox(app, world, answered):
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.object_id)
        ).all()
    lines = answered["lines"]
    for event in (
        ("proposal.made", answered["run"]),
        ("proposal.sent", answered["run"]),
        ("proposal.accepted", lines["ann"]),
        ("proposal.declined", lines["bart"]),
    ):
        assert event in events
    mails = answered["mails"]
    emails = world["emails"]
    for service in ("schelde", "berchem", "gent"):
        sent = [m for m in mails if m[0] == emails[service]]
        assert len(sent) == 1 and "1 voorgestelde stagiair voor Najaar" in sent[0][1]
    school = [m for m in mails if m[0] == emails["school"]]
    assert len(school) == 2
    assert "Ann Peeters werd aanvaard door WZC Schelde" in school[0][1]
    assert "Bart Claes" in school[1][1] and REASON in school[1][2]
