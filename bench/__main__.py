"""`make bench`: the busiest day of a full school year, measured as deployed.

For SQLite (a temporary file) and, when BENCH_DATABASE_URL is set, PostgreSQL (its tables are
dropped and rebuilt):
1. migrate an empty database and load a realistic school year (bench/generate.py);
2. count the SQL statements of each page in process (the app's own test client);
3. start gunicorn with gunicorn.conf.py and production settings and drive each page with
   Debian's `wrk` (8 connections, 10 s each), then a mixed 30 s run of school edits and
   service accepts;
4. time the exports at 20,000 rows against a bare baseline in the same run.
Prints one table per database and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import secrets
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import redis
from flask_migrate import upgrade
from sqlalchemy import event, exists, select, text

from app import create_app
from app.extensions import db
from app.models import Decline, Mentor, Placement, Student
from bench import exports
from bench.generate import PASSWORD, Generated, Scale, generate
from bench.load import Server, Session, run_wrk, write_cycle
from config import Config, TestConfig

RESULTS = Path(__file__).resolve().parent / "results.json"
HTMX = {"HX-Request": "true"}
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


def secrets_env() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_hex(32),
        "ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_hex(32),
    }


def fresh_database(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-db-')) / 'bench.db'}"
    url = os.environ["BENCH_DATABASE_URL"]
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        db.engine.dispose()
    return url


# --- Finding our way in the generated data ----------------------------------------------------


def pick(data: Generated) -> dict:
    """Ids the page runs and the mixed run use."""
    busy = data.terms["busy"]
    placed = exists().where(Placement.student_id == Student.id)
    declined = exists().where(
        Decline.student_id == Student.id, Decline.care_service_id == data.service_id
    )
    editable = db.session.scalars(
        select(Student.id)
        .where(Student.school_id == data.school_id, Student.term_id == busy, ~placed)
        .order_by(Student.id)
        .limit(300)
    ).all()
    open_requests = db.session.scalars(
        select(Student.id)
        .where(
            Student.province == data.province,
            Student.term_id == busy,
            Student.stopped_on.is_(None),
            ~placed,
            ~declined,
        )
        .order_by(Student.id.desc())
        .limit(2500)
    ).all()
    periods = {
        student.id: [p.id for p in student.periods]
        for student in db.session.scalars(
            select(Student).where(Student.id.in_(open_requests))
        )
    }
    mentor = db.session.scalar(
        select(Mentor.id).where(Mentor.care_service_id == data.service_id).limit(1)
    )
    return dict(
        editable=list(editable),
        open_requests=list(open_requests),
        periods=periods,
        mentor=mentor,
        school_student=editable[0],
        service_student=open_requests[-1],
    )


def cases(data: Generated, ids: dict) -> list[dict]:
    busy = data.terms["busy"]
    return [
        dict(name="/healthz (floor)", role=None, path="/healthz"),
        dict(name="login page", role=None, path="/login"),
        dict(name="school overview", role="school", path=f"/studenten?term={busy}"),
        dict(
            name="overview sort (htmx)",
            role="school",
            path=f"/studenten?term={busy}&sort=status",
            headers=HTMX,
        ),
        dict(
            name="overview search (htmx)",
            role="school",
            path=f"/studenten?term={busy}&q=peeters",
            headers=HTMX,
        ),
        dict(
            name="school request detail",
            role="school",
            path=f"/studenten/{ids['school_student']}",
        ),
        dict(name="service browse", role="service", path="/dienst/aanvragen"),
        dict(
            name="browse filter (htmx)",
            role="service",
            path="/dienst/aanvragen?vorm=alternerend&vervoer=fiets",
            headers=HTMX,
        ),
        dict(
            name="service request detail",
            role="service",
            path=f"/dienst/aanvragen/{ids['service_student']}",
        ),
        dict(name="Mijn stagiairs", role="service", path="/dienst/stagiairs"),
        dict(name="admin dashboard", role="admin", path="/admin/dashboard"),
    ]


# --- SQL statements per request, in process ----------------------------------------------------


def statement_counts(url: str, keys: dict, data: Generated, page_cases) -> dict:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **keys)
    counts = {}
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(CONTROL):
            statements.append(statement)

    # Requests run outside an app context of ours: each gets its own (and its own `g`).
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    clients = {None: app.test_client()}
    for role, email in data.logins.items():
        clients[role] = app.test_client()
        response = clients[role].post(
            "/login", data={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 302, (role, response.status_code)
    for case in page_cases:
        client = clients[case["role"]]
        client.get(case["path"], headers=case.get("headers"))  # warm-up
        statements.clear()
        response = client.get(case["path"], headers=case.get("headers"))
        assert response.status_code == 200, (case["path"], response.status_code)
        counts[case["name"]] = len(statements)
    event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    return counts


# --- The mixed run -----------------------------------------------------------------------------


class _FormValues(HTMLParser):
    """The values a browser would submit for the form with the given action."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.values = action, False, []
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("action") or ""
            self.inside = (a.get("method") or "").lower() == "post" and (
                action.endswith(self.action) or not action
            )
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.values.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.values.append((self.textarea, ""))

    def handle_data(self, data):
        if self.inside and self.textarea:
            name, value = self.values[-1]
            self.values[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_values(html: str, action: str) -> list[tuple[str, str]]:
    parser = _FormValues(action)
    parser.feed(html)
    return parser.values


def mixed_run(server: Server, sessions: dict, ids: dict, seconds: int) -> dict:
    """School edits and service accepts at the same time, 4 connections each."""
    from urllib.parse import urlencode

    school, service = sessions["school"], sessions["service"]
    edits = []
    for student_id in ids["editable"][:150]:
        path = f"/studenten/{student_id}/bewerken"
        status, _, html = school.get(path)
        assert status == 200, (path, status)
        values = [(k, v) for k, v in form_values(html, path) if k != "remarks"]
        values.append(("remarks", "Bewerkt tijdens de benchmark."))
        edits.append(("POST", path, urlencode(values)))
    accepts = [
        (
            "POST",
            f"/dienst/aanvragen/{student_id}/aanvaarden",
            urlencode(
                [("csrf_token", service.csrf)]
                + [("periods", p) for p in ids["periods"][student_id]]
                + [
                    ("mentor_id", ids["mentor"]),
                    ("notes", "Start om 8u aan het onthaal."),
                    ("over_capacity", "y"),
                ]
            ),
        )
        for student_id in ids["open_requests"]
    ]
    runs = {}
    with_cookie = {
        "school edits": (school, edits),
        "service accepts": (service, accepts),
    }
    processes = {}
    for name, (session, requests) in with_cookie.items():
        cycle = write_cycle(requests)
        processes[name] = _start_wrk(server.port, session, cycle, seconds)
    for name, process in processes.items():
        output, _ = process.communicate()
        line = next(x for x in output.splitlines() if x.startswith("BENCH "))
        result = json.loads(line.removeprefix("BENCH "))
        result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
        runs[name] = result
    return runs


def _start_wrk(port: int, session: Session, cycle: Path, seconds: int):
    from bench.load import CYCLE_LUA, PROXY_HEADERS, REPORT_LUA, wrk_available

    script = cycle.parent / "script.lua"
    script.write_text(CYCLE_LUA + REPORT_LUA)
    headers = {
        **PROXY_HEADERS,
        "Cookie": session.cookie_header(),
        "Referer": f"https://127.0.0.1:{port}/",
    }
    command = [wrk_available(), "-t2", "-c4", f"-d{seconds}s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{port}/", "--", str(cycle)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


# --- One database ------------------------------------------------------------------------------


def bench_backend(backend: str, args) -> dict:
    url = fresh_database(backend)
    keys = secrets_env()
    app = create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=url,
        ENCRYPTION_KEY=keys["ENCRYPTION_KEY"],
        BLIND_INDEX_KEY=keys["BLIND_INDEX_KEY"],
    )
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        data = generate(Scale.large() if args.scale == "large" else Scale.small())
        load_seconds = time.perf_counter() - start
        ids = pick(data)
        db.session.remove()
        db.engine.dispose()
    print(f"[{backend}] loaded {data.counts} in {load_seconds:.1f}s", flush=True)
    page_cases = cases(data, ids)
    if args.pages:
        wanted = [w.strip() for w in args.pages.split(",") if w.strip()]
        page_cases = [
            c
            for c in page_cases
            if c["name"] == "/healthz (floor)" or any(w in c["name"] for w in wanted)
        ]
    in_process_keys = {
        "ENCRYPTION_KEY": keys["ENCRYPTION_KEY"],
        "BLIND_INDEX_KEY": keys["BLIND_INDEX_KEY"],
    }
    sql = statement_counts(url, in_process_keys, data, page_cases)
    redis.Redis.from_url(args.redis).flushdb()
    env = {
        **keys,
        "STAGEMATCHING_ENV": "production",
        "DATABASE_URL": url,
        "BASE_URL": "https://stagematching.example",
        "RATELIMIT_STORAGE_URI": args.redis,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "2",  # nothing listens: a request that waited for mail would show
    }
    pages = {}
    with Server(env, args.workers, args.threads) as server:
        sessions = {}
        for role, email in data.logins.items():
            sessions[role] = Session("127.0.0.1", server.port)
            sessions[role].login(email, PASSWORD)
        for case in page_cases:
            headers = dict(case.get("headers") or {})
            if case["role"]:
                headers["Cookie"] = sessions[case["role"]].cookie_header()
            status, _, _ = (
                Session(
                    "127.0.0.1", server.port, dict(sessions[case["role"]].cookies)
                ).get(case["path"])
                if case["role"]
                else (200, None, None)
            )
            assert status == 200, (case["path"], status)
            result = run_wrk(
                server.port, case["path"], args.seconds, args.connections, headers
            )
            result["sql"] = sql[case["name"]]
            pages[case["name"]] = result
            print(
                f"[{backend}] {case['name']:28} {result['rps']:8.1f} req/s "
                f"p95 {result['p95']:7.1f} ms",
                flush=True,
            )
        mixed = (
            mixed_run(server, sessions, ids, args.mixed_seconds)
            if args.mixed_seconds
            else {}
        )
        tracebacks = server.errors_logged()
    floor = pages["/healthz (floor)"]["rps"]
    for result in pages.values():
        result["ratio"] = result["rps"] / floor
    export = {} if args.skip_export else export_costs(url, in_process_keys, data)
    return dict(
        database=backend,
        loaded=data.counts,
        load_seconds=round(load_seconds, 1),
        pages=pages,
        mixed=mixed,
        server_tracebacks=tracebacks,
        exports=export,
    )


def export_costs(url: str, keys: dict, data: Generated) -> dict:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **keys)
    results = {}
    client = app.test_client()
    response = client.post(
        "/login", data={"email": data.logins["admin"], "password": PASSWORD}
    )
    assert response.status_code == 302
    # The baseline must write the very same file: checked once, outside the timings.
    app_text: list = []
    exports.app_export(client, "csv_excel", app_text)()
    with app.app_context():
        base_text: list = []
        exports.baseline_csv(base_text)
        db.session.rollback()
    assert b"".join(app_text).decode("utf-8") == "".join(base_text), (
        "the baseline's CSV differs from the app's"
    )
    results["csv (app)"] = exports.measure(exports.app_export(client, "csv_excel"))
    with app.app_context():
        results["csv (baseline)"] = exports.measure(exports.baseline_csv, db.session)
    results["xlsx (app)"] = exports.measure(exports.app_export(client, "xlsx"))
    with app.app_context():
        results["xlsx (baseline)"] = exports.measure(exports.baseline_xlsx, db.session)
        db.engine.dispose()
    for kind in ("csv", "xlsx"):
        results[f"{kind} (app)"]["ratio"] = (
            results[f"{kind} (app)"]["seconds"]
            / results[f"{kind} (baseline)"]["seconds"]
        )
    return results


def print_table(run: dict) -> None:
    print(f"\n== {run['database']} ==")
    print(
        f"{'page':28} {'req/s':>8} {'÷healthz':>9} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'SQL':>4} {'errors':>6}"
    )
    for name, r in run["pages"].items():
        print(
            f"{name:28} {r['rps']:8.1f} {r['ratio']:9.2f} {r['p50']:7.1f} {r['p95']:7.1f} "
            f"{r['p99']:7.1f} {r['sql']:4d} {r['status_errors'] + r['socket_errors']:6d}"
        )
    for name, r in run["mixed"].items():
        print(
            f"{'mixed: ' + name:28} {r['rps']:8.1f} {'':9} {r['p50']:7.1f} {r['p95']:7.1f} "
            f"{r['p99']:7.1f} {'':4} {r['status_errors'] + r['socket_errors']:6d}"
        )
    print(f"server tracebacks: {run['server_tracebacks']}")
    if run["exports"]:
        print(
            f"{'export (20,000 rows)':28} {'seconds':>8} {'× base':>9} {'MB':>7} {'peak MB':>7}"
        )
        for name, r in run["exports"].items():
            ratio = f"{r['ratio']:9.2f}" if "ratio" in r else f"{'':9}"
            print(
                f"{name:28} {r['seconds']:8.1f} {ratio} {r['mb']:7.1f} {r['peak_mb']:7.1f}"
            )


def machine() -> dict:
    return dict(
        cpus=os.cpu_count(),
        cpu=_cpu_model(),
        python=platform.python_version(),
        system=platform.platform(),
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("large", "small"), default="large")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--mixed-seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose name contains one of these comma-separated words",
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    # The deployed defaults, read from gunicorn.conf.py (running it would check this
    # process's configuration, which is not the server's).
    conf = (Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text()
    args.workers = args.workers or int(
        re.search(r'"GUNICORN_WORKERS", "(\d+)"', conf).group(1)
    )
    args.threads = args.threads or int(
        re.search(r'"GUNICORN_THREADS", "(\d+)"', conf).group(1)
    )
    backends = ["sqlite"]
    if os.environ.get("BENCH_DATABASE_URL"):
        backends.append("postgresql")
    if args.only:
        backends = [args.only]
    runs = [bench_backend(backend, args) for backend in backends]
    for run in runs:
        print_table(run)
    args.output.write_text(
        json.dumps(
            dict(
                when=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                machine=machine(),
                gunicorn=dict(workers=args.workers, threads=args.threads),
                connections=args.connections,
                seconds=args.seconds,
                scale=args.scale,
                runs=runs,
            ),
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten: {args.output}")


if __name__ == "__main__":
    main()
