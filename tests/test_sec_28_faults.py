"""SECURITY 28: a worker killed in the middle of an accept leaves the placement, its mail and its
audit event all together or none of them — never half.

The accept runs in a separate Python process that kills itself with SIGKILL at a chosen point:
when the transaction is about to commit (everything flushed, nothing committed), or right after
the commit (before the mail could be sent). The test then reads what the database kept.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, OutboxMail, Placement
from tests.factories import (
    PASSWORD,
    make_mentor,
    make_service,
    make_student,
    make_term,
    make_user,
)

ROOT = Path(__file__).resolve().parent.parent

WORKER = textwrap.dedent(
    """
    import json, os, signal, sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    
    from app import create_app
    from config import TestConfig

    job = json.loads(sys.argv[1])
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=job["uri"])
    client = app.test_client()
    assert client.post(
        "/login", data={"email": job["email"], "password": job["password"]}
    ).status_code == 302

    def die(*args):
        os.kill(os.getpid(), signal.SIGKILL)

    if job["kill"] == "before_commit":  # flushed, about to COMMIT
        event.listen(Engine, "commit", die)
    else:  # committed, the mail about to be sent
        import app.outbox

        app.outbox._deliver = die
    client.post(job["url"], data=job["form"])
    print("survived")
    """
)


def run_accept_and_die(app, kill: str) -> dict:
    with app.app_context():
        service = make_service(province="ANT")
        mentor = make_mentor(service)
        user = make_user("service", organisation=service)
        student = make_student(term=make_term(), periods=2)
        make_user("school", organisation=student.school)  # the school is mailed
        db.session.commit()
        job = dict(
            uri=app.config["SQLALCHEMY_DATABASE_URI"],
            email=user.email,
            password=PASSWORD,
            kill=kill,
            url=f"/dienst/aanvragen/{student.id}/aanvaarden",
            form={
                "periods": [p.id for p in student.periods],
                "mentor_id": mentor.id,
                "notes": "Start om 8u.",
            },
        )
        student_id = student.id
    result = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(job)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, (result.returncode, result.stdout, result.stderr)
    with app.app_context():
        db.session.remove()
        return dict(
            placements=db.session.scalar(
                select(func.count())
                .select_from(Placement)
                .where(Placement.student_id == student_id)
            ),
            mails=db.session.scalar(select(func.count()).select_from(OutboxMail)),
            unsent=db.session.scalar(
                select(func.count())
                .select_from(OutboxMail)
                .where(OutboxMail.sent_at.is_(None))
            ),
            audit=db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.object_type == "Placement",
                )
            )
            + db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.like("placement.%"))
            ),
        )


@pytest.mark.parametrize("kill", ["before_commit", "after_commit"])
def test_sec_28_a_worker_killed_mid_accept_leaves_all_or_nothing(app, kill):
    kept = run_accept_and_die(app, kill)
    if kill == "before_commit":
        assert kept == dict(placements=0, mails=0, unsent=0, audit=0)
    else:
        # Both periods placed, the school's mail waiting in the outbox for the timer, and
        # the acceptance audited: nothing of it lost with the worker.
        assert kept["placements"] == 2
        assert kept["mails"] >= 1 and kept["unsent"] == kept["mails"]
        assert kept["audit"] >= 1
