"""The dashboard's figures are kept a minute per worker on the busiest day; tests see them fresh."""

import pytest

from app.admin import stats
from app.extensions import db
from tests.factories import make_student, make_term


@pytest.fixture
def app_overrides():
    return {"DASHBOARD_CACHE_SECONDS": 60}


def test_figures_are_kept_for_the_configured_time_then_computed_again(ctx, monkeypatch):
    term = make_term()
    make_student(term=term)
    db.session.commit()
    clock = [1000.0]
    monkeypatch.setattr(stats.time, "monotonic", lambda: clock[0])
    stats._kept.clear()
    first = stats.dashboard(term)
    assert first.total.requests == 1
    make_student(term=term)
    db.session.commit()
    clock[0] += 59
    kept = stats.dashboard(term)
    assert kept.total.requests == 1 and kept.computed_at == first.computed_at
    clock[0] += 2
    fresh = stats.dashboard(term)
    assert fresh.total.requests == 2 and fresh.computed_at >= first.computed_at


def test_without_keeping_every_view_counts_again(ctx):
    ctx.config["DASHBOARD_CACHE_SECONDS"] = 0
    term = make_term()
    make_student(term=term)
    db.session.commit()
    assert stats.dashboard(term).total.requests == 1
    make_student(term=term)
    db.session.commit()
    assert stats.dashboard(term).total.requests == 2
