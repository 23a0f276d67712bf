"""SECURITY.md 27: production refuses the development secrets and malformed keys, and the
entry point gunicorn loads (wsgi.py) never runs silently with development secrets."""

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from config import (
    DEVELOPMENT_SECRETS,
    ConfigError,
    ProductionConfig,
    configuration_problems,
)
from tests.conftest import database_uri, reset_postgres

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET_NAMES = ("SECRET_KEY", "ENCRYPTION_KEY", "BLIND_INDEX_KEY")


def generated_keys() -> dict[str, str]:
    """Secrets as the README says to generate them."""
    return {
        "SECRET_KEY": secrets.token_hex(32),
        "ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_hex(32),
    }


def production_settings(**overrides) -> dict:
    """ProductionConfig's values with generated keys, as create_app() checks them."""
    settings = {
        name: getattr(ProductionConfig, name)
        for name in dir(ProductionConfig)
        if name.isupper()
    }
    return {**settings, **generated_keys(), **overrides}


def make_production_app(backend: str, tmp_path, **overrides):
    """The production configuration with generated keys on the test database, tables made.

    Rate limits in memory unless `overrides` say otherwise (no Redis needed)."""
    settings = {
        **generated_keys(),
        "SQLALCHEMY_DATABASE_URI": database_uri(backend, tmp_path),
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }
    app = create_app(ProductionConfig, **settings)
    if backend == "postgresql":
        reset_postgres(app)
    with app.app_context():
        db.create_all()
    return app


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- The checks -----------------------------------------------------------------------------


def test_sec_27_production_accepts_generated_keys():
    assert configuration_problems(production_settings()) == []


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_sec_27_production_refuses_each_development_secret(name):
    problems = configuration_problems(
        production_settings(**{name: DEVELOPMENT_SECRETS[name]})
    )
    assert len(problems) == 1
    assert problems[0].startswith(f"{name} is the public development value")
    with pytest.raises(ConfigError, match=name):
        create_app(
            ProductionConfig, **{**generated_keys(), name: DEVELOPMENT_SECRETS[name]}
        )


WRONG_KEYS = [
    ("SECRET_KEY", "", "has 0 characters"),
    ("SECRET_KEY", secrets.token_hex(15), "has 30 characters"),
    ("SECRET_KEY", "changeme" * 5, "does not look random"),
    ("BLIND_INDEX_KEY", "kort", "has 4 characters"),
    ("BLIND_INDEX_KEY", "ab" * 20, "does not look random"),
    ("ENCRYPTION_KEY", "", "is not a Fernet key"),
    ("ENCRYPTION_KEY", secrets.token_hex(32), "is not a Fernet key"),
    (
        "ENCRYPTION_KEY",
        base64.urlsafe_b64encode(os.urandom(16)).decode(),
        "is not a Fernet key",
    ),
    ("ENCRYPTION_KEY", "é" * 44, "is not a Fernet key"),
    (
        "ENCRYPTION_KEY",
        base64.urlsafe_b64encode(b"our-own-encryption-key-32-bytes!").decode(),
        "does not look random",
    ),
    ("ENCRYPTION_KEY", base64.urlsafe_b64encode(bytes(32)).decode(), "random"),
]


# Ids without the (partly random) values: pytest-xdist workers must collect the same names.
@pytest.mark.parametrize(
    "name, value, says",
    WRONG_KEYS,
    ids=[f"{name}-{n}" for n, (name, _, _) in enumerate(WRONG_KEYS)],
)
def test_sec_27_production_refuses_keys_of_the_wrong_size_or_format(name, value, says):
    problems = configuration_problems(production_settings(**{name: value}))
    assert len(problems) == 1, problems
    assert problems[0].startswith(name) and says in problems[0]
    # The message tells how to make a good key and never repeats the bad one.
    assert "generate one with python3 -c" in problems[0]
    assert not value or value not in problems[0]


def test_sec_27_production_refuses_one_key_used_twice():
    key = secrets.token_hex(32)
    problems = configuration_problems(
        production_settings(SECRET_KEY=key, BLIND_INDEX_KEY=key)
    )
    assert problems == ["SECRET_KEY and BLIND_INDEX_KEY must be two different keys."]


def test_sec_27_development_and_tests_keep_their_public_keys():
    from config import Config, TestConfig

    for config in (Config, TestConfig):
        settings = {
            name: getattr(config, name) for name in dir(config) if name.isupper()
        }
        assert configuration_problems(settings) == []


def test_sec_27_a_production_app_with_generated_keys_serves_pages(backend, tmp_path):
    app = make_production_app(backend, tmp_path)
    try:
        response = app.test_client().get("/login")
        assert response.status_code == 200
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        dispose(app)


# --- The entry point, as gunicorn and the flask command load it -------------------------------


def clean_environment(tmp_path, **variables) -> dict[str, str]:
    """This process's environment without any Stagematching setting, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in (*SECRET_NAMES, "STAGEMATCHING_ENV", "FLASK_RUN_FROM_CLI")
        and not name.startswith(("GUNICORN_", "NATIONAL_NUMBER"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'wsgi.db'}"
    env.update(variables)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_gunicorn(tmp_path, **variables) -> subprocess.CompletedProcess:
    """gunicorn as deployed (gunicorn.conf.py, wsgi:app), one worker; stopped at the first
    answer of /healthz, or when it exits by itself."""
    port = free_port()
    env = clean_environment(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESSLOG=str(tmp_path / "access.log"),
        **variables,
    )
    script = (
        "import subprocess, sys, time, urllib.request\n"
        f"p = subprocess.Popen([{str(GUNICORN)!r}, '-c', 'gunicorn.conf.py', 'wsgi:app'])\n"
        "deadline = time.monotonic() + 30\n"
        "while p.poll() is None and time.monotonic() < deadline:\n"
        "    try:\n"
        f"        body = urllib.request.urlopen('http://127.0.0.1:{port}/healthz', timeout=2).read()\n"
        "        print('HEALTHZ', body.decode(), flush=True)\n"
        "        p.terminate()\n"
        "        break\n"
        "    except OSError:\n"
        "        time.sleep(0.2)\n"
        "p.wait(timeout=30)\n"
        "sys.exit(p.returncode)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def import_wsgi(tmp_path, *, flask_command: bool = False, **variables):
    """`import wsgi` in a fresh interpreter (under the flask command when asked)."""
    env = clean_environment(tmp_path, **variables)
    command = [
        sys.executable,
        "-c",
        "import wsgi; print('ENV', wsgi.app.config['ENV_NAME'])",
    ]
    if flask_command:
        command = [
            str(Path(sys.executable).parent / "flask"),
            "--app",
            "wsgi",
            "routes",
        ]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_sec_27_gunicorn_refuses_to_start_without_stagematching_env(tmp_path):
    result = run_gunicorn(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 4, output
    assert "Stagematching will not start" in output
    assert "STAGEMATCHING_ENV is not set" in output
    assert "HEALTHZ" not in output and "Traceback" not in output


def test_sec_27_gunicorn_refuses_production_with_the_development_keys(tmp_path):
    variables = {"STAGEMATCHING_ENV": "production", **DEVELOPMENT_SECRETS}
    result = run_gunicorn(tmp_path, **variables)
    output = result.stdout + result.stderr
    assert result.returncode == 4, output
    for name in SECRET_NAMES:
        assert f"{name} is the public development value" in output
    assert "HEALTHZ" not in output and "Traceback" not in output


def test_sec_27_gunicorn_starts_in_production_with_generated_keys(tmp_path):
    result = run_gunicorn(tmp_path, STAGEMATCHING_ENV="production", **generated_keys())
    output = result.stdout + result.stderr
    assert "HEALTHZ ok" in output, output
    assert "Traceback" not in output


def test_sec_27_development_must_be_asked_for(tmp_path):
    refused = import_wsgi(tmp_path)
    assert refused.returncode == 4
    assert "STAGEMATCHING_ENV is not set" in refused.stderr
    assert "Traceback" not in refused.stderr
    asked = import_wsgi(tmp_path, STAGEMATCHING_ENV="development")
    assert asked.returncode == 0, asked.stderr
    assert "ENV development" in asked.stdout


def test_sec_27_an_unknown_environment_is_refused(tmp_path):
    result = import_wsgi(tmp_path, STAGEMATCHING_ENV="prod")
    assert result.returncode == 4
    assert "STAGEMATCHING_ENV='prod' is unknown" in result.stderr
    assert "Traceback" not in result.stderr


def test_sec_27_the_flask_command_falls_back_to_development_and_says_so(tmp_path):
    """make run and `flask db upgrade` on a developer's machine need no setting."""
    result = import_wsgi(tmp_path, flask_command=True)
    assert result.returncode == 0, result.stderr
    assert "auth.login" in result.stdout
    assert "the flask command uses the development settings" in result.stderr
    strict = import_wsgi(tmp_path, flask_command=True, STAGEMATCHING_ENV="production")
    assert strict.returncode == 4
    assert "SECRET_KEY is the public development value" in strict.stderr


def test_sec_27_the_test_settings_are_never_served(tmp_path):
    refused = import_wsgi(tmp_path, STAGEMATCHING_ENV="testing")
    assert refused.returncode == 4, refused.stderr
    assert "STAGEMATCHING_ENV=testing is for the test suite only" in refused.stderr


def test_sec_27_development_outside_the_flask_command_warns(tmp_path):
    served = import_wsgi(tmp_path, STAGEMATCHING_ENV="development")
    assert served.returncode == 0, served.stderr
    assert "ENV development" in served.stdout
    assert "development settings and their public keys" in served.stderr


def test_sec_19_gunicorn_passes_what_nginx_lets_through_to_the_app(tmp_path):
    """A request line and header lines as long as nginx's buffers allow (8000 bytes each,
    plus what nginx appends to X-Forwarded-For; hundreds of fields) reach the app and get
    its answer with its security headers, never gunicorn's bare 414/431 page (gunicorn's
    defaults: a 4094-byte request line, 8190-byte header lines, 100 fields)."""
    port = free_port()
    env = clean_environment(
        tmp_path,
        STAGEMATCHING_ENV="production",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESSLOG=str(tmp_path / "access.log"),
        **generated_keys(),
    )
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def ask(path: str, headers: list[str]) -> str:
        request = "\r\n".join(
            [f"GET {path} HTTP/1.1", "Host: stagematching.org", *headers, "", ""]
        )
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(request.encode())
            answer = b""
            while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
                answer += chunk
        return answer.decode("latin-1").split("\r\n\r\n")[0]

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ask("/healthz", [])
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        long_line = "/login?next=" + "a" * (8000 - len("GET /login?next= HTTP/1.1\r\n"))
        many_fields = [f"X-Probe-{i}: {i}" for i in range(300)]
        forwarded = "X-Forwarded-For: " + "1" * (8000 - 19) + ", 203.0.113.9"
        long_field = ["X-Long: " + "b" * (8000 - 10), forwarded]
        for path, headers in (
            (long_line, []),
            ("/login", many_fields),
            ("/login", long_field),
        ):
            head = ask(path, headers)
            status = head.split("\r\n")[0]
            assert status == "HTTP/1.1 200 OK", status
            assert "Content-Security-Policy:" in head
            assert "X-Content-Type-Options: nosniff" in head
    finally:
        server.terminate()
        server.wait(timeout=30)
