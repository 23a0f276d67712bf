"""SECURITY.md 15: an activation or reset link used twice at the same moment works once."""

import pytest
from sqlalchemy import func, select

from app.auth import logic
from app.extensions import db
from app.models import AuditEvent, AuthToken, User
from app.security import verify_password
from tests.concurrency import post_all_at_once
from tests.conftest import link_in
from tests.factories import make_school, make_user

PASSWORDS = ("de eerste zin van vandaag", "een tweede zin van morgen")
SET = "Je paswoord is ingesteld. Je kan nu inloggen."
GONE = "Deze link werkt niet meer"


def race(app, link: str) -> list[tuple[int, str]]:
    """Two browsers post the same link with different passwords at the same moment."""
    return post_all_at_once(
        (app.test_client(), link, {"password": p, "confirm": p}) for p in PASSWORDS
    )


def assert_exactly_one_won(app, results, email: str) -> None:
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 410], statuses
    (winner,) = [i for i, (status, text) in enumerate(results) if SET in text]
    (loser,) = [i for i, (status, text) in enumerate(results) if GONE in text]
    assert winner != loser
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert verify_password(user.password_hash, PASSWORDS[winner])
        assert not verify_password(user.password_hash, PASSWORDS[loser])
        used = db.session.scalar(
            select(func.count()).where(AuthToken.used_at.is_not(None))
        )
        assert used == 1


@pytest.mark.parametrize("attempt", range(3))
def test_sec_15_two_concurrent_uses_of_one_activation_link_one_succeeds(
    app, outbox, attempt
):
    with app.app_context():
        logic.invite_user("nieuw@cvo.example", "school", school_id=make_school().id)
        db.session.commit()
    results = race(app, link_in(outbox()[0][2]))
    assert_exactly_one_won(app, results, "nieuw@cvo.example")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert sorted(actions) == ["user.activated", "user.invited"]  # activated once


@pytest.mark.parametrize("attempt", range(3))
def test_sec_15_two_concurrent_uses_of_one_reset_link_one_succeeds(
    app, outbox, attempt
):
    with app.app_context():
        logic.send_reset(make_user("school", email="coord@cvo.example"))
        db.session.commit()
    results = race(app, link_in(outbox()[0][2]))
    assert_exactly_one_won(app, results, "coord@cvo.example")
    changed = [mail for mail in outbox() if "gewijzigd" in mail[1]]
    assert len(changed) == 1  # one "your password changed" mail, not two
