"""No 500 on any input (issue 11): every form route, as its own role, with real ids.

Every POST rule of `app.url_map` gets its ids filled with real objects of the role that uses
it. Its form is read from its page (or, for a POST-only rule, from the pages of its
blueprint) as a browser would post it, blanks filled with good values so that input also
reaches what follows validation. Then every field gets each troublemaker in turn (a NUL, a
number past any integer, a file), and 25 Hypothesis examples swap some fields for generated
values — long, empty, binary, Unicode, huge and negative numbers, several values where one
is expected, a file where text is expected — sent urlencoded, multipart or as JSON, plain or
as htmx. Every GET rule gets generated queries the same way. No answer may be a 5xx.
Hypothesis runs derandomized (the same examples every run), so CI never flakes on it.
"""

import io
import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.logic import issue_token
from app.extensions import db
from app.models import IntakeOverride, utcnow
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

EXAMPLES_PER_ROUTE = 12
QUERY_EXAMPLES_PER_ROUTE = 10
ROLES = ("school", "service", "admin")  # the role that tests a route open to several
ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
BOUNDED = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def build_world() -> dict:
    """A school, a care service and VIVO, each with the objects their routes take ids of."""
    term = make_term()
    school = make_school()
    supervisor = make_supervisor(school)
    service = make_service(province="ANT")
    mentor = make_mentor(service)
    admin = make_user("admin")
    open_request = make_student(school, term, supervisor, periods=2)
    accepted = make_student(school, term, supervisor)
    placement = make_placement(accepted, service, mentor=mentor)
    newcomer = make_user("school", school, activated=False, password=None)
    override = IntakeOverride(  # for another school: the form's first school has none
        term_id=term.id,
        school_id=make_school("Zuiderschool").id,
        until=utcnow() + timedelta(days=3),
        reason="Ziekte van de secretaris",
        created_by_id=admin.id,
    )
    db.session.add(override)
    world = {
        "emails": {
            "school": make_user("school", school).email,
            "service": make_user("service", service).email,
            "admin": admin.email,
        },
        "ids": {
            "student_id": open_request.id,
            "user_id": newcomer.id,
            "school_id": school.id,
            "service_id": service.id,
            "supervisor_id": supervisor.id,
            "mentor_id": mentor.id,
            "placement_id": placement.id,
            "term_id": term.id,
        },
        "term_span": (term.internship_start, term.internship_end),
        "school_name": school.name,
        "tokens": {
            "activate": issue_token(newcomer, "activate"),
            "reset": issue_token(make_user("school", school), "reset"),
        },
    }
    db.session.flush()
    world["ids"]["override_id"] = override.id
    db.session.commit()
    return world


def own_role(app, endpoint: str) -> str:
    """The role that uses an endpoint (from `roles_required`), anonymous for a public one."""
    allowed = getattr(app.view_functions[endpoint], "allowed_roles", "public")
    return next((role for role in ROLES if role in allowed), "anonymous")


def clients_per_role(app, world: dict) -> dict:
    clients = {"anonymous": app.test_client()}
    for role in ROLES:
        clients[role] = app.test_client()
        login(clients[role], world["emails"][role])
    return clients


def post_rules(app) -> list[str]:
    return sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods
    )


def filled(rule, world: dict, kind: str = "csv") -> str:
    """The rule's path with every argument taken from the world."""

    def value(match) -> str:
        name = match.group(1)
        if name == "kind":
            return kind
        if name == "token":
            return world["tokens"]["reset" if "paswoord" in rule.rule else "activate"]
        return str(world["ids"].get(name, "x"))

    return ARGUMENT.sub(value, rule.rule)


class Form:
    """A POST form as a browser sends it: its fields, and the submit buttons to pick from."""

    def __init__(self):
        self.fields: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str]] = []
        self.unticked: dict[str, tuple[str, str]] = {}
        self.file_names: list[str] = []

    def valid_looking(self) -> list[tuple[str, str]]:
        """The fields, with the first box of every group that has none ticked."""
        ticked = {name for name, _ in self.fields}
        return self.fields + [
            value for name, value in self.unticked.items() if name not in ticked
        ]


class Forms(HTMLParser):
    """The POST forms of a page, by the path they post to."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms = page_url, {}
        self.current = self.select = self.textarea = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            action = urlsplit(attrs.get("action") or self.page_url).path
            self.current = self.forms.setdefault(action, Form())
        elif self.current is None:
            return
        elif tag == "option" and self.select:
            self._choose(attrs)
        elif "name" not in attrs or "disabled" in attrs:
            return
        elif tag == "select":
            self.select = [attrs["name"], None, False]  # name, value, chosen for good
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
        elif tag == "button" or (attrs.get("type") or "").lower() == "submit":
            self.current.buttons.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "input":
            kind = (attrs.get("type") or "").lower()
            value = (attrs["name"], attrs.get("value") or "")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self.current.unticked.setdefault(attrs["name"], value)
            elif kind == "file":
                self.current.file_names.append(attrs["name"])
            else:
                self.current.fields.append(value)

    def _choose(self, attrs: dict) -> None:
        """The selected option, else the first real one ("—" has the value 0 or none)."""
        name, value, final = self.select
        option = attrs.get("value") or ""
        if not final and "selected" in attrs:
            self.select = [name, option, True]
        elif not final and value is None and option not in ("", "0"):
            self.select = [name, option, False]

    def handle_data(self, data) -> None:
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag) -> None:
        if self.current is None:
            return
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select:
            if self.select[1] is not None:
                self.current.fields.append((self.select[0], self.select[1]))
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, value = self.textarea  # a browser drops the newline after <textarea>
            self.current.fields.append((name, re.sub(r"^\r?\n", "", value)))
            self.textarea = None


def read_and_close(response):
    """Read a response to the end and close it, as a WSGI server does: a streamed export
    keeps its request (and the login it loaded) until it is closed."""
    response.get_data()
    response.close()
    return response


def page_forms(client, app, rule, world: dict) -> dict[str, Form]:
    """The forms on the rule's own page, or for a POST-only rule on the GET pages of its
    blueprint, by the path they post to."""
    blueprint = rule.endpoint.split(".")[0]
    pages = (
        [rule]
        if "GET" in rule.methods
        else [
            other
            for other in app.url_map.iter_rules()
            if other.endpoint.split(".")[0] == blueprint and "GET" in other.methods
        ]
    )
    forms: dict[str, Form] = {}
    for page in pages:
        url = filled(page, world)
        response = read_and_close(client.get(url))
        if response.mimetype == "text/html" and response.status_code == 200:
            parser = Forms(url)
            parser.feed(response.text)
            for action, form in parser.forms.items():
                forms.setdefault(action, form)
    return forms


def templates(client, app, world: dict) -> list[bytes]:
    """The import templates the client may download, as samples of files to upload."""
    urls = {
        filled(rule, world, kind=kind)
        for rule in app.url_map.iter_rules()
        if "sjabloon" in rule.rule
        for kind in ("csv", "xlsx")
    }
    responses = [read_and_close(client.get(url)) for url in sorted(urls)]
    return [response.data for response in responses if response.status_code == 200]


def good_values(world: dict) -> dict[str, str]:
    """Values that pass each field's rules, for the fields an empty form leaves blank, so
    that the generated values also reach what happens after validation (saving, mailing)."""
    start, end = world["term_span"]

    def days_ahead(days: int, time: bool = True) -> str:
        return (utcnow() + timedelta(days=days)).strftime(
            "%Y-%m-%dT%H:%M" if time else "%Y-%m-%d"
        )

    return {
        "name": "Anna De Smet",
        "first_name": "Anna",
        "last_name": "De Smet",
        "street": "Kerkstraat 1",
        "postcode": "2000",
        "city": "Antwerpen",
        "province": "ANT",
        "phone": "0470 12 34 56",
        "email": "anna.desmet@example.org",
        "total_hours": "120",
        "hours_per_week": "20",
        "organisation": world["school_name"],
        "national_number": "90.01.01-777.23",
        "period_1_start": start.isoformat(),
        "period_1_end": end.isoformat(),
        "enterprise_number": "BE 0403.170.701",
        "capacity_default": "4",
        "places": "3",
        "reason": "Ziekte van de mentor",
        "body": "Bel de helpdesk.",
        "until": days_ahead(15),  # after the term's intake closes
        "internship_start": days_ahead(100, time=False),
        "internship_end": days_ahead(190, time=False),
        "intake_opens_at": days_ahead(20),
        "intake_closes_at": days_ahead(40),
        "results_at": days_ahead(60),
        "password": "een heel lang paswoord voor de proef 93",
        "confirm": "een heel lang paswoord voor de proef 93",
    }


def baseline(form: Form | None, good: dict[str, str]) -> list[tuple[str, str]]:
    """The form's fields, blanks filled with good values (prefixed names too: sup-name);
    the province is always the world's, where its services are."""
    fields = form.valid_looking() if form else []
    return [("confirmed", "1")] + [  # the answer of a confirmation step
        (
            name,
            "ANT"
            if name == "province"
            else value or good.get(name.rpartition("-")[2], ""),
        )
        for name, value in fields
    ]


# --- generated values --------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "2147483648",
    "-9223372036854775809",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "2024-02-30",
    "2024-01-01T25:61",
    "\x00",
    "a\x00b",
    "\u202eAnnaK",
    "Ann\u2028a",
    "\x85\x9b",
    "\ufeff",
    "\U0001f600" * 3,
    "%s%n{0}",
    "<script>x</script>",
    '=HYPERLINK("http://x","y")',
    "../../etc/passwd",
]

# Posted in turn in every field of every form, besides the generated examples.
EVERY_FIELD_GETS = ["a\x00b", "99999999999999999999", ("file", b"x", "veld.txt")]
EXTRA_NAMES = ["csrf_token", "action", "confirmed", "next", "unknown_field"]
QUERY_NAMES = ["term", "page", "q", "next", "status", "school", "dienst"]
ENCODINGS = ["urlencoded"] * 3 + ["multipart"] * 2 + ["json", "json-list"]

text = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(NASTY),  # twice: the known troublemakers come up often
    st.text(max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.binary(max_size=40).map(lambda raw: raw.decode("latin-1")),
    st.sampled_from(["x" * 5000, "é" * 6000]),
)


@st.composite
def uploads(draw, samples: list[bytes]):
    """A file: random bytes, or one of the app's own templates (CSV, XLSX), a CSV one with a
    generated value in one cell of its example row."""
    kind = draw(
        st.sampled_from(["bytes", "template", "cell"] if samples else ["bytes"])
    )
    if kind == "bytes":
        return ("file", draw(st.binary(max_size=200)), draw(text))
    sample = draw(st.sampled_from(samples))
    if kind == "template" or not sample.startswith(b"\xef\xbb\xbf"):
        return ("file", sample, "import.xlsx" if sample[:2] == b"PK" else "import.csv")
    *head, row = sample.decode("utf-8-sig").rstrip("\r\n").split("\r\n")
    cells = row.split(";")
    cells[draw(st.integers(0, len(cells) - 1))] = draw(text).replace(";", ",")
    body = "\r\n".join([*head, ";".join(cells)]).encode("utf-8", "surrogatepass")
    return ("file", body, "import.csv")


@st.composite
def values(draw, samples: list[bytes]):
    """A value as a form sends it: text, several texts, or a file."""
    kind = draw(st.sampled_from(["text", "text", "text", "list", "file"]))
    if kind == "list":
        return draw(st.lists(text, min_size=2, max_size=3))
    if kind == "file":
        return draw(uploads(samples))
    return draw(text)


def _grouped(pairs: list) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


@st.composite
def payloads(draw, fields: list, buttons: list, file_names: list, samples: list):
    """The form with some fields (or unknown ones) replaced by generated values, sent with
    one of its buttons, urlencoded, multipart or as JSON, plain or as htmx."""
    posted = _grouped(fields + draw(st.sampled_from([[], *([b] for b in buttons)])))
    names = sorted({name for name, _ in fields + buttons}) + file_names + EXTRA_NAMES
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        value = draw(values(samples))
        posted[name] = value if isinstance(value, list) else [value]
    return {
        "fields": posted,
        "encoding": draw(st.sampled_from(ENCODINGS)),
        "htmx": draw(st.booleans()),
        "query": draw(
            st.one_of(
                st.just({}),
                st.dictionaries(st.sampled_from(QUERY_NAMES), text, max_size=2),
            )
        ),
    }


def send(client, url: str, payload: dict):
    """POST the payload the way its encoding says; bytes go through as they are."""
    headers = {"HX-Request": "true"} if payload["htmx"] else {}
    if payload["query"]:
        url += "?" + urlencode(payload["query"])
    fields = payload["fields"]
    if payload["encoding"].startswith("json"):
        body = {
            name: [v if isinstance(v, str) else v[2] for v in vs]
            for name, vs in fields.items()
        }
        if payload["encoding"] == "json-list":  # not an object at all
            body = [[name, *vs] for name, vs in body.items()]
        return client.post(
            url, data=json.dumps(body), content_type="application/json", headers=headers
        )
    if payload["encoding"] == "multipart":
        data = {
            name: [
                (io.BytesIO(v[1]), v[2] or "x.txt") if isinstance(v, tuple) else v
                for v in vs
            ]
            for name, vs in fields.items()
        }
        return client.post(
            url, data=data, content_type="multipart/form-data", headers=headers
        )
    pairs = [
        (name, v[1] if isinstance(v, tuple) else v.encode("utf-8", "surrogatepass"))
        for name, vs in fields.items()
        for v in vs
    ]
    return client.post(
        url,
        data=urlencode(pairs).encode(),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


# --- the property --------------------------------------------------------------------------


def pytest_generate_tests(metafunc) -> None:
    if "endpoint" in metafunc.fixturenames:
        from app import create_app
        from config import TestConfig

        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
        metafunc.parametrize("endpoint", post_rules(app))


def test_sec_no_500_for_generated_input(app, endpoint):
    """A POST rule as its own role: troublemakers in every field, then generated forms."""
    with app.app_context():
        world = build_world()
    role = own_role(app, endpoint)
    client = app.test_client()
    if role != "anonymous":
        login(client, world["emails"][role])
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = filled(rule, world)
    form = page_forms(client, app, rule, world).get(url)
    fields = baseline(form, good_values(world))
    buttons, file_names = (form.buttons, form.file_names) if form else ([], [])
    samples = templates(client, app, world) if file_names else []

    for name in sorted({name for name, _ in fields} | set(file_names)):
        for value in EVERY_FIELD_GETS:  # every field, each troublemaker: no luck needed
            payload = {"fields": {**_grouped(fields), name: [value]}, "query": {}}
            for encoding in ("urlencoded", "multipart"):
                response = read_and_close(
                    send(client, url, {**payload, "encoding": encoding, "htmx": False})
                )
                assert response.status_code < 500, (endpoint, name, value, encoding)

    @settings(BOUNDED, max_examples=EXAMPLES_PER_ROUTE)
    @given(payload=payloads(fields, buttons, file_names, samples))
    def never_a_server_error(payload):
        response = read_and_close(send(client, url, payload))
        assert response.status_code < 500, (endpoint, payload)
        assert b"Er ging iets mis" not in response.data

    never_a_server_error()


def test_sec_no_500_for_generated_queries(app):
    """Every GET rule, ids filled, as its own role: generated query values (the page's own
    field names and the usual ones) never answer a 5xx. GETs change no data, so one world
    serves them all."""
    with app.app_context():
        world = build_world()
    clients = clients_per_role(app, world)
    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in rule.methods),
        key=lambda rule: rule.rule,
    )
    for rule in rules:
        if rule.endpoint == "static":
            continue
        client = clients[own_role(app, rule.endpoint)]
        url = filled(rule, world)
        page = read_and_close(client.get(url))
        own = (
            re.findall(r'name="([^"]+)"', page.text)
            if page.mimetype == "text/html"
            else []
        )
        names = sorted(set(own) | set(QUERY_NAMES))
        for name in names:
            for value in EVERY_FIELD_GETS[:2]:
                response = read_and_close(client.get(url, query_string={name: value}))
                assert response.status_code < 500, (rule.rule, name, value)

        @settings(BOUNDED, max_examples=QUERY_EXAMPLES_PER_ROUTE)
        @given(
            query=st.dictionaries(
                st.sampled_from(names),
                st.one_of(text, st.lists(text, min_size=2, max_size=3)),
                max_size=3,
            ),
            htmx=st.booleans(),
        )
        def never_a_server_error(query, htmx):
            response = read_and_close(
                client.get(
                    url + "?" + urlencode(query, doseq=True),
                    headers={"HX-Request": "true"} if htmx else {},
                )
            )
            assert response.status_code < 500, (rule.rule, query)
            assert b"Er ging iets mis" not in response.data

        never_a_server_error()


# --- the holes the probe found (issue 11, hole 4) ------------------------------------------


@pytest.mark.parametrize(
    "role, url, data, as_a_file, shown",
    [
        (None, "/login", {"password": "x"}, "email", 'name="email"'),
        (
            "school",
            "/begeleiders",
            {"phone": "03 212 34 56"},
            "name",
            "Dit veld is verplicht.",
        ),
        ("school", "/studenten/nieuw", {}, "first_name", "Dit veld is verplicht."),
    ],
    ids=["login", "supervisors", "new-student"],
)
def test_sec_no_500_text_field_posted_as_a_file_is_a_missing_value(
    app, role, url, data, as_a_file, shown
):
    """The form comes back (no 500): the login form, or the field's own message."""
    with app.app_context():
        world = build_world()
    client = app.test_client()
    if role:
        login(client, world["emails"][role])
    response = client.post(
        url,
        data={**data, as_a_file: (io.BytesIO(b"Sara"), "veld.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert shown in response.text


def test_sec_no_500_json_bodies_are_not_form_data(app):
    """No page sends JSON: a JSON body (an object, a list, a number) is no form data."""
    with app.app_context():
        world = build_world()
    client = app.test_client()
    login(client, world["emails"]["school"])
    for body in ('["name", "x"]', '{"name": [1, {"a": null}]}', "42"):
        response = client.post(
            "/begeleiders", data=body, content_type="application/json"
        )
        assert response.status_code == 200
        assert "Dit veld is verplicht." in response.text


def test_sec_no_500_ids_too_large_for_the_database_answer_404(app):
    """Every rule with an id, as its own role, with an id past the database's integer."""
    with app.app_context():
        world = build_world()
    clients = clients_per_role(app, world)
    checked = []
    for rule in app.url_map.iter_rules():
        if not any(arg.endswith("_id") for arg in rule.arguments):
            continue
        client = clients[own_role(app, rule.endpoint)]
        for too_large in (2**31, 10**20):  # past PostgreSQL's integer, and its bigint
            huge = {"ids": {arg: too_large for arg in rule.arguments}, "tokens": {}}
            for method in sorted(rule.methods & {"GET", "POST"}):
                url = filled(rule, huge)
                response = read_and_close(client.open(url, method=method))
                assert response.status_code == 404, (method, url)
                checked.append(rule.endpoint)
    assert {
        "admin.resend_invitation",
        "admin.disable_user",
        "admin.enable_user",
    } <= set(checked)


def test_sec_no_500_nul_characters_answer_400(app):
    """PostgreSQL cannot store a NUL: it is refused before any search or save."""
    with app.app_context():
        world = build_world()
    client = app.test_client()
    login(client, world["emails"]["admin"])
    assert client.get("/admin/logins?q=a%00b").status_code == 400
    refused = client.post("/admin/scholen/nieuw", data={"name": "CVO\x00 Zuid"})
    assert refused.status_code == 400
    assert "De aanvraag kon niet verwerkt worden." in refused.text
