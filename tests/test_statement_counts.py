"""Every page's SQL statement count is fixed: the same with 10 and with 200 requests per term.

The data comes from the benchmark's generator (bench/generate.py) at two sizes: over terms,
placed and declined and stopped students, mentors and capacities, audit events. Every GET page
of every role is requested with real ids of that role's own objects; a page whose count grows
with the rows has a query per row (N+1). List pages stay at or under LIST_PAGE_LIMIT.
"""

import re

import pytest
from sqlalchemy import delete, event, select

from app import create_app
from app.extensions import db
from app.models import Mentor, Placement, Student, Supervisor
from bench.generate import PASSWORD, Scale, generate
from config import TestConfig
from tests.conftest import BACKENDS, database_uri, reset_postgres

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")
LIST_PAGE_LIMIT = 12

# Pages that are not HTML pages of the app (files, redirects, tokens) or need a POST first.
SKIP = {
    "static",
    "export.download",
    "admin.audit_log_export",
    "admin.services_template",
    "imports.template",
    "auth.activate",
    "auth.reset_password",
    "auth.logout",
    "main.index",
    "schedule.withdraw_placement",
}

# (role, path): the list pages the issue names, with their filters and htmx fragments.
LIST_PAGES = [
    ("school", "/studenten?term={busy}"),
    ("school", "/studenten?term={past1}"),
    ("school", "/studenten?term={past1}&sort=status"),
    ("school", "/studenten?term={busy}&q=zoekmij"),
    ("school", "/studenten?term={busy}&status=voorlopig"),
    ("school", "/start"),
    ("service", "/start"),
    ("admin", "/start"),
    ("school", "/begeleiders"),
    ("service", "/dienst/aanvragen"),
    ("service", "/dienst/aanvragen?vorm=alternerend&vervoer=fiets"),
    ("service", "/dienst/aanvragen?sort=start"),
    ("service", "/dienst/stagiairs"),
    ("service", "/dienst/stagiairs?term=alle"),
    ("service", "/dienst/mentoren"),
    ("service", "/dienst/voorstellen"),
    ("admin", "/admin/dashboard"),
    ("admin", "/admin/onbeantwoord"),
    ("admin", "/admin/logins"),
    ("admin", "/admin/scholen"),
    ("admin", "/admin/diensten"),
    ("admin", "/admin/logboek"),
    ("admin", "/stageperiodes"),
    ("admin", "/admin/voorstellen/{run}"),
    ("admin", "/admin/hulp/scholen/{school}?term={past1}"),
    ("admin", "/admin/hulp/diensten/{service}"),
    ("admin", "/admin/hulp/diensten/{service}/stagiairs"),
    ("admin", "/admin/hulp/diensten/{service}/stagiairs?term=alle"),
]


def small(n: int) -> Scale:
    # One school: all n requests of a term are its own, so its pages hold n rows.
    return Scale(schools=1, services=12, requests=(n, n, n, n), audit_events=n)


def ensure_shape(data) -> None:
    """Whatever the random draw, every term of the largest school holds a request placed
    with the benchmark's service over all its periods, one declined by two services, one
    stopped, and a search that finds two of them: both sizes show the same kinds of rows."""
    from app.models import CareService, Decline

    service = db.session.get(CareService, data.service_id)
    other = db.session.scalar(
        select(CareService).where(CareService.id != service.id).limit(1)
    )
    mentor = db.session.scalar(
        select(Mentor).where(Mentor.care_service_id == service.id).limit(1)
    )
    for term_id in data.terms.values():
        placed, declined, stopped = db.session.scalars(
            select(Student)
            .where(Student.school_id == data.school_id, Student.term_id == term_id)
            .order_by(Student.id)
            .limit(3)
        ).all()
        for row in (placed, declined, stopped):
            for model in (Placement, Decline):
                db.session.execute(delete(model).where(model.student_id == row.id))
        placed.last_name = declined.last_name = "Zoekmij"  # no generated name has it
        for period in placed.periods:
            db.session.add(
                Placement(
                    student_id=placed.id,
                    period_id=period.id,
                    care_service_id=service.id,
                    mentor_id=mentor.id,
                    notes="Start om 8u.",
                )
            )
        for declining in (service, other):
            db.session.add(
                Decline(
                    student_id=declined.id,
                    care_service_id=declining.id,
                    reason="Geen plaats.",
                )
            )
        stopped.stopped_on = stopped.periods[0].start_date
        stopped.stopped_reason = "Werk gevonden."
    _proposals_for(service, data)
    # The log's first page names an object of every kind (one lookup per kind on a page).
    from app.admin.audit_log import _NAME_COLUMNS
    from app.models import AuditEvent

    for kind in (*_NAME_COLUMNS, "Student", "Placement"):
        db.session.add(AuditEvent(action="test.shape", object_type=kind, object_id=1))
    db.session.commit()


def _proposals_for(service, data) -> None:
    """Allocation proposals to the benchmark's service (issue 13), as many as the size
    allows: a sent run still open for answers, an expired one, and a draft."""
    from datetime import timedelta

    from app.models import AllocationLine, AllocationRun, utcnow

    now = utcnow()
    students = db.session.scalars(
        select(Student.id)
        .where(Student.term_id == data.terms["past1"])
        .order_by(Student.id)
        .offset(3)
        .limit(30)
    ).all()
    runs = [
        AllocationRun(term_id=data.terms["past1"], sent_at=now, answer_by=at)
        for at in (now + timedelta(days=3), now - timedelta(days=1))
    ] + [AllocationRun(term_id=data.terms["past1"])]
    for rank, student_id in enumerate(students):
        runs[rank % 3].lines.append(
            AllocationLine(
                rank=rank,
                student_id=student_id,
                care_service_id=service.id,
                distance_km=rank * 1.5,
                answer="declined" if rank % 4 == 0 else "",
                answered_at=now if rank % 4 == 0 else None,
                decline_reason="Geen plaats." if rank % 4 == 0 else "",
            )
        )
    db.session.add_all(runs)


def load(app, n: int) -> dict:
    with app.app_context():
        data = generate(small(n))
        ensure_shape(data)
        own = db.session.scalars(
            select(Student.id)
            .where(
                Student.school_id == data.school_id,
                Student.term_id == data.terms["busy"],
                Student.last_name == "Zoekmij",
            )
            .order_by(Student.id)
        ).all()
        placed = db.session.scalar(
            select(Placement)
            .where(
                Placement.care_service_id == data.service_id,
                Placement.student_id == own[0],
            )
            .limit(1)
        )
        ids = dict(
            data.terms,
            school=data.school_id,
            service=data.service_id,
            student=own[0],
            supervisor=db.session.scalar(
                select(Supervisor.id).where(Supervisor.school_id == data.school_id)
            ),
            mentor=db.session.scalar(
                select(Mentor.id).where(Mentor.care_service_id == data.service_id)
            ),
            placed_student=placed.student_id,
            placement=placed.id,
        )
        ids["run"] = make_proposal(app, data.terms["past1"])
        logins = data.logins
    return dict(ids=ids, logins=logins)


def make_proposal(app, term_id: int) -> int:
    """A draft allocation proposal of the term's unplaced students (issue 13)."""
    from app.allocation import Settings
    from app.models import Term, utcnow
    from app.proposals.operations import make_run

    with app.test_request_context():
        term = db.session.get(Term, term_id)
        run = make_run(term, Settings(widen_provinces=True), True, utcnow(), None)
        db.session.commit()
        return run.id


def path_for(rule, role: str, ids: dict) -> str | None:
    """The rule with real ids of the role's own objects filled in."""
    values = {}
    for name in rule.arguments:
        if role == "anonymous":
            return None
        if name == "student_id":
            values[name] = ids["placed_student" if role == "service" else "student"]
        elif name == "term_id":
            values[name] = ids["past1"]
        elif name == "school_id":
            values[name] = ids["school"]
        elif name == "service_id":
            values[name] = ids["service"]
        elif name == "run_id":
            values[name] = ids["run"]
        elif name in ("supervisor_id", "mentor_id", "placement_id"):
            values[name] = ids[name.removesuffix("_id")]
        elif name == "kind":
            return None
        else:
            return None
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:int:)?{name}>", str(value), path)
    return path


def measure(app, setup: dict, pages: list[tuple[str, str]]) -> dict:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(CONTROL):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    clients = {"anonymous": app.test_client()}
    for role, email in setup["logins"].items():
        clients[role] = app.test_client()
        assert (
            clients[role]
            .post("/login", data={"email": email, "password": PASSWORD})
            .status_code
            == 302
        )
    counts = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for role, path in pages:
            for headers in ({}, {"HX-Request": "true"}):
                clients[role].get(path, headers=headers)  # warm caches
                statements.clear()
                response = clients[role].get(path, headers=headers)
                # A page may send the user on (an edit form of a request that is locked).
                assert response.status_code in (200, 302), (
                    role,
                    path,
                    response.status_code,
                )
                # Keyed without the ids, which differ between the two sizes.
                key = (role, re.sub(r"\d+", "#", path), bool(headers))
                counts[key] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counts


def all_pages(app, setup: dict) -> list[tuple[str, str]]:
    from tests.test_access import EXPECTED, PUBLIC

    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        audience = EXPECTED[rule.endpoint]
        roles = ("anonymous",) if audience == PUBLIC else audience
        for role in sorted(roles):
            path = path_for(rule, role, setup["ids"])
            if path is not None:
                pages.append((role, path))
    return pages


@pytest.fixture(scope="module", params=BACKENDS)
def grown(request, tmp_path_factory):
    """The same pages at 10 and at 200 requests per term: (counts small, counts large)."""
    results = []
    for n in (10, 200):
        uri = database_uri(request.param, tmp_path_factory.mktemp(f"rows{n}"))
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=uri)
        if request.param == "postgresql":
            reset_postgres(app)
        with app.app_context():
            db.create_all()
        setup = load(app, n)
        pages = all_pages(app, setup) + [
            (role, path.format(**setup["ids"])) for role, path in LIST_PAGES
        ]
        # The log first: the views measured after it add audit events of their own, which
        # would push the kinds of objects it names off its first page.
        pages.sort(key=lambda page: "logboek" not in page[1])
        results.append(measure(app, setup, pages))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return results


def test_no_page_issues_a_query_per_row(grown):
    few, many = grown
    assert few.keys() == many.keys()
    grows = {page: (few[page], many[page]) for page in few if few[page] != many[page]}
    assert grows == {}, f"statement count grows with the rows (N+1): {grows}"


def test_list_pages_stay_within_the_statement_budget(grown):
    _, many = grown
    lists = {(role, re.sub(r"\{\w+\}", "#", path)) for role, path in LIST_PAGES}
    over = {
        page: count
        for page, count in many.items()
        if page[:2] in lists and count > LIST_PAGE_LIMIT
    }
    assert over == {}, f"more than {LIST_PAGE_LIMIT} statements: {over}"
