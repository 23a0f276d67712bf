"""SECURITY 1: every rule of `app.url_map` that takes an id, requested as every role with a
REAL id of another tenant, answers 404 (403 for a role that may not use the endpoint at all)
and changes nothing stored.

The world has two schools, three care services in two provinces (Antwerpen and Limburg),
their supervisors, mentors, students, placements, terms, a late entry and so on. The walk is
made by the Antwerp school and the Antwerp service, whose "other tenant" objects belong to the
Limburg side or to an Antwerp colleague; VIVO's admins see every tenant, so admin-only routes
are exempt from "other tenant" but must still answer 403 to the other roles.

The world and the helpers here are shared with tests/test_sec_06_07_csrf_walk.py and
tests/test_sec_get_changes_nothing.py.
"""

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.logic import ACTIVATE, RESET, issue_token
from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    AuditEvent,
    Base,
    Decline,
    IntakeOverride,
    MailRequest,
    OutboxMail,
    PageText,
    PurgedCount,
    ReminderSent,
    ServiceCapacity,
    utcnow,
)
from tests.factories import (
    login,
    make_mentor,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
)
from tests.test_access import EXPECTED, PUBLIC

ROLES = ("admin", "school", "service")
ADMIN_ONLY = frozenset({"admin"})
ID_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")

# The model each id argument of a rule names; a rule with a new id argument fails the walk
# until it is added here and the world holds objects of it.
ID_MODELS = {
    "school_id": "school",
    "service_id": "service",
    "student_id": "student",
    "supervisor_id": "supervisor",
    "mentor_id": "mentor",
    "placement_id": "placement",
    "term_id": "term",
    "user_id": "user",
    "override_id": "override",
    "run_id": "allocation run",
    "line_id": "allocation line",
}


@dataclass
class World:
    """The ids of everything made for the walks, by owner."""

    admin_email: str = ""
    emails: dict = field(default_factory=dict)  # "user_school_a" -> e-mail, ...
    ids: dict = field(default_factory=dict)  # "stu_b" -> id, ...
    tokens: dict = field(default_factory=dict)  # "activate"/"reset" -> raw token
    periods: dict = field(default_factory=dict)  # student id -> its period ids
    starts: dict = field(default_factory=dict)  # student id -> its term's first day
    # id argument -> ids of every object of that kind in the world
    every: dict = field(default_factory=dict)
    # role -> id argument -> ids the role's walker may NOT see (another tenant)
    foreign: dict = field(default_factory=dict)
    # role -> id argument -> ids the role's walker may use (its own tenant)
    own: dict = field(default_factory=dict)


def build_world(app) -> World:
    """Two schools, three services (two in Antwerpen, one in Limburg), terms in three phases,
    students, placements, a decline, a late entry, capacity, tokens, mail, audit, texts: a row
    in every table, so that any change shows in a snapshot."""
    now = utcnow()
    with app.app_context():
        term_open = make_term()  # intake open: schools enter, services browse
        term_closed = make_term(intake_open=False)  # intake over, results still to come
        term_final = make_term(now=now - timedelta(days=120))  # results final long ago

        school_a, school_b = make_school("CVO Antwerpen"), make_school("CVO Limburg")
        svc_a = make_service("ANT", "WZC Antwerpen")
        svc_a2 = make_service("ANT", "WZC Antwerpen Collega")
        svc_b = make_service("LIM", "WZC Limburg")
        sup_a, sup_b = make_supervisor(school_a), make_supervisor(school_b)
        sup_b2 = make_supervisor(school_b)  # no students: deletable
        mentor_a, mentor_a2, mentor_b = (
            make_mentor(svc_a),
            make_mentor(svc_a2),
            make_mentor(svc_b),
        )
        mentor_b2 = make_mentor(svc_b)  # no trainees: deletable

        admin = make_user("admin", email="admin@vivo.example")
        users = {
            "user_school_a": make_user("school", organisation=school_a),
            "user_school_b": make_user("school", organisation=school_b),
            "user_svc_a": make_user("service", organisation=svc_a),
            "user_svc_a2": make_user("service", organisation=svc_a2),
            "user_svc_b": make_user("service", organisation=svc_b),
        }
        invited = make_user("school", organisation=school_b, activated=False)

        limburg = dict(postcode="3500", city="Hasselt", province="LIM")
        students = {
            # school A's own: one accepted by service A, one still free to edit
            "stu_a": make_student(school_a, term_open, sup_a, periods=2),
            "stu_a2": make_student(school_a, term_open, sup_a, periods=2),
            # school B's: in Limburg (another province for service A) in each phase ...
            "stu_b": make_student(school_b, term_open, sup_b, periods=2, **limburg),
            "stu_b_closed": make_student(school_b, term_closed, sup_b, **limburg),
            "stu_b_final": make_student(school_b, term_final, sup_b, **limburg),
            # ... and one in Antwerpen (service A may see it, school A may not)
            "stu_b_ant": make_student(school_b, term_open, sup_b, periods=2),
        }
        placements = {
            "pl_a": make_placement(students["stu_a"], svc_a, 1, mentor_a),
            "pl_a2": make_placement(students["stu_b_ant"], svc_a2, 1, mentor_a2),
            "pl_b": make_placement(students["stu_b"], svc_b, 1, mentor_b),
        }
        run_a = AllocationRun(
            term_id=term_final.id,
            created_by_id=admin.id,
            sent_at=now - timedelta(days=10),
            answer_by=now - timedelta(days=3),
            lines=[
                AllocationLine(
                    rank=1,
                    student_id=students["stu_b_final"].id,
                    care_service_id=svc_a.id,
                    distance_km=80.5,
                )
            ],
        )
        override = IntakeOverride(
            term_id=term_closed.id,
            school_id=school_b.id,
            until=now + timedelta(days=3),
            reason="Ziekte coördinator",
            created_by_id=admin.id,
        )
        db.session.add_all(
            [
                override,
                Decline(
                    student_id=students["stu_b_ant"].id,
                    care_service_id=svc_b.id,
                    reason="Te ver",
                ),
                ServiceCapacity(
                    care_service_id=svc_b.id, term_id=term_open.id, places=3
                ),
                OutboxMail(
                    recipient="x@example.org", subject="Test", body_text="Hallo"
                ),
                # A proposal for the leftovers of the final term, sent to service B
                # (issue 13): a line for school B's unplaced student there; an earlier
                # one proposed the same student to service A and expired.
                run_a,
                AllocationRun(
                    term_id=term_final.id,
                    created_by_id=admin.id,
                    sent_at=now,
                    answer_by=now + timedelta(days=7),
                    lines=[
                        AllocationLine(
                            rank=1,
                            student_id=students["stu_b_final"].id,
                            care_service_id=svc_b.id,
                            distance_km=4.2,
                        )
                    ],
                ),
                # A stranger's "mail me a reset link", not yet worked off (SECURITY 14).
                MailRequest(purpose=RESET, address="x@example.org"),
                AuditEvent(user_id=admin.id, action="test.event"),
                PageText(key="help", body="Hulp"),
                ReminderSent(
                    kind="test", term_id=term_open.id, recipient="x@example.org"
                ),
                # The figures a purge kept of an earlier term (SECURITY 25).
                PurgedCount(
                    term_id=term_open.id,
                    school_id=students["stu_b_ant"].school_id,
                    province="ANT",
                    requests=1,
                ),
            ]
        )
        tokens = {
            "activate": issue_token(invited, ACTIVATE),
            "reset": issue_token(users["user_school_b"], RESET),
        }
        db.session.flush()
        line_a = run_a.lines[0]
        line_b = db.session.scalar(
            select(AllocationLine).where(AllocationLine.care_service_id == svc_b.id)
        )

        named = [
            ("school_a", school_a.id),
            ("school_b", school_b.id),
            ("svc_a", svc_a.id),
            ("svc_a2", svc_a2.id),
            ("svc_b", svc_b.id),
            ("sup_a", sup_a.id),
            ("sup_b", sup_b.id),
            ("sup_b2", sup_b2.id),
            ("mentor_a", mentor_a.id),
            ("mentor_a2", mentor_a2.id),
            ("mentor_b", mentor_b.id),
            ("mentor_b2", mentor_b2.id),
            ("term_open", term_open.id),
            ("term_closed", term_closed.id),
            ("term_final", term_final.id),
            ("override", override.id),
            ("run", line_b.run_id),
            ("run_a", run_a.id),
            ("line_a", line_a.id),
            ("line_b", line_b.id),
            ("admin", admin.id),
            ("invited", invited.id),
            *((key, user.id) for key, user in users.items()),
            *((key, student.id) for key, student in students.items()),
            *((key, placement.id) for key, placement in placements.items()),
        ]
        ids = dict(named)
        assert len(ids) == len(named), "two objects share a name"
        world = World(
            admin_email=admin.email,
            emails={key: user.email for key, user in users.items()},
            ids=ids,
            tokens=tokens,
            periods={
                student.id: [period.id for period in student.periods]
                for student in students.values()
            },
            starts={
                student.id: student.term.internship_start
                for student in students.values()
            },
        )
        db.session.commit()

    i = ids
    world.every = {
        "school_id": [i["school_a"], i["school_b"]],
        "service_id": [i["svc_a"], i["svc_a2"], i["svc_b"]],
        "student_id": [i[k] for k in students],
        "supervisor_id": [i["sup_a"], i["sup_b"], i["sup_b2"]],
        "mentor_id": [i["mentor_a"], i["mentor_a2"], i["mentor_b"], i["mentor_b2"]],
        "placement_id": [i[k] for k in placements],
        "term_id": [i["term_open"], i["term_closed"], i["term_final"]],
        "user_id": [i["admin"], i["invited"], *(i[k] for k in users)],
        "override_id": [i["override"]],
        "run_id": [i["run"], i["run_a"]],
        "line_id": [i["line_a"], i["line_b"]],
    }
    world.foreign = {
        # the walker is school A
        "school": {
            "supervisor_id": [i["sup_b"], i["sup_b2"]],
            "student_id": [i[k] for k in students if k.startswith("stu_b")],
        },
        # the walker is service A (Antwerpen): Limburg's requests in every phase, and the
        # mentors and acceptances of the Limburg service and of an Antwerp colleague
        "service": {
            "student_id": [i["stu_b"], i["stu_b_closed"], i["stu_b_final"]],
            "placement_id": [i["pl_b"], i["pl_a2"]],
            "mentor_id": [i["mentor_b"], i["mentor_b2"], i["mentor_a2"]],
            "line_id": [i["line_b"]],
        },
    }
    world.own = {
        "admin": {
            # every object, but nothing whose change would end the admin's own session
            **world.every,
            "user_id": [i["user_school_b"], i["invited"]],
        },
        "school": {
            "supervisor_id": [i["sup_a"]],
            "student_id": [i["stu_a"], i["stu_a2"]],
        },
        "service": {
            # accepted by service A (its personal data is shown), browsable, browsable
            "student_id": [i["stu_a"], i["stu_a2"], i["stu_b_ant"]],
            "placement_id": [i["pl_a"]],
            "mentor_id": [i["mentor_a"]],
            "line_id": [i["line_a"]],
        },
    }
    return world


def walker_email(world: World, role: str) -> str:
    return {
        "admin": world.admin_email,
        "school": world.emails["user_school_a"],
        "service": world.emails["user_svc_a"],
    }[role]


def log_in(app, world: World, role: str):
    """A client logged in as the role's walker (no client for "anonymous")."""
    client = app.test_client()
    if role != "anonymous":
        response = login(client, walker_email(world, role))
        assert response.status_code == 302, response.text
    return client


def allowed(endpoint: str, role: str) -> bool:
    expected = EXPECTED[endpoint]
    return expected == PUBLIC or role in expected


def id_arguments(rule) -> list[str]:
    return [name for name in ID_ARGUMENT.findall(rule.rule) if name.endswith("_id")]


def fill(rule, values: dict) -> str:
    """The rule's path with its placeholders replaced by `values`."""
    return ID_ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule.rule)


def bindings(rule, candidates: dict) -> list[dict]:
    """Every combination of the candidate values of the rule's arguments."""
    names = ID_ARGUMENT.findall(rule.rule)
    choices = [candidates[name] for name in names]
    return [dict(zip(names, combo)) for combo in itertools.product(*choices)]


def urls(rule, candidates: dict) -> list[str]:
    """The rule's path for every combination of the candidate values of its arguments."""
    return [fill(rule, values) for values in bindings(rule, candidates)]


def other_arguments(world: World) -> dict:
    """Values for the arguments that are not ids: real tokens, the template kinds."""
    return {
        "token": [world.tokens["activate"], world.tokens["reset"]],
        "kind": ["csv", "xlsx"],
        "filename": ["app.css"],
    }


def payload(endpoint: str, values: dict, world: World) -> dict:
    """A form that would succeed if it reached the action: the walk posts it, so that a
    missing tenant check shows as a changed row, not only as a status."""
    from app.models import utcnow
    from tests.test_students import request_data

    student_id = values.get("student_id")
    contact = {"name": "Overgenomen", "phone": "+3232000099", "email": "x@evil.example"}
    forms = {
        "supervisors.edit": contact,
        "mentors.edit": contact,
        "students.stop": {
            "stopped_on": utcnow().date().isoformat(),
            "stopped_reason": "x",
        },
        "placements.accept": {
            "periods": [str(p) for p in world.periods.get(student_id, [])],
            "mentor_id": str(world.ids["mentor_a"]),
            "notes": "x",
            "over_capacity": "y",
        },
        "placements.decline": {"reason": "x"},
        "placements.withdraw": {"confirmed": "1"},
        # rules without an id (the CSRF walk posts these too)
        "supervisors.create": contact,
        "mentors.index": contact,
        "mentors.capacity": {"term_id": str(world.ids["term_open"]), "places": "7"},
        "admin.users": {"email": "nieuw@vivo.example", "role": "admin"},
        "main.set_language": {"lang": "en"},
    }
    if endpoint == "students.new":
        school = {
            "start": world.starts[world.ids["stu_a"]],
            "supervisor_id": world.ids["sup_a"],
        }
        return request_data(school, first_name="Nieuw")
    if endpoint == "students.edit" and student_id in world.starts:
        school = {
            "start": world.starts[student_id],
            "supervisor_id": world.ids["sup_a"],
        }
        return request_data(school, first_name="Overgenomen")
    return forms.get(endpoint, {})


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def visit(client, url: str, method: str = "GET", **kwargs):
    """One request, read to the end and closed (a streamed export keeps its context open)."""
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with app.app_context():
        connection = db.session.connection()
        tables = {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                )
            ]
            for table in Base.metadata.sorted_tables
        }
        db.session.remove()
    return tables


def changes(before: dict, after: dict, ignore: tuple[str, ...] = ()) -> dict:
    """Table -> (rows gone, rows new) for every table that differs."""
    found = {}
    for name in before:
        if name in ignore or before[name] == after[name]:
            continue
        old, new = set(before[name]), set(after[name])
        found[name] = (sorted(old - new, key=repr), sorted(new - old, key=repr))
    return found


# --- the tests ---------------------------------------------------------------------------


@pytest.fixture
def world(app) -> World:
    return build_world(app)


def test_the_world_holds_a_row_in_every_table(app, world):
    """A snapshot only proves "nothing changed" for tables that hold something."""
    empty = [name for name, rows in snapshot(app).items() if not rows]
    assert empty == []


def test_every_id_argument_has_objects_in_the_world(app, world):
    for rule in app.url_map.iter_rules():
        for name in id_arguments(rule):
            assert name in ID_MODELS, f"{rule.endpoint}: add {name} to ID_MODELS"
            assert world.every.get(name), f"{rule.endpoint}: no {name} in the world"


def cross_tenant_requests(app, world: World, role: str):
    """(endpoint, method, url, form, expected status) of the walk for one role."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        names = id_arguments(rule)
        if not names:
            continue
        if not allowed(rule.endpoint, role):
            # A role that may not use the endpoint: 403 for every real id, its own included.
            candidates, expected = world.every, 403
        elif EXPECTED[rule.endpoint] == ADMIN_ONLY:
            continue  # VIVO sees every tenant
        else:
            foreign = world.foreign.get(role, {})
            missing = [name for name in names if name not in foreign]
            assert not missing, (
                f"{rule.endpoint}: which {missing} belong to another tenant of a {role}?"
            )
            candidates, expected = foreign, 404
        for method in methods(rule):
            for values in bindings(rule, candidates):
                form = payload(rule.endpoint, values, world) if method == "POST" else {}
                yield rule.endpoint, method, fill(rule, values), form, expected


@pytest.mark.parametrize("role", ROLES)
def test_sec_01_other_tenants_ids_answer_404_and_change_nothing(app, world, role):
    client = log_in(app, world, role)
    before = snapshot(app)
    walked, wrong = set(), []
    for endpoint, method, url, form, expected in cross_tenant_requests(
        app, world, role
    ):
        for headers in ({}, {"HX-Request": "true"}):
            response = visit(client, url, method, data=form, headers=headers)
            walked.add(endpoint)
            if response.status_code != expected:
                wrong.append((method, url, headers, expected, response.status_code))
    assert not wrong, "(method, url, headers, expected, got):\n" + "\n".join(
        map(str, wrong)
    )
    assert changes(before, snapshot(app)) == {}
    # the walk really covered the role's tenant checks (a renamed rule would drop out)
    must = {
        "admin": {"students.stop", "placements.accept", "supervisors.delete"},
        "school": {
            "students.show",
            "students.edit",
            "students.stop",
            "students.delete",
            "supervisors.show",
            "supervisors.edit",
            "supervisors.delete",
            "placements.show",  # 403
            "admin.helpdesk_student",  # 403
        },
        "service": {
            "placements.show",
            "placements.accept",
            "placements.decline",
            "placements.withdraw",
            "placements.proposal",
            "placements.proposal_accept",
            "placements.proposal_decline",
            "mentors.edit",
            "mentors.delete",
            "students.show",  # 403
            "schedule.withdraw_placement",  # 403
        },
    }[role]
    assert must <= walked


@pytest.mark.parametrize("role", ["school", "service"])
def test_sec_01_the_same_routes_answer_with_the_roles_own_ids(app, world, role):
    """The control: the ids and paths of the walk are real, since the role's own ids reach
    the pages (so the 404s above come from the tenant check, not from a wrong path)."""
    client = log_in(app, world, role)
    reached = set()
    for rule in app.url_map.iter_rules():
        names = id_arguments(rule)
        if not names or "GET" not in rule.methods or not allowed(rule.endpoint, role):
            continue
        for url in urls(rule, world.own[role]):
            response = visit(client, url, headers={"HX-Request": "true"})
            assert response.status_code in (200, 302), (url, response.status_code)
            if response.status_code == 200:
                reached.add(rule.endpoint)
    expected = {
        "school": {
            "students.show",
            "students.edit",
            "students.stop",
            "students.delete",
            "supervisors.show",
            "supervisors.edit",
        },
        "service": {"placements.show", "mentors.edit", "placements.proposal"},
    }[role]
    assert expected <= reached


# --- second rounds ------------------------------------------------------------------------
# A second round (TERM-7) offers the unplaced requests of a term to every province. A request
# of Limburg whose every period a Limburg service accepted in the first round was never
# offered to an Antwerp service: its id stays another tenant's.


@pytest.fixture
def second_round(app, world) -> dict:
    """Two terms after their results, one with its second round running, one with it over,
    each with a Limburg request placed in full before the round opened."""
    from app.models import CareService, School

    now = utcnow()
    placed = {}
    with app.app_context():
        school_b = db.session.get(School, world.ids["school_b"])
        svc_b = db.session.get(CareService, world.ids["svc_b"])
        supervisor, mentor = make_supervisor(school_b), make_mentor(svc_b)
        rounds = {
            "running": (now - timedelta(days=5), now + timedelta(days=5)),
            "over": (now - timedelta(days=10), now - timedelta(days=2)),
        }
        for name, (results_at, until) in rounds.items():
            term = make_term(
                now=now - timedelta(days=60),
                results_at=results_at,
                second_round_until=until,
            )
            student = make_student(
                school_b,
                term,
                supervisor,
                first_name="Nooitaangeboden",
                postcode="3500",
                city="Hasselt",
                province="LIM",
            )
            placement = make_placement(student, svc_b, 1, mentor)
            placement.created_at = results_at - timedelta(days=3)
            placed[name] = student.id
        db.session.commit()
    return placed


@pytest.mark.parametrize("phase", ["running", "over"])
def test_sec_01_a_request_never_offered_in_a_second_round_is_404_on_get(
    app, world, second_round, phase
):
    client = log_in(app, world, "service")
    before = snapshot(app)
    student_id = second_round[phase]
    for headers in ({}, {"HX-Request": "true"}):
        response = visit(client, f"/dienst/aanvragen/{student_id}", headers=headers)
        assert response.status_code == 404
    if phase == "running":
        form = payload("placements.decline", {}, world)
        response = visit(
            client, f"/dienst/aanvragen/{student_id}/weigeren", "POST", data=form
        )
        assert response.status_code == 404
    assert changes(before, snapshot(app)) == {}


def test_sec_01_accept_post_of_a_request_never_offered_answers_404(
    app, world, second_round
):
    client = log_in(app, world, "service")
    student_id = second_round["running"]
    response = visit(
        client,
        f"/dienst/aanvragen/{student_id}/aanvaarden",
        "POST",
        data={"notes": "geen periode gekozen"},
    )
    assert "Nooitaangeboden" not in response.text
    assert response.status_code == 404


def test_sec_01_accept_or_decline_after_a_closed_second_round_answers_404(
    app, world, second_round
):
    client = log_in(app, world, "service")
    student_id = second_round["over"]
    statuses = {}
    for action, endpoint in (
        ("aanvaarden", "placements.accept"),
        ("weigeren", "placements.decline"),
    ):
        form = payload(endpoint, {"student_id": student_id}, world)
        url = f"/dienst/aanvragen/{student_id}/{action}"
        statuses[action] = visit(client, url, "POST", data=form).status_code
    assert statuses == {"aanvaarden": 404, "weigeren": 404}
